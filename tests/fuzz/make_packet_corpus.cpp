// Writes the packet fuzzers' seed corpora. Deterministic, so re-running it reproduces them
// byte for byte.
//   DIR        (fuzz_parse_packet, tests/data/packet/corpus): small valid frames of every kind
//              the parser knows, and broken ones at each layer, one file each;
//   BURST_DIR  (fuzz_burst, tests/data/burst/corpus): conversations between the fuzzer's pods
//              in its input format (fuzz_burst.cpp), with policy changes between bursts.
//
// Usage: make_packet_corpus DIR [BURST_DIR]

#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "tests/fuzz/burst_input.h"
#include "tests/unit/packet/frame_builder.h"

using podwall::test::Bytes;
using podwall::test::FrameBuilder;
using podwall::test::ip;

namespace {

bool write_file(const std::string& path, const Bytes& bytes) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  bool ok = f != nullptr && std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
  if (f != nullptr) ok = std::fclose(f) == 0 && ok;
  if (!ok) std::perror(path.c_str());
  return ok;
}

// One burst of fuzz_burst's input (tests/fuzz/burst_input.h).
struct Burst {
  uint8_t ctl = 0;
  std::vector<Bytes> frames;
};

Bytes burst_input(const std::vector<Burst>& bursts) {
  Bytes out;
  for (const Burst& b : bursts) {
    out.push_back(b.ctl);
    out.push_back(uint8_t(b.frames.size()));
    for (const Bytes& f : b.frames) {
      out.push_back(uint8_t(f.size() >> 8));
      out.push_back(uint8_t(f.size()));
      out.insert(out.end(), f.begin(), f.end());
    }
  }
  return out;
}

