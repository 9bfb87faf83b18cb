// podwall's classifier against DPDK's ACL library (rte_acl) on the same policies: the first P
// policies of the synthetic cluster (1,000 namespaces, 100,000 pods) expanded into N ACL rules
// (acl_expand.h), for N = 100, 1,000, 10,000, 50,000. For each: build time and memory of both,
// and classifications per second on the same 100,000 sampled IPv4 flows, one core.
//
//   build/tests/bench/acl_bench [N...]     (EAL runs with --no-huge -m 1024 --no-pci)

#include <rte_acl.h>
#include <rte_eal.h>
#include <rte_malloc.h>

#include <arpa/inet.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "control/compiler/compiler.h"
#include "tests/bench/acl_expand.h"
#include "tests/bench/synthetic/synthetic_cluster.h"

namespace {

using namespace podwall;
using Clock = std::chrono::steady_clock;

double since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// The ACL's input: the 5-tuple in network byte order, laid out for rte_acl's 4-byte groups.
struct AclKey {
  uint8_t proto;
  uint8_t pad[3];
  uint32_t src;
  uint32_t dst;
  uint16_t sport;
  uint16_t dport;
};

RTE_ACL_RULE_DEF(Rule5, 5);

const rte_acl_field_def kFields[5] = {
    {RTE_ACL_FIELD_TYPE_BITMASK, sizeof(uint8_t), 0, 0, offsetof(AclKey, proto)},
    {RTE_ACL_FIELD_TYPE_MASK, sizeof(uint32_t), 1, 1, offsetof(AclKey, src)},
    {RTE_ACL_FIELD_TYPE_MASK, sizeof(uint32_t), 2, 2, offsetof(AclKey, dst)},
    {RTE_ACL_FIELD_TYPE_RANGE, sizeof(uint16_t), 3, 3, offsetof(AclKey, sport)},
    {RTE_ACL_FIELD_TYPE_RANGE, sizeof(uint16_t), 4, 3, offsetof(AclKey, dport)},
};

size_t heap_bytes() {
  rte_malloc_socket_stats s{};
  rte_malloc_get_socket_stats(0, &s);
  return s.heap_allocsz_bytes;
}

// Both classifiers take flows in batches of this many (rte_acl_classify() and classify_burst()).
constexpr size_t kBatch = 64;

struct Row {
  size_t rules = 0, policies = 0;
  double acl_build_s = 0, acl_mib = 0, acl_mcps = 0;
  double pw_build_s = 0, pw_mib = 0, pw_mcps = 0;
  double pw_batch_mcps = 0;  // classify_burst() in batches of kBatch, as the ACL is fed
  bool acl_ok = true;
};

void run_acl(const std::vector<AclRule>& rules, const std::vector<AclKey>& keys, Row& row) {
  size_t before = heap_bytes();
  auto start = Clock::now();
  rte_acl_param param{};
  param.name = "podwall_bench";
  param.socket_id = 0;
  param.rule_size = RTE_ACL_RULE_SZ(5);
  param.max_rule_num = uint32_t(rules.size());
  rte_acl_ctx* ctx = rte_acl_create(&param);
  std::vector<Rule5> acl(rules.size());
  for (size_t i = 0; i < rules.size(); ++i) {
    const AclRule& r = rules[i];
    Rule5& a = acl[i];
    a.data.category_mask = 1;
    a.data.priority = 1;
    a.data.userdata = uint32_t(i + 1);
    a.field[0].value.u8 = r.proto;
    a.field[0].mask_range.u8 = r.proto ? 0xff : 0;
    a.field[1].value.u32 = r.src;
    a.field[1].mask_range.u32 = r.src_prefix;
    a.field[2].value.u32 = r.dst;
    a.field[2].mask_range.u32 = 32;
    a.field[3].value.u16 = 0;
    a.field[3].mask_range.u16 = 65535;
    a.field[4].value.u16 = r.port_lo;
    a.field[4].mask_range.u16 = r.port_hi;
  }
  rte_acl_config cfg{};
  cfg.num_categories = 1;
  cfg.num_fields = 5;
  std::copy(std::begin(kFields), std::end(kFields), cfg.defs);
  if (ctx == nullptr ||
      rte_acl_add_rules(ctx, reinterpret_cast<rte_acl_rule*>(acl.data()), uint32_t(acl.size())) ||
      rte_acl_build(ctx, &cfg) != 0) {
    row.acl_ok = false;
    rte_acl_free(ctx);
    return;
  }
  row.acl_build_s = since(start);
  row.acl_mib = double(heap_bytes() - before) / (1 << 20);

  std::vector<const uint8_t*> data(kBatch);
  std::vector<uint32_t> results(kBatch);
  uint64_t matched = 0, done = 0;
  start = Clock::now();
  for (int pass = 0; pass < 5; ++pass) {
    for (size_t i = 0; i + kBatch <= keys.size(); i += kBatch) {
      for (size_t j = 0; j < kBatch; ++j) data[j] = reinterpret_cast<const uint8_t*>(&keys[i + j]);
      rte_acl_classify(ctx, data.data(), results.data(), kBatch, 1);
      for (uint32_t r : results) matched += r != 0;
      done += kBatch;
    }
  }
  row.acl_mcps = double(done) / since(start) / 1e6;
  if (matched == 0) std::fprintf(stderr, "acl_bench: note: no flow matched an ACL rule\n");
  rte_acl_free(ctx);
}

void run_podwall(const Cluster& subset, const std::vector<FlowQuery>& flows, Row& row) {
  auto start = Clock::now();
  auto tables = compile_policy(subset);
  row.pw_build_s = since(start);
  row.pw_mib = double(tables->stats.bytes) / (1 << 20);
  uint64_t allowed = 0, done = 0;
  start = Clock::now();
  for (int pass = 0; pass < 5; ++pass) {
    for (const FlowQuery& f : flows) allowed += classify(*tables, f) == Verdict::allow;
    done += flows.size();
  }
  row.pw_mcps = double(done) / since(start) / 1e6;
  Verdict verdicts[kBatch];
  done = 0;
  start = Clock::now();
  for (int pass = 0; pass < 5; ++pass) {
    for (size_t i = 0; i + kBatch <= flows.size(); i += kBatch) {
      classify_burst(*tables, &flows[i], uint32_t(kBatch), verdicts);
      for (Verdict v : verdicts) allowed += v == Verdict::allow;
      done += kBatch;
    }
  }
  row.pw_batch_mcps = double(done) / since(start) / 1e6;
  if (allowed == done + 1) std::puts("");  // keep the loops from being optimised away
}

}  // namespace

