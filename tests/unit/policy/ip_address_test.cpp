// IpAddress equality is written by hand (two word compares, no memcmp() call): it must still
// tell apart every address the defaulted operator would, and agree with the ordering.

#include <gtest/gtest.h>

#include "dataplane/policy/ip_address.h"

namespace podwall {
namespace {

IpAddress v6_with_last_byte(uint8_t last) {
  uint8_t bytes[16] = {0x20, 0x01, 0x0d, 0xb8};
  bytes[15] = last;
  return IpAddress::v6(bytes);
}

TEST(IpAddressEquality, EqualAddressesAreEqual) {
  EXPECT_EQ(*IpAddress::parse("198.18.0.1"), IpAddress::v4(0xc6120001));
  EXPECT_EQ(*IpAddress::parse("2001:db8::7"), v6_with_last_byte(7));
}

TEST(IpAddressEquality, EveryByteCounts) {
  // A difference in the first and in the second 8-byte half.
  EXPECT_NE(*IpAddress::parse("198.18.0.1"), *IpAddress::parse("199.18.0.1"));
  EXPECT_NE(v6_with_last_byte(7), v6_with_last_byte(8));
  EXPECT_NE(*IpAddress::parse("2001:db8::1:0:0:7"), v6_with_last_byte(7));
}

TEST(IpAddressEquality, TheFamilyCounts) {
  // 198.18.0.1 keeps its bytes at the front, the rest zero: the same bytes as c612:1::.
  IpAddress v4 = *IpAddress::parse("198.18.0.1");
  IpAddress v6 = *IpAddress::parse("c612:1::");
  ASSERT_EQ(v4.bytes, v6.bytes);
  EXPECT_NE(v4, v6);
}

TEST(IpAddressEquality, AgreesWithTheOrdering) {
  const IpAddress all[] = {*IpAddress::parse("198.18.0.1"), *IpAddress::parse("198.18.0.2"),
                           *IpAddress::parse("c612:1::"), v6_with_last_byte(7),
                           v6_with_last_byte(8)};
  for (const IpAddress& a : all) {
    for (const IpAddress& b : all)
      EXPECT_EQ(a == b, (a <=> b) == 0) << a.to_string() << " " << b.to_string();
  }
}

}  // namespace
}  // namespace podwall
