#include "tests/bench/bench_frames.h"

namespace podwall {

namespace {

void put16(uint8_t* p, uint16_t v) {
  p[0] = uint8_t(v >> 8);
  p[1] = uint8_t(v);
}

}  // namespace

std::vector<uint8_t> bench_frame(const FlowQuery& flow, uint16_t sport, uint8_t tcp_flags) {
  std::vector<uint8_t> b(60, 0);
  b[0] = 0x02;
  b[6] = 0x02;
  b[11] = 1;
  put16(&b[12], 0x0800);
  uint8_t* ip = &b[14];
  ip[0] = 0x45;
  put16(ip + 2, 46);
  ip[8] = 64;
  ip[9] = flow.ip_proto;
  const uint32_t s = flow.src.v4_host_order(), d = flow.dst.v4_host_order();
  for (int i = 0; i < 4; ++i) {
    ip[12 + i] = uint8_t(s >> (24 - 8 * i));
    ip[16 + i] = uint8_t(d >> (24 - 8 * i));
  }
  uint8_t* l4 = ip + 20;
  put16(l4, sport);
  put16(l4 + 2, flow.dst_port);
  if (flow.ip_proto == 6) {
    l4[12] = 5 << 4;
    l4[13] = tcp_flags;
    put16(l4 + 14, 65535);
  } else {
    put16(l4 + 4, 26);
  }
  return b;
}

}  // namespace podwall
