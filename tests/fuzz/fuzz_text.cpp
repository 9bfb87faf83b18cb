// libFuzzer target: the small text formats podwall reads from outside, one per input (chosen by
// its first byte):
//   0  an address and a CIDR (manifests, flow lines): what parses prints back to text that
//      parses to the same value, and a CIDR's base has no host bits;
//   1  a `podwallctl eval` flow line: a line is blank, an error, or a flow, never two of them;
//      a flow's ICMP matches its address family, only ICMP has port 0, and a flow reads back
//      the same from its own printed form;
//   2  a control-socket request (JSON): parses or is refused; nothing else is checked here
//      beyond the sanitizers, the nesting bound included.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "control/cli/flow_line.h"
#include "control/ctl/json.h"
#include "dataplane/policy/ip_address.h"

namespace {

using namespace podwall;

[[noreturn]] void fail(const char* what, std::string_view input) {
  std::fprintf(stderr, "fuzz_text: %s: '%.*s'\n", what, int(input.size()), input.data());
  std::abort();
}

void check_address_and_cidr(std::string_view text) {
  if (auto address = IpAddress::parse(text)) {
    auto again = IpAddress::parse(address->to_string());
    if (!again || *again != *address) fail("address does not read back", text);
  }
  if (auto cidr = Cidr::parse(text)) {
    if (cidr->prefix_len > cidr->base.bit_width()) fail("prefix longer than the address", text);
    for (unsigned i = cidr->prefix_len; i < cidr->base.bit_width(); ++i) {
      if (cidr->base.bit(i)) fail("CIDR base keeps host bits", text);
    }
    if (!cidr->contains(cidr->base)) fail("CIDR does not contain its base", text);
    auto again = Cidr::parse(cidr->to_string(), /*allow_host_bits=*/false);
    if (!again || *again != *cidr) fail("CIDR does not read back", text);
  }
}

void check_flow_line(std::string_view line) {
  cli::FlowLineResult result = cli::parse_flow_line(line);
  if (result.flow && !result.error.empty()) fail("flow line is both a flow and an error", line);
  if (!result.flow) return;
  const FlowQuery& flow = *result.flow;
  if (flow.src.family != flow.dst.family) fail("flow mixes address families", line);
  // Every flow the parser gives must be one the format can print (right ICMP for the family,
  // no port 0 on a port protocol) and print to a line that reads back to it.
  const std::optional<std::string> printed = cli::format_flow_line(flow);
  if (!printed) fail("flow the format cannot print", line);
  cli::FlowLineResult again = cli::parse_flow_line(*printed);
  if (!again.flow || again.flow->src != flow.src || again.flow->dst != flow.dst ||
      again.flow->ip_proto != flow.ip_proto || again.flow->dst_port != flow.dst_port) {
    fail("flow line does not read back", line);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 3) {
    case 0:
      check_address_and_cidr(text);
      break;
    case 1:
      check_flow_line(text);
      break;
    case 2:
      (void)parse_json(text);
      break;
  }
  return 0;
}
