#pragma once
// Human-readable text for selectors, peers, ports and rules, in kubectl's vocabulary.

#include <string>

#include "control/model.h"

namespace podwall::cli {

std::string render_selector(const LabelSelector& selector);  // "app=web,tier in (a,b)" / "<all>"
std::string render_peer(const PolicyPeer& peer, const std::string& policy_namespace);
std::string render_ports(const std::vector<PolicyPort>& ports);
std::string render_rule(const PolicyRule& rule, const std::string& policy_namespace, bool ingress);

}  // namespace podwall::cli
