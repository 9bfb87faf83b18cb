// Naming a port by the interface behind it: what `--vdev net_af_packet0,iface=...` said.

#include "dataplane/runtime/devargs.h"

#include <gtest/gtest.h>

namespace podwall {
namespace {

TEST(DevargsValue, FindsTheInterfaceWhereverItIs) {
  EXPECT_EQ(devargs_value("iface=pw1a2b3c00", "iface"), "pw1a2b3c00");
  EXPECT_EQ(devargs_value("iface=veth0,start_queue=0,queue_count=1", "iface"), "veth0");
  EXPECT_EQ(devargs_value("qpairs=1,iface=eth3", "iface"), "eth3");
}

TEST(DevargsValue, OnlyTheWholeKeyCounts) {
  // net_pcap's rx_iface is another interface's name, not this port's.
  EXPECT_EQ(devargs_value("rx_iface=eth1,tx_iface=eth2", "iface"), "");
  EXPECT_EQ(devargs_value("ifaces=x", "iface"), "");
}

TEST(DevargsValue, AbsentOrEmptyIsEmpty) {
  EXPECT_EQ(devargs_value("", "iface"), "");
  EXPECT_EQ(devargs_value("rx_pcap=/tmp/a.pcap,infinite_rx=1", "iface"), "");
  EXPECT_EQ(devargs_value("iface", "iface"), "");
  EXPECT_EQ(devargs_value("iface=,qpairs=1", "iface"), "");
  EXPECT_EQ(devargs_value(",,iface=tap0,", "iface"), "tap0");
}

TEST(DevargsValue, TheFirstOccurrenceWins) {
  EXPECT_EQ(devargs_value("iface=a,iface=b", "iface"), "a");
}

}  // namespace
}  // namespace podwall