bool write_burst_corpus(const std::string& dir) {
  using namespace podwall::burst_input;
  const auto a = ip(kA.v4), b = ip(kB.v4), c = ip(kC.v4), d = ip(kD.v4);
  const auto a6 = ip(kA.v6), b6 = ip(kB.v6), d6 = ip(kD.v6);
  constexpr uint8_t syn = 0x02, ack = 0x10, fin = 0x01, rst = 0x04, psh = 0x08;
  auto tcp = [](const auto& s, const auto& d, uint16_t sp, uint16_t dp, uint8_t flags) {
    return FrameBuilder().ipv4(s, d).tcp(sp, dp, flags).build();
  };
  auto udp = [](const auto& s, const auto& d, uint16_t sp, uint16_t dp) {
    return FrameBuilder().ipv4(s, d).udp(sp, dp).payload(8).build();
  };
  auto first_fragment = [&](uint16_t id, uint16_t dport) {
    return FrameBuilder()
        .ipv4(a, b, {.id = id, .more_fragments = true})
        .udp(5000, dport, 200)
        .payload(56)
        .build();
  };
  auto later_fragment = [&](uint16_t id, uint16_t offset, bool more) {
    return FrameBuilder()
        .ipv4(a, b, {.id = id, .more_fragments = more, .fragment_offset = offset})
        .protocol(17)
        .payload(more ? 64 : 16)
        .build();
  };
  Bytes inner = FrameBuilder(true).ipv4(a, b).udp(5000, 53).build();

  const std::vector<std::pair<std::string, std::vector<Burst>>> inputs = {
      // A TCP connection allowed by both policy sets, across a change in each mode.
      {"tcp_across_changes",
       {{0, {tcp(a, b, 40000, 80, syn), tcp(b, a, 80, 40000, syn | ack)}},
        {kOneMs, {tcp(a, b, 40000, 80, ack), tcp(b, a, 80, 40000, ack | psh)}},
        {kPolicyChange, {tcp(a, b, 40000, 80, ack), tcp(b, a, 80, 40000, ack)}},
        {kPolicyChange | kKeep, {tcp(a, b, 40000, 80, ack | psh)}},
        {kOneMs, {tcp(a, b, 40000, 80, fin | ack), tcp(b, a, 80, 40000, fin | ack)}},
        {kTwoSeconds | kSweep, {tcp(a, b, 40000, 80, ack)}}}},
      // Denied connections and packets that must not open one.
      {"tcp_denied",
       {{0,
         {tcp(a, b, 40001, 22, syn), tcp(b, a, 22, 40001, syn | ack), tcp(a, b, 40001, 22, ack),
          tcp(c, b, 40002, 80, syn), tcp(a, b, 40003, 80, syn | fin), tcp(a, b, 40003, 80, rst),
          tcp(c, a, 40004, 443, syn), tcp(c, b, 40004, 443, syn)}}}},
      // SCTP, allowed by the first set only: revoked by the change, kept with keep.
      {"sctp_revoked",
       {{0,
         {FrameBuilder().ipv4(a, b).sctp(5000, 3868, 1).build(),
          FrameBuilder().ipv4(b, a).sctp(3868, 5000, 2).build()}},
        {kPolicyChange | kKeep, {FrameBuilder().ipv4(a, b).sctp(5000, 3868, 0).build()}},
        {kPolicyChange, {FrameBuilder().ipv4(a, b).sctp(5000, 3868, 0).build()}},
        {kPolicyChange, {FrameBuilder().ipv4(b, a).sctp(3868, 5000, 0).build()}}}},
      // UDP both ways, an ICMP error about it, echo where it is allowed and where not.
      {"udp_and_icmp",
       {{0,
         {udp(a, b, 5000, 53), udp(b, a, 53, 5000), udp(a, b, 5000, 54),
          FrameBuilder().ipv4(b, a).icmp4(3, 3).raw(inner).build(),
          FrameBuilder().ipv4(a, c).icmp4(8, 0, 7, 1).payload(8).build(),
          FrameBuilder().ipv4(c, a).icmp4(0, 0, 7, 1).payload(8).build(),
          FrameBuilder().ipv4(b, a).icmp4(8, 0, 9, 1).payload(8).build()}},
        {kPolicyChange | kTwoSeconds, {udp(b, a, 53, 5000), udp(a, b, 5000, 53)}}}},
      // Datagrams in fragments: allowed, denied, duplicated, overlapping, out of order.
      {"fragments",
       {{0,
         {first_fragment(7, 53), later_fragment(7, 64, true), first_fragment(7, 53),
          later_fragment(7, 128, false), first_fragment(8, 54), later_fragment(8, 64, false),
          later_fragment(9, 64, false), first_fragment(9, 53), first_fragment(10, 53),
          first_fragment(10, 22), later_fragment(10, 64, false)}},
        {kPolicyChange, {first_fragment(11, 53), later_fragment(11, 64, false)}}}},
      // IPv6: a connection, neighbour discovery, an extension chain, a fragment.
      {"ipv6",
       {{0,
         {FrameBuilder().ipv6(a6, b6).tcp(40000, 80, syn).build(),
          FrameBuilder().ipv6(b6, a6).tcp(80, 40000, syn | ack).build(),
          FrameBuilder().ipv6(a6, b6).tcp(40000, 80, ack).build(),
          FrameBuilder().ipv6(a6, b6, {.hop_limit = 255}).icmp6(135, 0).payload(16).build(),
          FrameBuilder().ipv6(a6, b6).ext(0).ext(60).udp(1, 53).build(),
          FrameBuilder().ipv6(a6, b6).frag6(0, true, 99).udp(1, 53, 100).payload(8).build(),
          FrameBuilder().ipv6(a6, b6).frag6(16, false, 99).protocol(17).payload(20).build()}},
        {kPolicyChange, {FrameBuilder().ipv6(a6, b6).tcp(40000, 80, ack).build()}}}},
      // Across namespaces: a named port, a port range and its edge, then the second policy
      // set's ipBlock peers.
      {"namespaces_and_ports",
       {{0,
         {tcp(d, b, 41000, 8080, syn), tcp(b, d, 8080, 41000, syn | ack),
          tcp(d, b, 41000, 8080, ack), tcp(d, b, 41001, 9100, syn), tcp(d, b, 41002, 9101, syn),
          tcp(d, b, 41003, 80, syn), tcp(a, d, 41004, 80, syn),
          FrameBuilder().ipv6(d6, b6).tcp(41005, 8080, syn).build()}},
        {kPolicyChange,
         {tcp(d, b, 41000, 8080, ack), tcp(a, d, 41006, 80, syn), tcp(d, a, 80, 41006, syn | ack),
          FrameBuilder().ipv4(a, d).icmp4(8, 0, 5, 1).payload(8).build(),
          FrameBuilder().ipv4(d, a).icmp4(0, 0, 5, 1).payload(8).build(),
          tcp(b, d, 41007, 80, syn)}}}},
      // Tagged frames, ARP, an unknown ethertype, and frames cut short.
      {"l2_and_runts",
       {{kPassUnknownEthertypes,
         {FrameBuilder().arp().build(), FrameBuilder().ethertype(0x88cc).payload(32).build(),
          FrameBuilder().vlan(0x8100, 100).ipv4(a, b).tcp(1, 80, syn).build(),
          FrameBuilder().vlan(0x88a8, 10).vlan(0x8100, 20).ipv4(b, a).tcp(80, 1, syn | ack).build(),
          Bytes(13, 0xff), Bytes(34, 0x00)}}}},
  };
  for (const auto& [name, bursts] : inputs) {
    if (!write_file(dir + "/" + name + ".bin", burst_input(bursts))) return false;
  }
  std::printf("wrote %zu burst sequences to %s\n", inputs.size(), dir.c_str());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2 && argc != 3) {
    std::fprintf(stderr, "usage: %s DIR [BURST_DIR]\n", argv[0]);
    return 2;
  }
  const auto a = ip("198.18.0.1");
  const auto b = ip("198.18.0.2");
  const auto a6 = ip("2001:db8::1");
  const auto b6 = ip("2001:db8::2");
  constexpr uint8_t syn = 0x02, ack = 0x10, fin = 0x01, rst = 0x04;

  Bytes inner4 = FrameBuilder(true).ipv4(a, b).udp(5000, 53).build();
  Bytes inner6 = FrameBuilder(true).ipv6(a6, b6).tcp(40000, 443, syn).build();
  Bytes truncated = FrameBuilder().ipv4(a, b).tcp(1, 80, syn).build();
  truncated.resize(40);
  Bytes bad_ihl = FrameBuilder().ipv4(a, b, {.ihl_words = 4}).udp(1, 2).build();

  std::vector<std::pair<std::string, Bytes>> frames = {
      {"arp", FrameBuilder().arp().build()},
      {"lldp", FrameBuilder().ethertype(0x88cc).payload(32).build()},
      {"v4_tcp_syn", FrameBuilder().ipv4(a, b).tcp(40000, 80, syn).build()},
      {"v4_tcp_synack", FrameBuilder().ipv4(b, a).tcp(80, 40000, syn | ack).build()},
      {"v4_tcp_synfin", FrameBuilder().ipv4(a, b).tcp(40000, 80, syn | fin).build()},
      {"v4_tcp_rst", FrameBuilder().ipv4(a, b).tcp(40000, 80, rst).build()},
      {"v4_tcp_options", FrameBuilder().ipv4(a, b).tcp(40000, 80, syn, 10).build()},
      {"v4_ip_options_udp",
       FrameBuilder().ipv4(a, b, {.options = {0x94, 4, 0, 0}}).udp(5353, 53).payload(12).build()},
      {"v4_udp_padded",
       [&] {
         Bytes f = FrameBuilder().ipv4(a, b).udp(5353, 53).build();
         f.resize(60);
         return f;
       }()},
      {"v4_sctp_init", FrameBuilder().ipv4(a, b).sctp(5000, 3868, 1).build()},
      {"v4_icmp_echo", FrameBuilder().ipv4(a, b).icmp4(8, 0, 1, 1).payload(16).build()},
      {"v4_icmp_unreach", FrameBuilder().ipv4(b, a).icmp4(3, 3).raw(inner4).build()},
      {"v4_gre", FrameBuilder().ipv4(a, b).protocol(47).payload(16).build()},
      {"v4_frag_first", FrameBuilder()
                            .ipv4(a, b, {.id = 7, .more_fragments = true})
                            .udp(1, 53, 200)
                            .payload(56)
                            .build()},
      {"v4_frag_later", FrameBuilder()
                            .ipv4(a, b, {.id = 7, .fragment_offset = 64})
                            .protocol(17)
                            .payload(40)
                            .build()},
      {"v4_tiny_frag",
       FrameBuilder().ipv4(a, b, {.more_fragments = true}).protocol(6).payload(8).build()},
      {"v4_truncated", truncated},
      {"v4_bad_ihl", bad_ihl},
      {"vlan_v4_tcp", FrameBuilder().vlan(0x8100, 100).ipv4(a, b).tcp(1, 80, syn).build()},
      {"qinq_v6_udp",
       FrameBuilder().vlan(0x88a8, 10).vlan(0x8100, 20).ipv6(a6, b6).udp(1, 53).build()},
      {"three_tags", FrameBuilder().vlan(0x88a8, 1).vlan(0x8100, 2).vlan(0x8100, 3).arp().build()},
      {"v6_tcp_syn", FrameBuilder().ipv6(a6, b6).tcp(40000, 443, syn).build()},
      {"v6_ext_chain",
       FrameBuilder().ipv6(a6, b6).ext(0).ext(43, 24).ah(16).ext(60).udp(1, 53).build()},
      {"v6_frag_first",
       FrameBuilder().ipv6(a6, b6).frag6(0, true, 99).udp(1, 53, 100).payload(8).build()},
      {"v6_frag_later",
       FrameBuilder().ipv6(a6, b6).frag6(16, false, 99).protocol(17).payload(20).build()},
      {"v6_echo", FrameBuilder().ipv6(a6, b6).icmp6(128, 0, 3, 1).build()},
      {"v6_packet_too_big", FrameBuilder().ipv6(b6, a6).icmp6(2, 0).raw(inner6).build()},
      {"v6_neighbour_solicit",
       FrameBuilder().ipv6(a6, b6, {.hop_limit = 255}).icmp6(135, 0).payload(16).build()},
      {"v6_esp", FrameBuilder().ipv6(a6, b6).protocol(50).payload(24).build()},
  };
  std::string dir = argv[1];
  for (const auto& [name, bytes] : frames) {
    if (!write_file(dir + "/" + name + ".bin", bytes)) return 1;
  }
  std::printf("wrote %zu frames to %s\n", frames.size(), dir.c_str());
  if (argc == 3 && !write_burst_corpus(argv[2])) return 1;
  return 0;
}
