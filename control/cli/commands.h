#pragma once
// podwallctl sub-commands. Each takes the arguments after its name and returns the exit code.

#include "control/cli/cli_common.h"

namespace podwall::cli {

int run_check(const Args& args);
int run_eval(const Args& args);
int run_explain(const Args& args);
int run_matrix(const Args& args);
int run_describe(const Args& args);
// Talk to the running daemon over its control socket.
int run_status(const Args& args);
int run_stats(const Args& args);
int run_reload(const Args& args);
int run_wait(const Args& args);
int run_flows(const Args& args);

}  // namespace podwall::cli
