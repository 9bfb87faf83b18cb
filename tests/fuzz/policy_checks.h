#pragma once
// Checks the policy fuzz targets share: the flows worth asking a cluster about, and the
// agreement of classify(), classify_burst() and explain() on them. A failed check prints what
// failed and aborts, which libFuzzer reports as a crash with the input that caused it.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "control/compiler/policy_compiler.h"
#include "control/loader/diagnostic.h"
#include "control/model.h"
#include "dataplane/policy/classify.h"
#include "dataplane/policy/tables.h"

namespace podwall::fuzz {

[[noreturn]] void fail(const char* what, const std::string& detail);

// Every diagnostic names `path`, a line of `bytes` (or none) and a reason.
void check_diagnostics(const std::vector<Diagnostic>& diagnostics, const std::string& path,
                       std::string_view bytes);

// Every pair of a few pod and outside addresses of one family, on the ports the cluster's
// objects name (and their neighbours), over each protocol.
std::vector<FlowQuery> flows_for(const Cluster& cluster);

// classify_burst() and explain() give classify()'s verdict on every flow.
void check_consistent(const PolicyTables& tables, const std::vector<FlowQuery>& flows);

// Each flow's verdict and explanation, as one line.
std::vector<std::string> answers(const PolicyTables& tables, const std::vector<FlowQuery>& flows);

// `tables` (from PolicyCompiler::update(), `patched` saying whether it patched) answers every
// flow of `cluster` as a full compile of it does.
void check_same_as_full_compile(const PolicyTables& tables, bool patched, const Cluster& cluster);

}  // namespace podwall::fuzz
