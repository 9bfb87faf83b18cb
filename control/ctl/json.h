#pragma once
// Just enough JSON for the control socket's line protocol: a writer for flat replies and a
// small recursive-descent reader (objects, arrays, strings, numbers, booleans, null) for
// requests and for podwallctl reading replies. No dependency; inputs are bounded by the caller.
//
// Thread: any; plain values.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace podwall {

// "text" with quotes, backslashes and control characters escaped, in quotes.
std::string json_quote(std::string_view text);

// Builds one object: {"a":1,"b":"x",...}. Values given as raw JSON are inserted as they are.
class JsonObjectWriter {
 public:
  JsonObjectWriter& add(std::string_view key, std::string_view value);  // a string
  JsonObjectWriter& add(std::string_view key, const char* value) {
    return add(key, std::string_view(value));
  }
  JsonObjectWriter& add(std::string_view key, uint64_t value);
  JsonObjectWriter& add(std::string_view key, double value);
  JsonObjectWriter& add(std::string_view key, bool value);
  JsonObjectWriter& add_raw(std::string_view key, std::string_view json);
  std::string str() const { return out_ + "}"; }

 private:
  void key(std::string_view k);
  std::string out_ = "{";
};

struct JsonValue {
  enum class Type { null, boolean, number, string, array, object };
  Type type = Type::null;
  bool boolean = false;
  double number = 0;
  std::string string;
  std::vector<JsonValue> array;
  std::map<std::string, JsonValue> object;

  const JsonValue* get(const std::string& key) const;  // nullptr if absent or not an object
  std::optional<double> number_at(const std::string& key) const;
  std::optional<std::string> string_at(const std::string& key) const;
  bool bool_at(const std::string& key, bool fallback = false) const;
};

// Parses one JSON text (surrounding whitespace allowed). nullopt on any syntax error or
// nesting deeper than 32.
std::optional<JsonValue> parse_json(std::string_view text);

}  // namespace podwall
