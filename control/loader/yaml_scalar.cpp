#include "control/loader/yaml_scalar.h"

#include <array>

namespace podwall {
namespace {

constexpr std::array<std::string_view, 12> true_words = {
    "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON", ""};
constexpr std::array<std::string_view, 12> false_words = {
    "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF", ""};

bool is_digit(char c, int base) {
  if (base == 2) return c == '0' || c == '1';
  if (base == 8) return c >= '0' && c <= '7';
  if (base == 10) return c >= '0' && c <= '9';
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

int digit_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return c - 'A' + 10;
}

// Splits sign and base prefix off; returns the digits, or nullopt if the text is no integer.
struct IntShape {
  bool negative = false;
  int base = 10;
  std::string_view digits;
};

std::optional<IntShape> int_shape(std::string_view text) {
  IntShape shape;
  if (!text.empty() && (text[0] == '-' || text[0] == '+')) {
    shape.negative = text[0] == '-';
    text.remove_prefix(1);
  }
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'o' || text[1] == 'b')) {
    shape.base = text[1] == 'x' ? 16 : text[1] == 'o' ? 8 : 2;
    text.remove_prefix(2);
  } else if (text.size() > 1 && text[0] == '0') {
    shape.base = 8;
    text.remove_prefix(1);
  }
  if (text.empty() || text[0] == '_') return std::nullopt;
  for (char c : text) {
    if (c != '_' && !is_digit(c, shape.base)) return std::nullopt;
  }
  shape.digits = text;
  return shape;
}

// Kubernetes' decoder treats digit strings that fail as integers ("08") as floats.
bool is_float_text(std::string_view text) {
  static constexpr std::array<std::string_view, 9> specials = {
      ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF"};
  for (auto s : specials) {
    if (text == s) return true;
  }
  if (text == ".nan" || text == ".NaN" || text == ".NAN") return true;
  size_t i = 0;
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) ++i;
  size_t mantissa_digits = 0;
  bool dot = false;
  for (; i < text.size(); ++i) {
    char c = text[i];
    if (c >= '0' && c <= '9') {
      ++mantissa_digits;
    } else if (c == '_' && mantissa_digits > 0) {
    } else if (c == '.' && !dot) {
      dot = true;
    } else {
      break;
    }
  }
  if (mantissa_digits == 0) return false;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < text.size() && (text[i] == '-' || text[i] == '+')) ++i;
    size_t exponent_digits = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i, ++exponent_digits;
    if (exponent_digits == 0) return false;
  }
  return i == text.size();
}

}  // namespace

std::optional<bool> parse_yaml_bool(std::string_view text) {
  if (text.empty()) return std::nullopt;
  for (auto w : true_words) {
    if (text == w) return true;
  }
  for (auto w : false_words) {
    if (text == w) return false;
  }
  return std::nullopt;
}

std::optional<int64_t> parse_yaml_int(std::string_view text) {
  auto shape = int_shape(text);
  if (!shape) return std::nullopt;
  uint64_t value = 0;
  const uint64_t limit = shape->negative ? uint64_t(INT64_MAX) + 1 : uint64_t(INT64_MAX);
  for (char c : shape->digits) {
    if (c == '_') continue;
    uint64_t d = uint64_t(digit_value(c));
    if (value > (limit - d) / uint64_t(shape->base)) return std::nullopt;
    value = value * uint64_t(shape->base) + d;
  }
  if (shape->negative) return value == uint64_t(INT64_MAX) + 1 ? INT64_MIN : -int64_t(value);
  return int64_t(value);
}

ScalarKind resolve_scalar(std::string_view tag, std::string_view text) {
  if (tag == "tag:yaml.org,2002:str" || tag == "!") return ScalarKind::string;
  if (tag == "tag:yaml.org,2002:int") return ScalarKind::integer;
  if (tag == "tag:yaml.org,2002:bool") return ScalarKind::boolean;
  if (tag == "tag:yaml.org,2002:float") return ScalarKind::floating;
  if (tag == "tag:yaml.org,2002:null") return ScalarKind::null;
  if (tag != "?") return ScalarKind::string;
  if (text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL") {
    return ScalarKind::null;
  }
  if (parse_yaml_bool(text)) return ScalarKind::boolean;
  if (int_shape(text)) return ScalarKind::integer;
  if (is_float_text(text)) return ScalarKind::floating;
  return ScalarKind::string;
}

}  // namespace podwall
