#pragma once
// One function per kind podwall reads. Each takes the object's mapping (a document root or a
// List item), reports every problem it finds through the sink and returns the object with
// defaults applied. When the sink has errors the object must not be used.

#include <string>

#include "control/loader/yaml_reader.h"
#include "control/model.h"

namespace podwall {

struct ObjectMeta {
  std::string name;
  std::string namespace_name;  // empty for cluster-scoped kinds
  Labels labels;
};

enum class NameRule { dns1123_label, dns1123_subdomain };

// metadata.name (required), metadata.namespace (namespaced kinds only; defaults to "default",
// as kubectl does without -n), metadata.labels.
ObjectMeta read_metadata(DiagnosticSink& sink, const Field& object, NameRule rule, bool namespaced);

Namespace parse_namespace(DiagnosticSink& sink, const Field& object);
Pod parse_pod(DiagnosticSink& sink, const Field& object);
NetworkPolicy parse_network_policy(DiagnosticSink& sink, const Field& object);

// Protocol names as the API server spells them (case-sensitive).
std::optional<Protocol> read_protocol(DiagnosticSink& sink, const Field& field);
// 1..65535, or an error naming the range.
std::optional<uint16_t> read_port_number(DiagnosticSink& sink, const Field& field);

}  // namespace podwall
