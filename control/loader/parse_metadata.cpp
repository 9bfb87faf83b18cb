#include "control/loader/parse_labels.h"
#include "control/loader/parse_objects.h"
#include "control/loader/validate_names.h"

namespace podwall {

ObjectMeta read_metadata(DiagnosticSink& sink, const Field& object, NameRule rule,
                         bool namespaced) {
  ObjectMeta meta;
  Field metadata = object.child("metadata");
  if (!metadata.present()) {
    report_error(sink, metadata, "required");
    return meta;
  }
  if (!expect_map(sink, metadata)) return meta;
  Field name_field = metadata.child("name");
  if (auto name = read_required_string(sink, name_field)) {
    auto problem = rule == NameRule::dns1123_label ? check_dns1123_label(*name)
                                                   : check_dns1123_subdomain(*name);
    if (problem) {
      report_error(sink, name_field, *problem);
    } else {
      meta.name = *name;
    }
  }
  if (namespaced) {
    meta.namespace_name = "default";
    Field ns_field = metadata.child("namespace");
    if (auto ns = read_string(sink, ns_field); ns && !ns->empty()) {
      if (auto problem = check_dns1123_label(*ns)) {
        report_error(sink, ns_field, *problem);
      } else {
        meta.namespace_name = *ns;
      }
    }
  }
  meta.labels = read_labels(sink, metadata.child("labels"));
  return meta;
}

std::optional<Protocol> read_protocol(DiagnosticSink& sink, const Field& field) {
  auto text = read_string(sink, field);
  if (!field.present()) return Protocol::tcp;
  if (!text) return std::nullopt;
  if (*text == "TCP") return Protocol::tcp;
  if (*text == "UDP") return Protocol::udp;
  if (*text == "SCTP") return Protocol::sctp;
  report_error(sink, field, "unsupported protocol \"" + *text + "\"; expected TCP, UDP or SCTP");
  return std::nullopt;
}

std::optional<uint16_t> read_port_number(DiagnosticSink& sink, const Field& field) {
  auto value = read_int(sink, field);
  if (!value) return std::nullopt;
  if (*value < 1 || *value > 65535) {
    report_error(sink, field, std::to_string(*value) + " is not a valid port: must be 1-65535");
    return std::nullopt;
  }
  return uint16_t(*value);
}

Namespace parse_namespace(DiagnosticSink& sink, const Field& object) {
  ObjectMeta meta = read_metadata(sink, object, NameRule::dns1123_label, false);
  Namespace ns;
  ns.name = meta.name;
  ns.labels = std::move(meta.labels);
  ns.pos = position(sink.file(), object);
  // The API server sets this label on every namespace and overwrites whatever a manifest says;
  // a manifest that disagrees would make podwall and the cluster select different namespaces.
  static const std::string auto_label = "kubernetes.io/metadata.name";
  auto it = ns.labels.find(auto_label);
  if (it != ns.labels.end() && it->second != ns.name && !ns.name.empty()) {
    Field label = object.child("metadata").child("labels").child(auto_label);
    report_error(sink, label,
                 "must equal the namespace name \"" + ns.name + "\" (the API server sets it)");
  }
  if (!ns.name.empty()) ns.labels[auto_label] = ns.name;
  return ns;
}

}  // namespace podwall
