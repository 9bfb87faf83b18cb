#include "control/loader/parse_policy_rule.h"

#include "control/loader/parse_labels.h"
#include "control/loader/parse_objects.h"
#include "control/loader/validate_names.h"

namespace podwall {
namespace {

std::optional<Cidr> read_cidr(DiagnosticSink& sink, const Field& field) {
  auto text = read_required_string(sink, field);
  if (!text) return std::nullopt;
  auto cidr = Cidr::parse(*text);
  if (!cidr) {
    report_error(sink, field,
                 "\"" + *text + "\" is not a valid CIDR (like 10.0.0.0/8 or fd00::/8)");
    return std::nullopt;
  }
  if (cidr->to_string() != *text && !Cidr::parse(*text, false)) {
    // The API server accepts and masks host bits; say what the rule will really match.
    report_note(sink, field, "host bits are set; this means " + cidr->to_string());
  }
  return cidr;
}

std::optional<IpBlock> read_ip_block(DiagnosticSink& sink, const Field& field) {
  if (!expect_map(sink, field)) return std::nullopt;
  IpBlock block;
  auto cidr = read_cidr(sink, field.child("cidr"));
  bool ok = cidr.has_value();
  if (cidr) block.cidr = *cidr;
  Field except = field.child("except");
  if (expect_list(sink, except)) {
    for (const Field& item : except.items()) {
      auto inner = read_cidr(sink, item);
      if (!inner) {
        ok = false;
        continue;
      }
      if (!cidr) continue;
      if (!(inner->base.family == cidr->base.family && inner->prefix_len > cidr->prefix_len &&
            cidr->contains(*inner))) {
        report_error(sink, item,
                     inner->to_string() + " is not strictly inside cidr " + cidr->to_string());
        ok = false;
        continue;
      }
      block.except.push_back(*inner);
    }
  }
  if (!ok) return std::nullopt;
  return block;
}

std::optional<PolicyPeer> read_peer(DiagnosticSink& sink, const Field& field) {
  if (!field.present()) {
    report_error(sink, field,
                 "an empty peer selects nothing; specify podSelector, namespaceSelector or "
                 "ipBlock");
    return std::nullopt;
  }
  if (!expect_map(sink, field)) return std::nullopt;
  PolicyPeer peer;
  peer.pos = position(sink.file(), field);
  Field pods = field.child("podSelector");
  Field namespaces = field.child("namespaceSelector");
  Field block = field.child("ipBlock");
  peer.pod_selector = read_label_selector(sink, pods);
  peer.namespace_selector = read_label_selector(sink, namespaces);
  if (block.present()) peer.ip_block = read_ip_block(sink, block);
  if (block.present() && (pods.present() || namespaces.present())) {
    report_error(sink, block,
                 "ipBlock cannot be combined with podSelector or namespaceSelector in one peer; "
                 "use separate entries");
    return std::nullopt;
  }
  if (!pods.present() && !namespaces.present() && !block.present()) {
    report_error(sink, field, "must specify podSelector, namespaceSelector or ipBlock");
    return std::nullopt;
  }
  return peer;
}

std::optional<PolicyPort> read_policy_port(DiagnosticSink& sink, const Field& field) {
  PolicyPort out;
  if (!field.present()) return out;  // as in Kubernetes: every TCP port
  if (!expect_map(sink, field)) return std::nullopt;
  bool ok = true;
  auto protocol = read_protocol(sink, field.child("protocol"));
  if (protocol) {
    out.protocol = *protocol;
  } else {
    ok = false;
  }
  Field port_field = field.child("port");
  auto port = read_int_or_string(sink, port_field);
  if (port_field.present() && !port) ok = false;
  if (port && port->number) {
    auto number = read_port_number(sink, port_field);
    if (number) {
      out.port = *number;
    } else {
      ok = false;
    }
  } else if (port) {
    if (auto problem = check_iana_svc_name(port->text)) {
      report_error(sink, port_field, *problem);
      ok = false;
    } else {
      out.named_port = port->text;
    }
  }
  Field end_field = field.child("endPort");
  if (end_field.present()) {
    auto end = read_port_number(sink, end_field);
    if (!end) {
      ok = false;
    } else if (!port_field.present()) {
      report_error(sink, end_field, "endPort requires a numeric port");
      ok = false;
    } else if (port && !port->number) {
      report_error(sink, end_field, "endPort cannot be used with a named port");
      ok = false;
    } else if (out.port && *end < *out.port) {
      report_error(
          sink, end_field,
          "endPort " + std::to_string(*end) + " must be >= port " + std::to_string(*out.port));
      ok = false;
    } else {
      out.end_port = *end;
    }
  }
  if (!ok) return std::nullopt;
  return out;
}

}  // namespace

PolicyRule read_policy_rule(DiagnosticSink& sink, const Field& rule, const char* peers_key) {
  PolicyRule out;
  out.pos = position(sink.file(), rule);
  if (!rule.present()) return out;  // a null rule is {}: it allows everything, as in Kubernetes
  if (!expect_map(sink, rule)) return out;
  Field peers = rule.child(peers_key);
  if (expect_list(sink, peers)) {
    for (const Field& item : peers.items()) {
      if (auto peer = read_peer(sink, item)) out.peers.push_back(std::move(*peer));
    }
  }
  Field ports = rule.child("ports");
  if (expect_list(sink, ports)) {
    for (const Field& item : ports.items()) {
      if (auto port = read_policy_port(sink, item)) out.ports.push_back(std::move(*port));
    }
  }
  return out;
}

}  // namespace podwall
