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

static_assert(kDropReasonCount <= 128, "Decision keeps a reason in 7 bits");

struct Decision {
  Action action : 1 = Action::drop;
  // pass only: this packet opened a new flow (the policy allowed a new connection). The flow
  // log's "allowed" events come from these.
  bool opened : 1 = false;
  DropReason reason : 7 = DropReason::none;  // none iff passed
  // policy_revoked only: the packet that found its flow revoked came from the flow's responder
  // (a reply), so the connection it belongs to runs the other way. The flow log names
  // connections as their initiator opened them. Bits, not bytes: the worker keeps a Decision per
  // frame of a burst, and a third byte cost new flows ~5 % (new_flows_bench).
  bool from_responder : 1 = false;

  bool passed() const { return action == Action::pass; }
  static Decision pass() {
    Decision d;
    d.action = Action::pass;
    return d;
  }
  static Decision opened_flow() {
    Decision d = pass();
    d.opened = true;
    return d;
  }
  static Decision drop(DropReason why) {
    Decision d;
    d.reason = why;
    return d;
  }
  static Decision revoked(bool from_initiator) {
    Decision d = drop(DropReason::policy_revoked);
    d.from_responder = !from_initiator;
    return d;
  }
};
static_assert(sizeof(Decision) == 2);

}  // namespace podwall
