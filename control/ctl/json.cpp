#include "control/ctl/json.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace podwall {

std::string json_quote(std::string_view text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", c);
          out += buf;
        } else {
          out += char(c);
        }
    }
  }
  return out + "\"";
}

void JsonObjectWriter::key(std::string_view k) {
  if (out_.size() > 1) out_ += ',';
  out_ += json_quote(k);
  out_ += ':';
}

JsonObjectWriter& JsonObjectWriter::add(std::string_view k, std::string_view value) {
  key(k);
  out_ += json_quote(value);
  return *this;
}

JsonObjectWriter& JsonObjectWriter::add(std::string_view k, uint64_t value) {
  key(k);
  out_ += std::to_string(value);
  return *this;
}

JsonObjectWriter& JsonObjectWriter::add(std::string_view k, double value) {
  key(k);
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.6g", std::isfinite(value) ? value : 0.0);
  out_ += buf;
  return *this;
}

JsonObjectWriter& JsonObjectWriter::add(std::string_view k, bool value) {
  key(k);
  out_ += value ? "true" : "false";
  return *this;
}

JsonObjectWriter& JsonObjectWriter::add_raw(std::string_view k, std::string_view json) {
  key(k);
  out_ += json;
  return *this;
}

const JsonValue* JsonValue::get(const std::string& key) const {
  if (type != Type::object) return nullptr;
  auto it = object.find(key);
  return it == object.end() ? nullptr : &it->second;
}

std::optional<double> JsonValue::number_at(const std::string& key) const {
  const JsonValue* v = get(key);
  if (v == nullptr || v->type != Type::number) return std::nullopt;
  return v->number;
}

std::optional<std::string> JsonValue::string_at(const std::string& key) const {
  const JsonValue* v = get(key);
  if (v == nullptr || v->type != Type::string) return std::nullopt;
  return v->string;
}

bool JsonValue::bool_at(const std::string& key, bool fallback) const {
  const JsonValue* v = get(key);
  return v != nullptr && v->type == Type::boolean ? v->boolean : fallback;
}

namespace {

class Reader {
 public:
  explicit Reader(std::string_view s) : s_(s) {}

  bool document(JsonValue& out) {
    if (!value(out, 0)) return false;
    skip_ws();
    return i_ == s_.size();
  }

 private:
  void skip_ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r'))
      ++i_;
  }
  bool literal(std::string_view word) {
    if (s_.substr(i_, word.size()) != word) return false;
    i_ += word.size();
    return true;
  }

  bool value(JsonValue& out, int depth) {
    if (depth > 32) return false;
    skip_ws();
    if (i_ >= s_.size()) return false;
    char c = s_[i_];
    if (c == '{') return object(out, depth);
    if (c == '[') return array(out, depth);
    if (c == '"') {
      out.type = JsonValue::Type::string;
      return string(out.string);
    }
    if (literal("true")) {
      out.type = JsonValue::Type::boolean;
      out.boolean = true;
      return true;
    }
    if (literal("false")) {
      out.type = JsonValue::Type::boolean;
      return true;
    }
    if (literal("null")) return true;
    return number(out);
  }

  bool number(JsonValue& out) {
    size_t start = i_;
    while (i_ < s_.size() && std::string_view("+-0123456789.eE").find(s_[i_]) != std::string::npos)
      ++i_;
    if (start == i_) return false;
    std::string text(s_.substr(start, i_ - start));
    char* end = nullptr;
    out.number = std::strtod(text.c_str(), &end);
    out.type = JsonValue::Type::number;
    return end == text.c_str() + text.size();
  }

  bool string(std::string& out) {
    ++i_;  // opening quote
    while (i_ < s_.size()) {
      char c = s_[i_++];
      if (c == '"') return true;
      if (c != '\\') {
        out += c;
        continue;
      }
      if (i_ >= s_.size()) return false;
      char e = s_[i_++];
      switch (e) {
        case 'n':
          out += '\n';
          break;
        case 't':
          out += '\t';
          break;
        case 'r':
          out += '\r';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'u': {
          if (i_ + 4 > s_.size()) return false;
          unsigned code =
              unsigned(std::strtoul(std::string(s_.substr(i_, 4)).c_str(), nullptr, 16));
          i_ += 4;
          // Only what json_quote writes (control characters) and Latin-1 need to round-trip;
          // anything wider is kept as UTF-8.
          if (code < 0x80) {
            out += char(code);
          } else if (code < 0x800) {
            out += char(0xc0 | (code >> 6));
            out += char(0x80 | (code & 0x3f));
          } else {
            out += char(0xe0 | (code >> 12));
            out += char(0x80 | ((code >> 6) & 0x3f));
            out += char(0x80 | (code & 0x3f));
          }
          break;
        }
        default:
          out += e;  // \" \\ \/
      }
    }
    return false;
  }

  bool array(JsonValue& out, int depth) {
    out.type = JsonValue::Type::array;
    ++i_;
    skip_ws();
    if (i_ < s_.size() && s_[i_] == ']') {
      ++i_;
      return true;
    }
    for (;;) {
      JsonValue item;
      if (!value(item, depth + 1)) return false;
      out.array.push_back(std::move(item));
      skip_ws();
      if (i_ >= s_.size()) return false;
      if (s_[i_] == ']') {
        ++i_;
        return true;
      }
      if (s_[i_++] != ',') return false;
    }
  }

  bool object(JsonValue& out, int depth) {
    out.type = JsonValue::Type::object;
    ++i_;
    skip_ws();
    if (i_ < s_.size() && s_[i_] == '}') {
      ++i_;
      return true;
    }
    for (;;) {
      skip_ws();
      if (i_ >= s_.size() || s_[i_] != '"') return false;
      std::string key;
      if (!string(key)) return false;
      skip_ws();
      if (i_ >= s_.size() || s_[i_++] != ':') return false;
      JsonValue item;
      if (!value(item, depth + 1)) return false;
      out.object[key] = std::move(item);
      skip_ws();
      if (i_ >= s_.size()) return false;
      if (s_[i_] == '}') {
        ++i_;
        return true;
      }
      if (s_[i_++] != ',') return false;
    }
  }

  std::string_view s_;
  size_t i_ = 0;
};

}  // namespace

std::optional<JsonValue> parse_json(std::string_view text) {
  JsonValue v;
  if (!Reader(text).document(v)) return std::nullopt;
  return v;
}

}  // namespace podwall
