#include <set>

#include "control/loader/parse_objects.h"
#include "control/loader/validate_names.h"

namespace podwall {
namespace {

void read_container_ports(DiagnosticSink& sink, const Field& ports, Pod& pod,
                          std::set<std::string>& port_names) {
  if (!expect_list(sink, ports)) return;
  for (const Field& item : ports.items()) {
    if (!item.present()) {
      report_error(sink, item, "must be a mapping, not null");
      continue;
    }
    if (!expect_map(sink, item)) continue;
    ContainerPort port;
    Field number = item.child("containerPort");
    if (!number.present()) report_error(sink, number, "required");
    auto value = read_port_number(sink, number);
    auto protocol = read_protocol(sink, item.child("protocol"));
    Field name_field = item.child("name");
    auto name = read_string(sink, name_field);
    if (name && !name->empty()) {
      if (auto problem = check_iana_svc_name(*name)) {
        report_error(sink, name_field, *problem);
      } else if (!port_names.insert(*name).second) {
        // Named ports in policies resolve per pod, so a name must mean one port.
        report_error(sink, name_field, "duplicate port name \"" + *name + "\" in this pod");
      } else {
        port.name = *name;
      }
    }
    if (!value || !protocol) continue;
    port.port = *value;
    port.protocol = *protocol;
    pod.ports.push_back(std::move(port));
  }
}

void read_containers(DiagnosticSink& sink, const Field& spec, Pod& pod) {
  Field containers = spec.child("containers");
  if (!expect_list(sink, containers)) return;
  std::set<std::string> container_names;
  std::set<std::string> port_names;
  for (const Field& container : containers.items()) {
    if (!container.present()) {
      report_error(sink, container, "must be a mapping, not null");
      continue;
    }
    if (!expect_map(sink, container)) continue;
    // Hand-written scenarios often omit container names; the API server would insist, but a
    // missing name changes nothing podwall enforces. A given name must still be valid.
    Field name_field = container.child("name");
    auto name = read_string(sink, name_field);
    if (name && !name->empty()) {
      if (auto problem = check_dns1123_label(*name)) {
        report_error(sink, name_field, *problem);
      } else if (!container_names.insert(*name).second) {
        report_error(sink, name_field, "duplicate container name \"" + *name + "\"");
      }
    }
    read_container_ports(sink, container.child("ports"), pod, port_names);
  }
}

std::optional<IpAddress> read_address(DiagnosticSink& sink, const Field& field) {
  auto text = read_required_string(sink, field);
  if (!text) return std::nullopt;
  auto address = IpAddress::parse(*text);
  if (!address) report_error(sink, field, "\"" + *text + "\" is not a valid IPv4 or IPv6 address");
  return address;
}

void add_address(DiagnosticSink& sink, const Field& field, const IpAddress& address, Pod& pod) {
  for (const IpAddress& existing : pod.addresses) {
    if (existing == address) return;
    if (existing.family == address.family) {
      report_error(sink, field,
                   "a pod has at most one address per IP family; " + existing.to_string() +
                       " is already set");
      return;
    }
  }
  pod.addresses.push_back(address);
}

void read_status(DiagnosticSink& sink, const Field& object, Pod& pod) {
  Field status = object.child("status");
  if (!expect_map(sink, status)) return;
  Field pod_ip = status.child("podIP");
  std::optional<IpAddress> primary;
  if (pod_ip.present()) primary = read_address(sink, pod_ip);
  std::vector<std::pair<IpAddress, Field>> listed;
  Field pod_ips = status.child("podIPs");
  if (expect_list(sink, pod_ips)) {
    for (const Field& item : pod_ips.items()) {
      if (!item.present()) {
        report_error(sink, item, "must be a mapping with ip, not null");
        continue;
      }
      if (!expect_map(sink, item)) continue;
      Field ip = item.child("ip");
      if (auto address = read_address(sink, ip)) listed.emplace_back(*address, ip);
    }
  }
  if (primary) {
    bool among = listed.empty();
    for (const auto& entry : listed) among = among || entry.first == *primary;
    if (among) {
      add_address(sink, pod_ip, *primary, pod);
    } else {
      report_error(sink, pod_ip, "must be one of the addresses in status.podIPs");
    }
  }
  for (const auto& [address, field] : listed) add_address(sink, field, address, pod);
  // Addresses of finished pods are free for reuse, and a kubectl dump often holds a completed
  // pod next to the running one that now owns its address.
  Field phase_field = status.child("phase");
  auto phase = read_string(sink, phase_field);
  if (phase && (*phase == "Succeeded" || *phase == "Failed") && !pod.addresses.empty()) {
    report_note(sink, phase_field, "pod has finished (" + *phase + "); its addresses are ignored");
    pod.addresses.clear();
  }
}

}  // namespace

Pod parse_pod(DiagnosticSink& sink, const Field& object) {
  ObjectMeta meta = read_metadata(sink, object, NameRule::dns1123_subdomain, true);
  Pod pod;
  pod.namespace_name = meta.namespace_name;
  pod.name = meta.name;
  pod.labels = std::move(meta.labels);
  pod.pos = position(sink.file(), object);
  Field spec = object.child("spec");
  if (expect_map(sink, spec)) {
    read_containers(sink, spec, pod);
    Field host_network = spec.child("hostNetwork");
    auto on_host = read_bool(sink, host_network);
    read_status(sink, object, pod);
    // A host-network pod's address is its node's, shared with every other such pod on the node:
    // it cannot identify the pod, and NetworkPolicy does not apply to these pods.
    if (on_host.value_or(false) && !pod.addresses.empty()) {
      report_note(sink, host_network, "hostNetwork pod: its addresses are the node's and ignored");
      pod.addresses.clear();
    }
  } else {
    read_status(sink, object, pod);
  }
  return pod;
}

}  // namespace podwall
