#pragma once
// The parts of a NetworkPolicy rule: peers (from/to) and ports.

#include "control/loader/yaml_reader.h"
#include "control/model.h"

namespace podwall {

// One ingress or egress rule; `peers_key` is "from" or "to".
PolicyRule read_policy_rule(DiagnosticSink& sink, const Field& rule, const char* peers_key);

}  // namespace podwall
