// The flow log: what a user reads to learn why a connection was dropped, and the rate limit
// that keeps a flood of denied attempts from flooding the file.

#include "control/daemon/flow_log.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "control/ctl/json.h"
#include "tests/unit/loader/test_util.h"
#include "tests/unit/packet/shop_tables.h"

namespace podwall {
namespace {

const IpAddress kClient = test::kShopClient;
const IpAddress kWeb = test::kShopWeb;
const IpAddress kRogue = test::kShopRogue;

// shop/web takes TCP 80 from app=client only (policy shop/web-from-client).
std::unique_ptr<PolicyTables> shop_tables(uint64_t generation) {
  return test::shop_tables_allowing_client_on(80, generation);
}

FlowEvent event(const IpAddress& src, const IpAddress& dst, uint8_t proto, uint16_t dport,
                DropReason reason, uint64_t generation) {
  FlowEvent e;
  e.unix_ns = 1'795'813'628'123'456'789ull;  // 2026-11-27T21:07:08.123Z
  e.generation = generation;
  e.src = src;
  e.dst = dst;
  e.sport = 41234;
  e.dport = dport;
  e.ip_proto = proto;
  e.reason = reason;
  e.in_port = 2;
  e.worker = 0;
  return e;
}

JsonValue parsed(const std::string& line) {
  auto value = parse_json(line);
  EXPECT_TRUE(value) << line;
  return value ? *value : JsonValue{};
}

TEST(FlowLogLine, ADeniedConnectionNamesPodsAndThePolicyThatIsolates) {
  auto tables = shop_tables(3);
  const std::string line =
      format_flow_event(event(kRogue, kWeb, 6, 80, DropReason::policy_denied, 3), tables.get(),
                        {"net_af_packet2", "pw1a2b3c02"});
  const JsonValue j = parsed(line);
  EXPECT_EQ(j.string_at("time"), "2026-11-27T21:07:08.123Z");
  EXPECT_EQ(j.string_at("event"), "denied");
  EXPECT_EQ(j.string_at("proto"), "tcp");
  EXPECT_EQ(j.string_at("src"), "198.18.2.30");
  EXPECT_EQ(j.number_at("sport"), 41234);
  EXPECT_EQ(j.string_at("dst"), "198.18.2.20");
  EXPECT_EQ(j.number_at("dport"), 80);
  EXPECT_EQ(j.string_at("src_pod"), "shop/rogue");
  EXPECT_EQ(j.string_at("dst_pod"), "shop/web");
  EXPECT_EQ(j.string_at("port"), "net_af_packet2");
  EXPECT_EQ(j.string_at("iface"), "pw1a2b3c02");
  EXPECT_EQ(j.number_at("generation"), 3);
  EXPECT_EQ(j.get("explained_with"), nullptr);
  EXPECT_EQ(j.string_at("explanation"),
            "egress: shop/rogue not isolated; ingress: shop/web isolated by "
            "[shop/web-from-client], no rule allows it");
}

TEST(FlowLogLine, ExplainedWithLaterTablesSaysWhich) {
  auto tables = shop_tables(5);
  const JsonValue j = parsed(format_flow_event(
      event(kClient, kWeb, 6, 80, DropReason::policy_revoked, 4), tables.get(), {"p", ""}));
  EXPECT_EQ(j.string_at("event"), "revoked");
  EXPECT_EQ(j.number_at("generation"), 4);
  EXPECT_EQ(j.number_at("explained_with"), 5);
  // Generation 5 allows it again: the line says so rather than inventing a reason.
  EXPECT_NE(j.string_at("explanation")->find("allowed by shop/web-from-client ingress rule 0"),
            std::string::npos);
}

TEST(FlowLogLine, AnAllowedConnectionNamesTheRuleThatAllowedIt) {
  auto tables = shop_tables(2);
  const JsonValue j = parsed(format_flow_event(event(kClient, kWeb, 6, 80, DropReason::none, 2),
                                               tables.get(), {"net_af_packet0", ""}));
  EXPECT_EQ(j.string_at("event"), "allowed");
  EXPECT_EQ(j.string_at("src_pod"), "shop/client");
  EXPECT_EQ(j.get("iface"), nullptr);  // a port with no kernel interface behind it
  EXPECT_EQ(j.string_at("explanation"),
            "egress: shop/client not isolated; ingress: shop/web isolated by "
            "[shop/web-from-client], allowed by shop/web-from-client ingress rule 0");
}

TEST(FlowLogLine, ProtocolsWithoutPortsHaveNone) {
  auto tables = shop_tables(1);
  FlowEvent ping = event(kRogue, kWeb, 1, 0, DropReason::policy_denied, 1);
  ping.icmp_type = 8;  // echo request
  const JsonValue j = parsed(format_flow_event(ping, tables.get(), {"p", ""}));
  EXPECT_EQ(j.string_at("proto"), "icmp");
  EXPECT_EQ(j.get("sport"), nullptr);
  EXPECT_EQ(j.get("dport"), nullptr);
  // What kind of ICMP message met the verdict: a ping, not some other message.
  EXPECT_EQ(j.number_at("icmp_type"), 8);
  EXPECT_EQ(j.number_at("icmp_code"), 0);
  FlowEvent unreachable = event(kRogue, kWeb, 58, 0, DropReason::policy_denied, 1);
  unreachable.icmp_type = 1;
  unreachable.icmp_code = 4;
  const JsonValue v6 = parsed(format_flow_event(unreachable, tables.get(), {"p", ""}));
  EXPECT_EQ(v6.string_at("proto"), "icmpv6");
  EXPECT_EQ(v6.number_at("icmp_type"), 1);
  EXPECT_EQ(v6.number_at("icmp_code"), 4);
  EXPECT_EQ(parsed(format_flow_event(event(kRogue, kWeb, 6, 80, DropReason::policy_denied, 1),
                                     tables.get(), {"p", ""}))
                .get("icmp_type"),
            nullptr);
  const IpAddress outside = *IpAddress::parse("198.19.0.1");
  EXPECT_EQ(parsed(format_flow_event(event(outside, kWeb, 6, 80, DropReason::policy_denied, 1),
                                     tables.get(), {"p", ""}))
                .string_at("src_pod"),
            "external");
}

std::vector<std::string> lines_of(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST(FlowLog, AFloodIsCutToTheRateAndTheRestCounted) {
  test::TempDir dir;
  std::string error;
  auto log = FlowLog::open(dir.file("flows.jsonl"), 2, error);
  ASSERT_TRUE(log) << error;
  auto tables = shop_tables(1);
  std::vector<FlowEvent> flood(5, event(kRogue, kWeb, 6, 80, DropReason::policy_denied, 1));
  auto names = [](uint16_t port) { return PortLabel{"port" + std::to_string(port), ""}; };
  const auto t0 = FlowLog::Clock::now();
  log->write(flood, tables.get(), names, t0);
  EXPECT_EQ(lines_of(dir.file("flows.jsonl")).size(), 2u);
  // Within the same second: nothing more, and no report yet.
  log->write(flood, tables.get(), names, t0 + std::chrono::milliseconds(500));
  EXPECT_EQ(lines_of(dir.file("flows.jsonl")).size(), 2u);
  // The second is over: the 8 left out are reported, and a new budget starts.
  log->write({flood[0]}, tables.get(), names, t0 + std::chrono::milliseconds(1100));
  const auto lines = lines_of(dir.file("flows.jsonl"));
  ASSERT_EQ(lines.size(), 4u);
  const JsonValue report = parsed(lines[2]);
  EXPECT_EQ(report.string_at("event"), "suppressed");
  EXPECT_EQ(report.number_at("count"), 8);
  EXPECT_EQ(report.number_at("limit_per_second"), 2);
  EXPECT_EQ(parsed(lines[3]).string_at("port"), "port2");
  EXPECT_EQ(log->lines(), 3u);
  EXPECT_EQ(log->suppressed(), 8u);
}

TEST(FlowLog, ClosingReportsTheLastSecondsSuppressedEvents) {
  test::TempDir dir;
  std::string error;
  auto log = FlowLog::open(dir.file("flows.jsonl"), 1, error);
  ASSERT_TRUE(log) << error;
  std::vector<FlowEvent> two(2, event(kRogue, kWeb, 6, 80, DropReason::policy_denied, 1));
  const auto t0 = FlowLog::Clock::now();
  log->write(
      two, nullptr,
      [](uint16_t) {
        return PortLabel{"p", ""};
      },
      t0);
  log->settle(t0, true);
  const auto lines = lines_of(dir.file("flows.jsonl"));
  ASSERT_EQ(lines.size(), 2u);
  // Without tables (none published yet) the line still says what was dropped.
  EXPECT_EQ(parsed(lines[0]).get("explanation"), nullptr);
  EXPECT_EQ(parsed(lines[0]).string_at("dst"), "198.18.2.20");
  EXPECT_EQ(parsed(lines[1]).number_at("count"), 1);
}

// A worker whose queue is full drops the event rather than wait (flow_events_lost): the log
// must say that it has a gap, and how large.
TEST(FlowLog, EventsTheWorkersCouldNotQueueAreReportedAsLost) {
  test::TempDir dir;
  std::string error;
  auto log = FlowLog::open(dir.file("flows.jsonl"), 100, error);
  ASSERT_TRUE(log) << error;
  const std::vector<FlowEvent> one = {event(kRogue, kWeb, 6, 80, DropReason::policy_denied, 1)};
  auto names = [](uint16_t) { return PortLabel{"p", ""}; };
  const auto t0 = FlowLog::Clock::now();
  log->note_lost(0);
  log->write(one, nullptr, names, t0);
  log->note_lost(5);
  log->note_lost(2);
  log->write(one, nullptr, names, t0 + std::chrono::milliseconds(10));
  EXPECT_EQ(lines_of(dir.file("flows.jsonl")).size(), 2u);  // not before the second is over
  log->settle(t0 + std::chrono::milliseconds(1100));
  auto lines = lines_of(dir.file("flows.jsonl"));
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(parsed(lines[2]).string_at("event"), "lost");
  EXPECT_EQ(parsed(lines[2]).number_at("count"), 7);
  // Nothing new lost: no line. Lost again, then closing: reported on the way out.
  log->settle(t0 + std::chrono::milliseconds(2200));
  log->note_lost(3);
  log->settle(t0 + std::chrono::milliseconds(2300), true);
  lines = lines_of(dir.file("flows.jsonl"));
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(parsed(lines[3]).string_at("event"), "lost");
  EXPECT_EQ(parsed(lines[3]).number_at("count"), 3);
  EXPECT_EQ(log->lost(), 10u);
  EXPECT_EQ(log->lines(), 2u);
  EXPECT_EQ(log->suppressed(), 0u);
}

// logrotate renames the file (or removes it) and expects the daemon to start a new one.
TEST(FlowLog, ARotatedFileIsFollowedByANewOneAtThePath) {
  test::TempDir dir;
  std::string error;
  const std::string path = dir.file("flows.jsonl");
  auto log = FlowLog::open(path, 100, error);
  ASSERT_TRUE(log) << error;
  const std::vector<FlowEvent> one = {event(kRogue, kWeb, 6, 80, DropReason::policy_denied, 1)};
  auto names = [](uint16_t) { return PortLabel{"p", ""}; };
  const auto t0 = FlowLog::Clock::now();
  log->write(one, nullptr, names, t0);
  std::filesystem::rename(path, dir.file("flows.jsonl.1"));
  // Within the second the old file still takes the lines; once it is over, the new one does.
  log->write(one, nullptr, names, t0 + std::chrono::milliseconds(10));
  log->write(one, nullptr, names, t0 + std::chrono::milliseconds(1100));
  EXPECT_EQ(lines_of(dir.file("flows.jsonl.1")).size(), 2u);
  EXPECT_EQ(lines_of(path).size(), 1u);
  std::filesystem::remove(path);
  log->write(one, nullptr, names, t0 + std::chrono::milliseconds(2200));
  EXPECT_EQ(lines_of(path).size(), 1u);
}

TEST(FlowLog, AnUnwritablePathIsAnErrorNamingIt) {
  std::string error;
  EXPECT_FALSE(FlowLog::open("/nonexistent-podwall-dir/flows.jsonl", 10, error));
  EXPECT_EQ(error, "flow log /nonexistent-podwall-dir/flows.jsonl: No such file or directory");
}

}  // namespace
}  // namespace podwall
