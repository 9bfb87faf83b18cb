#pragma once
// podwall-gen's end-of-trial lines: a human table row and a RESULT line of key=value pairs
// that scripts (scripts/bench/run_all.sh) parse.

#include <string>

#include "dataplane/gen/engine.h"

namespace podwall::gen {

void print_result(const std::string& label, const char* kind, double offered_pps,
                  const TrialResult& r);

}  // namespace podwall::gen
