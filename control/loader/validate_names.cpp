#include "control/loader/validate_names.h"

namespace podwall {
namespace {

bool is_lower_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}
bool is_alnum(char c) {
  return is_lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

std::string quoted(std::string_view text) {
  return "\"" + std::string(text) + "\"";
}

bool is_label_shape(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (!is_lower_alnum(c) && c != '-') return false;
  }
  return text.front() != '-' && text.back() != '-';
}

// The shared shape of label names and label values, without the length rule.
bool is_qualified_shape(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (!is_alnum(c) && c != '-' && c != '_' && c != '.') return false;
  }
  return is_alnum(text.front()) && is_alnum(text.back());
}

}  // namespace

NameProblem check_dns1123_label(std::string_view name) {
  if (name.empty()) return "must not be empty";
  if (name.size() > 63) return quoted(name) + " must be at most 63 characters";
  if (!is_label_shape(name)) {
    return quoted(name) +
           " is not a valid DNS-1123 label: use lowercase letters, digits and '-', starting and "
           "ending with a letter or digit";
  }
  return std::nullopt;
}

NameProblem check_dns1123_subdomain(std::string_view name) {
  if (name.empty()) return "must not be empty";
  if (name.size() > 253) return quoted(name) + " must be at most 253 characters";
  size_t start = 0;
  while (true) {
    size_t dot = name.find('.', start);
    std::string_view part = name.substr(start, dot == std::string_view::npos ? dot : dot - start);
    if (!is_label_shape(part)) {
      return quoted(name) +
             " is not a valid DNS-1123 subdomain: use lowercase letters, digits, '-' and '.', "
             "each part starting and ending with a letter or digit";
    }
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return std::nullopt;
}

NameProblem check_label_key(std::string_view key) {
  std::string_view name = key;
  size_t slash = key.find('/');
  if (slash != std::string_view::npos) {
    std::string_view prefix = key.substr(0, slash);
    name = key.substr(slash + 1);
    if (prefix.empty()) return "label key " + quoted(key) + " has an empty prefix before '/'";
    if (auto problem = check_dns1123_subdomain(prefix)) {
      return "label key prefix " + *problem;
    }
    if (name.find('/') != std::string_view::npos) {
      return "label key " + quoted(key) + " may contain at most one '/'";
    }
  }
  if (name.empty()) return "label key " + quoted(key) + " has an empty name";
  if (name.size() > 63) return "label key name " + quoted(name) + " must be at most 63 characters";
  if (!is_qualified_shape(name)) {
    return "label key " + quoted(key) +
           " is invalid: the name part must use letters, digits, '-', '_' and '.', starting and "
           "ending with a letter or digit";
  }
  return std::nullopt;
}

NameProblem check_label_value(std::string_view value) {
  if (value.empty()) return std::nullopt;
  if (value.size() > 63) return "label value " + quoted(value) + " must be at most 63 characters";
  if (!is_qualified_shape(value)) {
    return "label value " + quoted(value) +
           " is invalid: use letters, digits, '-', '_' and '.', starting and ending with a letter "
           "or digit";
  }
  return std::nullopt;
}

NameProblem check_iana_svc_name(std::string_view name) {
  if (name.empty()) return "must not be empty";
  if (name.size() > 15) return "port name " + quoted(name) + " must be at most 15 characters";
  bool has_letter = false;
  for (char c : name) {
    if (!is_lower_alnum(c) && c != '-') {
      return "port name " + quoted(name) + " may only contain lowercase letters, digits and '-'";
    }
    has_letter = has_letter || (c >= 'a' && c <= 'z');
  }
  if (!has_letter) return "port name " + quoted(name) + " must contain at least one letter";
  if (name.front() == '-' || name.back() == '-') {
    return "port name " + quoted(name) + " must not start or end with '-'";
  }
  if (name.find("--") != std::string_view::npos) {
    return "port name " + quoted(name) + " must not contain \"--\"";
  }
  return std::nullopt;
}

}  // namespace podwall
