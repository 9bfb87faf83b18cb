// Writes the parser fuzzer's seed corpus: small valid frames of every kind the parser knows,
// and broken ones at each layer, one file each. Deterministic, so re-running it reproduces
// tests/data/packet/corpus byte for byte.
//
// Usage: make_packet_corpus DIR

#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "tests/unit/packet/frame_builder.h"

using podwall::test::Bytes;
using podwall::test::FrameBuilder;
using podwall::test::ip;

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DIR\n", argv[0]);
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
    std::string path = dir + "/" + name + ".bin";
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (f == nullptr || std::fwrite(bytes.data(), 1, bytes.size(), f) != bytes.size()) {
      std::perror(path.c_str());
      return 1;
    }
    std::fclose(f);
  }
  std::printf("wrote %zu frames to %s\n", frames.size(), dir.c_str());
  return 0;
}
