#include "control/loader/yaml_reader.h"

#include "control/loader/yaml_scalar.h"

namespace podwall {
namespace {

// yaml-cpp has no merge keys; the structure check reports them, and readers skip them so a
// `<<` entry does not also turn up as a bogus label or field.
bool is_merge_key(const YamlNode& key) {
  return key.is_scalar() && key.scalar() == "<<" && key.tag() == "?";
}

bool is_identifier(std::string_view key) {
  if (key.empty()) return false;
  for (char c : key) {
    bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

// An empty value's mark is where the next token starts, often on the next line, so it points
// at the key instead.
YAML::Mark value_mark(const YamlNode& value, const YAML::Mark& fallback) {
  if (value.is_null()) return fallback;
  const YAML::Mark& m = value.mark();
  return m.line < 0 ? fallback : m;
}

ScalarKind kind_of(const YamlNode& node) {
  return resolve_scalar(node.tag(), node.scalar());
}

std::string article_kind(ScalarKind kind) {
  switch (kind) {
    case ScalarKind::string:
      return "a string";
    case ScalarKind::null:
      return "null";
    case ScalarKind::boolean:
      return "a boolean";
    case ScalarKind::integer:
      return "an integer";
    case ScalarKind::floating:
      return "a number";
  }
  return "a scalar";
}

}  // namespace

Field Field::root(const YamlNode& node, std::string path) {
  Field f;
  f.node = &node;
  f.path = std::move(path);
  if (node.mark().line >= 0) f.mark = node.mark();
  return f;
}

Field Field::child(std::string_view key) const {
  Field out;
  out.path = join_key(path, key);
  out.mark = mark;
  if (!is_map()) return out;
  for (size_t i = 0; i < node->size(); ++i) {
    const YamlNode& k = node->key(i);
    if (k.is_scalar() && k.scalar() == key && !is_merge_key(k)) {
      out.node = &node->value(i);
      out.mark = value_mark(*out.node, k.mark());
      return out;
    }
  }
  return out;
}

std::vector<std::pair<Field, Field>> Field::entries() const {
  std::vector<std::pair<Field, Field>> out;
  if (!is_map()) return out;
  out.reserve(node->size());
  for (size_t i = 0; i < node->size(); ++i) {
    const YamlNode& key = node->key(i);
    if (is_merge_key(key)) continue;
    Field k;
    k.node = &key;
    k.path = join_key(path, key.is_scalar() ? key.scalar() : std::string_view("?"));
    k.mark = key.mark();
    Field v;
    v.node = &node->value(i);
    v.path = k.path;
    v.mark = value_mark(*v.node, k.mark);
    out.emplace_back(std::move(k), std::move(v));
  }
  return out;
}

std::vector<Field> Field::items() const {
  std::vector<Field> out;
  if (!is_list()) return out;
  out.reserve(node->size());
  for (size_t i = 0; i < node->size(); ++i) {
    Field f;
    f.node = &node->item(i);
    f.path = join_index(path, i);
    f.mark = value_mark(*f.node, mark);
    out.push_back(std::move(f));
  }
  return out;
}

std::string join_key(const std::string& path, std::string_view key) {
  if (!is_identifier(key)) return path + "[" + std::string(key) + "]";
  if (path.empty()) return std::string(key);
  return path + "." + std::string(key);
}

std::string join_index(const std::string& path, size_t index) {
  return path + "[" + std::to_string(index) + "]";
}

SourcePos position(const std::string& file, const Field& field) {
  return SourcePos{file, field.mark.line + 1, field.mark.column + 1};
}

void report_error(DiagnosticSink& sink, const Field& field, std::string message) {
  sink.error(field.mark.line + 1, field.mark.column + 1, field.path, std::move(message));
}

void report_note(DiagnosticSink& sink, const Field& field, std::string message) {
  sink.note(field.mark.line + 1, field.mark.column + 1, field.path, std::move(message));
}

std::string describe(const YamlNode* node) {
  if (!node || node->is_null()) return "null";
  if (node->is_map()) return "a mapping";
  if (node->is_sequence()) return "a list";
  return article_kind(kind_of(*node));
}

bool expect_map(DiagnosticSink& sink, const Field& field) {
  if (!field.present()) return false;
  if (field.node->is_map()) return true;
  report_error(sink, field, "must be a mapping, not " + describe(field.node));
  return false;
}

bool expect_list(DiagnosticSink& sink, const Field& field) {
  if (!field.present()) return false;
  if (field.node->is_sequence()) return true;
  report_error(sink, field, "must be a list, not " + describe(field.node));
  return false;
}

std::optional<std::string> read_string(DiagnosticSink& sink, const Field& field) {
  if (!field.present()) return std::nullopt;
  if (!field.node->is_scalar() || kind_of(*field.node) != ScalarKind::string) {
    std::string message = "must be a string, not " + describe(field.node);
    if (field.node->is_scalar()) {
      message += " (quote it: \"" + std::string(field.node->scalar()) + "\")";
    }
    report_error(sink, field, std::move(message));
    return std::nullopt;
  }
  return std::string(field.node->scalar());
}

std::optional<std::string> read_required_string(DiagnosticSink& sink, const Field& field) {
  if (!field.present()) {
    report_error(sink, field, "required");
    return std::nullopt;
  }
  auto value = read_string(sink, field);
  if (value && value->empty()) {
    report_error(sink, field, "required (must not be empty)");
    return std::nullopt;
  }
  return value;
}

std::optional<int64_t> read_int(DiagnosticSink& sink, const Field& field) {
  if (!field.present()) return std::nullopt;
  if (!field.node->is_scalar() || kind_of(*field.node) != ScalarKind::integer) {
    report_error(sink, field, "must be an integer, not " + describe(field.node));
    return std::nullopt;
  }
  auto value = parse_yaml_int(field.node->scalar());
  if (!value) {
    report_error(sink, field, "integer " + std::string(field.node->scalar()) + " is out of range");
  }
  return value;
}

std::optional<bool> read_bool(DiagnosticSink& sink, const Field& field) {
  if (!field.present()) return std::nullopt;
  if (!field.node->is_scalar() || kind_of(*field.node) != ScalarKind::boolean) {
    report_error(sink, field, "must be a boolean, not " + describe(field.node));
    return std::nullopt;
  }
  return parse_yaml_bool(field.node->scalar());
}

std::optional<IntOrString> read_int_or_string(DiagnosticSink& sink, const Field& field) {
  if (!field.present()) return std::nullopt;
  if (field.node->is_scalar()) {
    ScalarKind kind = kind_of(*field.node);
    if (kind == ScalarKind::integer) {
      auto value = read_int(sink, field);
      if (!value) return std::nullopt;
      return IntOrString{value, {}};
    }
    if (kind == ScalarKind::string) {
      return IntOrString{std::nullopt, std::string(field.node->scalar())};
    }
  }
  report_error(sink, field, "must be an integer or a string, not " + describe(field.node));
  return std::nullopt;
}

}  // namespace podwall
