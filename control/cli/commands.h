#pragma once
// podwallctl sub-commands. Each takes the arguments after its name and returns the exit code.

#include "control/cli/cli_common.h"

namespace podwall::cli {

int run_check(const Args& args);
int run_eval(const Args& args);
int run_matrix(const Args& args);
int run_describe(const Args& args);

}  // namespace podwall::cli
