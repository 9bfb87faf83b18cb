#pragma once
// Typed, position-aware reading of parsed YAML nodes. Every read names the field it reads, so an
// error can say "file:line:column: spec.ingress[0].ports[1].port: ..." without the parsers
// having to carry paths and marks around by hand.
//
// Position convention: an error about a value points at the value node. When the value is
// missing or empty (null) it points at its key, and when the key is missing too, at the
// enclosing mapping. Errors about a key itself (bad label key, duplicate key) point at the key.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <yaml-cpp/mark.h>

#include "control/loader/diagnostic.h"
#include "control/loader/yaml_tree.h"

namespace podwall {

struct Field {
  const YamlNode* node = nullptr;  // null when the field is missing
  std::string path;                // empty for a document root
  YAML::Mark mark;                 // 0-based, as yaml-cpp gives it

  static Field root(const YamlNode& node, std::string path = {});

  bool present() const { return node && !node->is_null(); }
  bool is_map() const { return present() && node->is_map(); }
  bool is_list() const { return present() && node->is_sequence(); }

  // The value under `key` of a mapping (the first, if the key repeats); absent otherwise.
  Field child(std::string_view key) const;
  // Key and value of every entry of a mapping, in document order.
  std::vector<std::pair<Field, Field>> entries() const;
  // Every element of a sequence.
  std::vector<Field> items() const;
};

// "spec" + "ingress" -> "spec.ingress"; keys that are not identifiers read "labels[app/x]".
std::string join_key(const std::string& path, std::string_view key);
std::string join_index(const std::string& path, size_t index);

SourcePos position(const std::string& file, const Field& field);
void report_error(DiagnosticSink& sink, const Field& field, std::string message);
void report_note(DiagnosticSink& sink, const Field& field, std::string message);

// "a mapping", "a list", "a string", "an integer", ... for messages; a missing node is "null".
std::string describe(const YamlNode* node);

// Absent (missing or null) -> false, silently. Present but another shape -> error, false.
bool expect_map(DiagnosticSink& sink, const Field& field);
bool expect_list(DiagnosticSink& sink, const Field& field);

// Kubernetes fields are typed JSON, and kubectl rejects `app: 1` or `enabled: yes` where a
// string is expected: unquoted scalars that YAML resolves to a number, boolean or null are not
// strings. We do the same (YAML 1.1 resolution, as Kubernetes' YAML decoder uses: yes/no/on/off
// are booleans) rather than silently turning them into text. Null counts as absent.
std::optional<std::string> read_string(DiagnosticSink& sink, const Field& field);
// Like read_string, but absent or empty is an error "required".
std::optional<std::string> read_required_string(DiagnosticSink& sink, const Field& field);
// Integers must be unquoted: "80" is a string, as in Kubernetes.
std::optional<int64_t> read_int(DiagnosticSink& sink, const Field& field);
std::optional<bool> read_bool(DiagnosticSink& sink, const Field& field);

struct IntOrString {
  std::optional<int64_t> number;
  std::string text;  // when not a number
};
std::optional<IntOrString> read_int_or_string(DiagnosticSink& sink, const Field& field);

}  // namespace podwall
