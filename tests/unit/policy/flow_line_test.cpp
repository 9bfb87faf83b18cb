// `podwallctl eval`'s flow lines (DESIGN.md, "Interfaces that others rely on"): what is read,
// what is refused and why, and that a printed flow reads back as itself.

#include "control/cli/flow_line.h"

#include <gtest/gtest.h>

namespace podwall::cli {
namespace {

FlowQuery flow(const char* src, const char* dst, uint8_t proto, uint16_t port) {
  return FlowQuery{*IpAddress::parse(src), *IpAddress::parse(dst), proto, port};
}

TEST(FlowLine, ReadsTheFourFields) {
  FlowLineResult r = parse_flow_line("  198.18.0.1\t198.18.0.2 udp 53 ");
  ASSERT_TRUE(r.flow) << r.error;
  EXPECT_EQ(r.flow->src, *IpAddress::parse("198.18.0.1"));
  EXPECT_EQ(r.flow->dst, *IpAddress::parse("198.18.0.2"));
  EXPECT_EQ(r.flow->ip_proto, 17);
  EXPECT_EQ(r.flow->dst_port, 53);
}

TEST(FlowLine, IcmpIsTheIcmpOfTheAddressFamily) {
  EXPECT_EQ(parse_flow_line("198.18.0.1 198.18.0.2 icmp 0").flow->ip_proto, 1);
  EXPECT_EQ(parse_flow_line("2001:db8::1 2001:db8::2 icmp 0").flow->ip_proto, 58);
}

TEST(FlowLine, BlankLinesAndCommentsAreNeitherFlowsNorErrors) {
  for (const char* line : {"", "   ", "# a comment", "#198.18.0.1 198.18.0.2 tcp 80"}) {
    FlowLineResult r = parse_flow_line(line);
    EXPECT_FALSE(r.flow) << line;
    EXPECT_EQ(r.error, "") << line;
  }
}

TEST(FlowLine, BadLinesSayWhichFieldIsWrong) {
  struct Case {
    const char* line;
    const char* error;
  };
  for (const Case& c : {
           Case{"198.18.0.1 198.18.0.2 tcp", "expected 4 fields"},
           Case{"198.18.0.1 198.18.0.2 tcp 80 extra", "expected 4 fields"},
           Case{"198.18.0.300 198.18.0.2 tcp 80", "SRC_IP: '198.18.0.300'"},
           Case{"198.18.0.1 web tcp 80", "DST_IP: 'web'"},
           Case{"198.18.0.1 2001:db8::2 tcp 80", "different address families"},
           Case{"198.18.0.1 198.18.0.2 gre 80", "PROTO: 'gre'"},
           Case{"198.18.0.1 198.18.0.2 tcp 0", "DPORT: '0'"},
           Case{"198.18.0.1 198.18.0.2 tcp 65536", "DPORT: '65536'"},
           Case{"198.18.0.1 198.18.0.2 tcp -1", "DPORT: '-1'"},
           Case{"198.18.0.1 198.18.0.2 tcp 0x50", "DPORT: '0x50'"},
       }) {
    FlowLineResult r = parse_flow_line(c.line);
    EXPECT_FALSE(r.flow) << c.line;
    EXPECT_NE(r.error.find(c.error), std::string::npos) << c.line << " -> " << r.error;
  }
}

TEST(FlowLine, PodReferencesGoThroughTheResolver) {
  PodResolver resolve = [](const std::string& ref) -> std::optional<IpAddress> {
    if (ref == "shop/web") return IpAddress::parse("198.18.3.20");
    return std::nullopt;
  };
  FlowLineResult r = parse_flow_line("198.18.3.10 shop/web tcp 80", resolve);
  ASSERT_TRUE(r.flow) << r.error;
  EXPECT_EQ(r.flow->dst, *IpAddress::parse("198.18.3.20"));
  EXPECT_NE(parse_flow_line("198.18.3.10 shop/db tcp 80", resolve).error.find("DST_IP"),
            std::string::npos);
  // Without a resolver a pod reference is just not an address.
  EXPECT_FALSE(parse_flow_line("198.18.3.10 shop/web tcp 80").flow);
}

TEST(FlowLine, PrintedFlowsReadBackAsThemselves) {
  for (const FlowQuery& f :
       {flow("198.18.0.1", "198.18.0.2", 6, 80), flow("198.18.0.1", "198.18.0.2", 132, 65535),
        flow("2001:db8::1", "2001:db8::2", 17, 53), flow("198.18.0.1", "198.18.0.2", 1, 0),
        flow("2001:db8::1", "2001:db8::2", 58, 0)}) {
    std::optional<std::string> line = format_flow_line(f);
    ASSERT_TRUE(line);
    FlowLineResult r = parse_flow_line(*line);
    ASSERT_TRUE(r.flow) << *line << ": " << r.error;
    EXPECT_EQ(r.flow->src, f.src);
    EXPECT_EQ(r.flow->dst, f.dst);
    EXPECT_EQ(r.flow->ip_proto, f.ip_proto);
    EXPECT_EQ(r.flow->dst_port, f.dst_port);
  }
  EXPECT_EQ(*format_flow_line(flow("198.18.0.1", "198.18.0.2", 6, 80)),
            "198.18.0.1 198.18.0.2 tcp 80");
}

TEST(FlowLine, FlowsTheFormatCannotSayAreNotPrinted) {
  EXPECT_FALSE(format_flow_line(flow("198.18.0.1", "198.18.0.2", 47, 0)));   // GRE
  EXPECT_FALSE(format_flow_line(flow("198.18.0.1", "198.18.0.2", 58, 0)));   // ICMPv6 on v4
  EXPECT_FALSE(format_flow_line(flow("2001:db8::1", "2001:db8::2", 1, 0)));  // ICMPv4 on v6
  EXPECT_FALSE(format_flow_line(flow("198.18.0.1", "198.18.0.2", 6, 0)));    // port 0
  EXPECT_FALSE(format_flow_line(flow("198.18.0.1", "2001:db8::2", 6, 80)));  // mixed families
}

}  // namespace
}  // namespace podwall::cli
