#pragma once
// The firewall's answer for one packet, and the settings that shape it.

#include <cstdint>

#include "dataplane/packet/drop_reason.h"

namespace podwall {

// What a policy change does to flows it approved earlier.
enum class EstablishedMode : uint8_t {
  recheck,  // the next packet is judged again; a flow the new tables deny is cut (default)
  keep,     // flows live on under the generation that approved them
};

struct FirewallConfig {
  EstablishedMode established = EstablishedMode::recheck;
  bool pass_unknown_ethertypes = false;
};

enum class Action : uint8_t { drop = 0, pass = 1 };

struct Decision {
  Action action = Action::drop;
  DropReason reason = DropReason::none;  // none iff passed
  // policy_revoked only: the packet that found its flow revoked came from the flow's responder
  // (a reply), so the connection it belongs to runs the other way. The flow log names
  // connections as their initiator opened them.
  bool from_responder = false;

  bool passed() const { return action == Action::pass; }
  static Decision pass() { return {Action::pass, DropReason::none}; }
  static Decision drop(DropReason why) { return {Action::drop, why}; }
  static Decision revoked(bool from_initiator) {
    return {Action::drop, DropReason::policy_revoked, !from_initiator};
  }
};

}  // namespace podwall
