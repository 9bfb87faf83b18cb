// decide() as the workers call it: the real compiler's tables and the real classify().

#include <gtest/gtest.h>

#include "dataplane/conntrack/firewall.h"
#include "dataplane/policy/tables.h"
#include "tests/unit/packet/firewall_fixture.h"
#include "tests/unit/packet/shop_tables.h"

namespace podwall {
namespace {

using namespace tcp_flag;
using test::Bytes;
using test::FrameBuilder;
using test::tcp4;

const IpAddress kClient = test::kShopClient;
const IpAddress kWeb = test::kShopWeb;
const IpAddress kRogue = test::kShopRogue;

// web accepts TCP `port` from app=client only.
std::unique_ptr<PolicyTables> tables_allowing_client_on(uint16_t port, uint64_t generation) {
  return test::shop_tables_allowing_client_on(port, generation);
}

class RealPolicy : public ::testing::Test {
 protected:
  Decision send(const Bytes& frame) {
    ParsedPacket scratch;
    const PolicyTables* t = live.get();
    return decide_frame(frame.data(), uint32_t(frame.size()), scratch, t, t ? t->generation : 0,
                        flows, fragments, now, config, counters);
  }

  std::unique_ptr<PolicyTables> live = tables_allowing_client_on(80, 1);
  FlowTable flows{256};
  FragmentTracker fragments{64};
  WorkerCounters counters;
  FirewallConfig config;
  uint64_t now = 5 * kNsPerSecond;
};

TEST_F(RealPolicy, ClientReachesWebRogueDoesNot) {
  Decision opening = send(tcp4(kClient, kWeb, 40000, 80, syn));
  EXPECT_TRUE(opening.passed());
  EXPECT_TRUE(opening.opened);  // the flow log's "allowed" events come from this bit
  Decision reply = send(tcp4(kWeb, kClient, 80, 40000, syn | ack));
  EXPECT_TRUE(reply.passed());
  EXPECT_FALSE(reply.opened);
  EXPECT_EQ(send(tcp4(kRogue, kWeb, 40000, 80, syn)).reason, DropReason::policy_denied);
  EXPECT_EQ(send(tcp4(kClient, kWeb, 40001, 8080, syn)).reason, DropReason::policy_denied);
  // web is not isolated for egress and client not for ingress: web may open to client.
  EXPECT_TRUE(send(tcp4(kWeb, kClient, 50000, 9000, syn)).passed());
  EXPECT_EQ(counters.flows_allowed, 2u);
  EXPECT_EQ(counters.flows_denied, 2u);
}

TEST_F(RealPolicy, PolicyChangeCutsEstablishedFlowsUnderRecheck) {
  ASSERT_TRUE(send(tcp4(kClient, kWeb, 40000, 80, syn)).passed());
  ASSERT_TRUE(send(tcp4(kWeb, kClient, 80, 40000, syn | ack)).passed());
  live = tables_allowing_client_on(8080, 2);
  Decision cut = send(tcp4(kClient, kWeb, 40000, 80, ack));
  EXPECT_EQ(cut.reason, DropReason::policy_revoked);
  EXPECT_FALSE(cut.from_responder);
  EXPECT_TRUE(send(tcp4(kClient, kWeb, 40001, 8080, syn)).passed());
}

// The flow log names a cut connection as its initiator opened it, so the drop says which end
// sent the packet that found the flow revoked.
TEST_F(RealPolicy, ARevokedFlowSaysWhenTheReplyFoundIt) {
  ASSERT_TRUE(send(tcp4(kClient, kWeb, 40000, 80, syn)).passed());
  ASSERT_TRUE(send(tcp4(kWeb, kClient, 80, 40000, syn | ack)).passed());
  live = tables_allowing_client_on(8080, 2);
  Decision cut = send(tcp4(kWeb, kClient, 80, 40000, ack));
  EXPECT_EQ(cut.reason, DropReason::policy_revoked);
  EXPECT_TRUE(cut.from_responder);
  // A denial is never "from the responder": the packet opens the connection.
  Decision denied = send(tcp4(kRogue, kWeb, 40005, 80, syn));
  EXPECT_EQ(denied.reason, DropReason::policy_denied);
  EXPECT_FALSE(denied.from_responder);
}

TEST_F(RealPolicy, PolicyChangeKeepsEstablishedFlowsUnderKeep) {
  config.established = EstablishedMode::keep;
  ASSERT_TRUE(send(tcp4(kClient, kWeb, 40000, 80, syn)).passed());
  live = tables_allowing_client_on(8080, 2);
  EXPECT_TRUE(send(tcp4(kWeb, kClient, 80, 40000, syn | ack)).passed());
  EXPECT_EQ(send(tcp4(kClient, kWeb, 40002, 80, syn)).reason, DropReason::policy_denied);
}

TEST_F(RealPolicy, FailClosedWithoutTables) {
  live.reset();
  EXPECT_EQ(send(tcp4(kClient, kWeb, 40000, 80, syn)).reason, DropReason::tables_not_ready);
}

}  // namespace
}  // namespace podwall