int main(int argc, char** argv) {
  char a0[] = "acl_bench", a1[] = "--no-huge", a2[] = "-m", a3[] = "1024", a4[] = "--no-pci",
       a5[] = "--log-level", a6[] = "*:error", a7[] = "--no-telemetry";
  char* eal[] = {a0, a1, a2, a3, a4, a5, a6, a7};
  if (rte_eal_init(8, eal) < 0) {
    std::fprintf(stderr, "acl_bench: EAL init failed\n");
    return 1;
  }
  std::vector<size_t> counts = {100, 1000, 10000, 50000};
  if (argc > 1) {
    counts.clear();
    for (int i = 1; i < argc; ++i) counts.push_back(std::strtoull(argv[i], nullptr, 10));
  }
  SyntheticSpec spec;  // 1,000 namespaces, 100,000 pods, 10,000 policies
  Cluster cluster = make_synthetic_cluster(spec);
  // "pw Mcl/s" is classify() one flow at a time, "pw batch" classify_burst(); "cls x" compares
  // the batch figure with the ACL's, both fed the same batches.
  std::printf("%8s %8s | %10s %9s %10s | %10s %9s %10s %10s | %7s %7s\n", "rules", "policies",
              "ACL build", "ACL MiB", "ACL Mcl/s", "pw build", "pw MiB", "pw Mcl/s", "pw batch",
              "cls x", "build x");
  for (size_t n : counts) {
    Row row;
    std::vector<AclRule> rules = expand_ingress(cluster, n, row.policies);
    row.rules = rules.size();
    Cluster subset;
    subset.namespaces = cluster.namespaces;
    subset.pods = cluster.pods;
    subset.policies.assign(cluster.policies.begin(), cluster.policies.begin() + row.policies);
    // The same flows for both: sampled from the policies in force, IPv4 only (the ACL's).
    std::vector<FlowQuery> flows;
    std::vector<AclKey> keys;
    for (const FlowQuery& f : sample_flows(subset, 200000, 0.5, 7)) {
      if (!f.src.is_v4()) continue;
      flows.push_back(f);
      keys.push_back({f.ip_proto,
                      {},
                      htonl(f.src.v4_host_order()),
                      htonl(f.dst.v4_host_order()),
                      htons(40000),
                      htons(f.dst_port)});
      if (flows.size() == 100000) break;
    }
    run_acl(rules, keys, row);
    run_podwall(subset, flows, row);
    if (!row.acl_ok) {
      std::printf("%8zu %8zu | %32s | %10.3f %9.1f %10.2f %10.2f |\n", row.rules, row.policies,
                  "ACL build failed (memory?)", row.pw_build_s, row.pw_mib, row.pw_mcps,
                  row.pw_batch_mcps);
      continue;
    }
    std::printf("%8zu %8zu | %9.3fs %9.1f %10.2f | %9.3fs %9.1f %10.2f %10.2f | %7.1f %7.1f\n",
                row.rules, row.policies, row.acl_build_s, row.acl_mib, row.acl_mcps, row.pw_build_s,
                row.pw_mib, row.pw_mcps, row.pw_batch_mcps, row.pw_batch_mcps / row.acl_mcps,
                row.acl_build_s / row.pw_build_s);
    std::printf("CSV acl,%zu,%zu,%.4f,%.2f,%.3f,%.4f,%.2f,%.3f,%.3f\n", row.rules, row.policies,
                row.acl_build_s, row.acl_mib, row.acl_mcps, row.pw_build_s, row.pw_mib, row.pw_mcps,
                row.pw_batch_mcps);
  }
  std::fflush(stdout);
  rte_eal_cleanup();
  return 0;
}
