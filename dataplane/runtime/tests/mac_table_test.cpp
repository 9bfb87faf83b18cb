// The learning bridge's table, driven by a fake clock.
#include "dataplane/runtime/mac_table.h"

#include <gtest/gtest.h>

namespace podwall {
namespace {

constexpr uint64_t kAgeing = 1000;

uint64_t mac(uint8_t last, uint8_t first = 0x02) {
  const uint8_t bytes[6] = {first, 0, 0, 0, 0, last};
  return mac_key(bytes);
}

TEST(MacTable, LearnsAndLooksUp) {
  MacTable t(64, kAgeing);
  EXPECT_EQ(t.lookup(mac(1), 10), kNoPort);
  t.learn(mac(1), 3, 10);
  EXPECT_EQ(t.lookup(mac(1), 11), 3);
  EXPECT_EQ(t.lookup(mac(2), 11), kNoPort);
  EXPECT_EQ(t.count(11), 1u);
}

TEST(MacTable, KeepsTheWholeAddressAndPortApart) {
  MacTable t(64, kAgeing);
  const uint8_t all_ones[6] = {0xfe, 0xff, 0xff, 0xff, 0xff, 0xff};  // unicast, every bit else
  t.learn(mac_key(all_ones), 1023, 10);
  t.learn(mac(1), 0, 10);
  EXPECT_EQ(t.lookup(mac_key(all_ones), 11), 1023);
  EXPECT_EQ(t.lookup(mac(1), 11), 0);
  EXPECT_EQ(t.lookup(mac_key(all_ones) & ~1ull, 11), kNoPort);
}

// An entry has room for a 15-bit port. A larger port must not be learnt as the port that shares
// its low bits: frames for the station would leave by the wrong port.
TEST(MacTable, NeverLearnsAPortItCannotStore) {
  MacTable t(64, kAgeing);
  t.learn(mac(1), MacTable::kMaxPort, 10);
  EXPECT_EQ(t.lookup(mac(1), 11), MacTable::kMaxPort);
  t.learn(mac(2), 0x8003, 10);  // 15 bits of it would read back as port 3
  EXPECT_EQ(t.lookup(mac(2), 11), kNoPort);
  EXPECT_EQ(t.count(11), 1u);
}

TEST(MacTable, PacksBytesInWireOrder) {
  const uint8_t bytes[6] = {0x01, 0x23, 0x45, 0x67, 0x89, 0xab};
  EXPECT_EQ(mac_key(bytes), 0x0123456789abull);
  EXPECT_TRUE(mac_is_group(mac_key(bytes)));  // first byte odd: multicast
  const uint8_t broadcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
  EXPECT_TRUE(mac_is_group(mac_key(broadcast)));
  EXPECT_FALSE(mac_is_group(mac(1)));
}

TEST(MacTable, ReadsBothAddressesOfAFrameInOneLoad) {
  uint8_t header[14];
  for (int round = 0; round < 64; ++round) {
    for (int i = 0; i < 14; ++i) header[i] = uint8_t(round * 37 + i * 101 + (i << round % 8));
    EXPECT_EQ(mac_key_wide(header), mac_key(header));
    EXPECT_EQ(mac_key_wide(header + 6), mac_key(header + 6));
  }
}

TEST(MacTable, NeverLearnsGroupAddresses) {
  MacTable t(64, kAgeing);
  t.learn(mac(1, 0x01), 1, 10);
  EXPECT_EQ(t.lookup(mac(1, 0x01), 10), kNoPort);
  EXPECT_EQ(t.count(10), 0u);
}

TEST(MacTable, AgesOut) {
  MacTable t(64, kAgeing);
  t.learn(mac(1), 2, 100);
  EXPECT_EQ(t.lookup(mac(1), 100 + kAgeing - 1), 2);
  EXPECT_EQ(t.lookup(mac(1), 100 + kAgeing), kNoPort);
  t.learn(mac(1), 2, 100 + kAgeing);  // seen again: alive again
  EXPECT_EQ(t.lookup(mac(1), 100 + kAgeing + 1), 2);
}

TEST(MacTable, FollowsAStationThatMoves) {
  MacTable t(64, kAgeing);
  t.learn(mac(1), 1, 10);
  t.learn(mac(1), 4, 20);
  EXPECT_EQ(t.lookup(mac(1), 21), 4);
  EXPECT_EQ(t.count(21), 1u);
}

// Whichever way of its bucket a station sits in, seeing it again updates that way: a second
// copy would push out a live station and leave two answers for one address.
TEST(MacTable, FindsAStationInEveryWayOfItsBucket) {
  MacTable t(MacTable::kWays, kAgeing);  // one bucket
  for (uint8_t i = 0; i < MacTable::kWays; ++i) t.learn(mac(i), i, 10);
  for (uint8_t i = 0; i < MacTable::kWays; ++i) {
    t.learn(mac(i), uint16_t(20 + i), 20);  // each station moves to another port
    EXPECT_EQ(t.lookup(mac(i), 21), 20 + i);
  }
  for (uint8_t i = 0; i < MacTable::kWays; ++i) EXPECT_EQ(t.lookup(mac(i), 21), 20 + i);
  EXPECT_EQ(t.count(21), MacTable::kWays);
}

TEST(MacTable, FullBucketEvictsTheLeastRecentlySeen) {
  MacTable t(MacTable::kWays, kAgeing);  // one bucket
  ASSERT_EQ(t.capacity(), MacTable::kWays);
  for (uint8_t i = 0; i < MacTable::kWays; ++i) t.learn(mac(i), i, 10 + i);
  t.learn(mac(0), 0, 50);   // refresh the first: now the second is the oldest
  t.learn(mac(99), 7, 60);  // no room: evicts mac(1)
  EXPECT_EQ(t.lookup(mac(99), 61), 7);
  EXPECT_EQ(t.lookup(mac(0), 61), 0);
  EXPECT_EQ(t.lookup(mac(1), 61), kNoPort);
  EXPECT_EQ(t.lookup(mac(2), 61), 2);
  EXPECT_EQ(t.count(61), MacTable::kWays);
}

TEST(MacTable, ReusesAgedSlotsFirst) {
  MacTable t(MacTable::kWays, kAgeing);
  t.learn(mac(2), 2, 0);  // the clock only moves forward: learn the old one first
  for (uint8_t i = 0; i < MacTable::kWays; ++i) {
    if (i != 2) t.learn(mac(i), i, 900);
  }
  t.learn(mac(50), 9, kAgeing + 10);  // mac(2) has aged out: its slot goes first
  for (uint8_t i = 0; i < MacTable::kWays; ++i) {
    // Braced: EXPECT_EQ expands to an if-else of its own.
    if (i != 2) {
      EXPECT_EQ(t.lookup(mac(i), kAgeing + 10), i);
    }
  }
  EXPECT_EQ(t.lookup(mac(50), kAgeing + 10), 9);
}

}  // namespace
}  // namespace podwall
