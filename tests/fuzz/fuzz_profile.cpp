// libFuzzer target: any byte string as a podwall-gen traffic profile, and the frames of what
// parses.
//
// Checks beyond the sanitizers: a refused profile gets "file:line: reason" with a line inside
// the file; an accepted one has flows and frame sizes, every size holds every group's headers,
// and each group's frames (first, second and last instance, SYN and not), built into buffers
// of exactly the frame's size, carry a stamp that reads back as the group and the time put in.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "dataplane/gen/frame.h"
#include "dataplane/gen/profile.h"

namespace {

using namespace podwall::gen;

constexpr size_t kMaxGroupsChecked = 8;
constexpr size_t kMaxSizesChecked = 8;

[[noreturn]] void fail(const char* what, const std::string& detail) {
  std::fprintf(stderr, "fuzz_profile: %s: %s\n", what, detail.c_str());
  std::abort();
}

void check_error(const std::string& error, const std::string& text) {
  const std::string prefix = "fuzz.yaml:";
  if (!error.starts_with(prefix)) fail("error does not name the file", error);
  size_t digits = prefix.size();
  while (digits < error.size() && error[digits] >= '0' && error[digits] <= '9') ++digits;
  if (digits == prefix.size() || digits >= error.size() || error[digits] != ':') {
    fail("error does not name a line", error);
  }
  const long line = std::strtol(error.c_str() + prefix.size(), nullptr, 10);
  const long lines = long(std::count(text.begin(), text.end(), '\n')) + 1;
  if (line < 1 || line > lines) fail("error names a line outside the file", error);
  if (error.size() <= digits + 2) fail("error without a reason", error);
}

void check_frames(const Profile& profile) {
  if (profile.flows.empty()) fail("accepted a profile without flows", profile.path);
  if (profile.sweep.empty()) fail("accepted a profile without frame sizes", profile.path);
  uint64_t tsc = 0x0123456789abcdefull;
  for (size_t g = 0; g < std::min(profile.flows.size(), kMaxGroupsChecked); ++g) {
    const FlowGroup& group = profile.flows[g];
    const uint64_t instances = group.instances();
    if (instances == 0) fail("a flow group without instances", group.name);
    for (size_t m = 0; m < std::min(profile.sweep.size(), kMaxSizesChecked); ++m) {
      for (const auto& [size, weight] : profile.sweep[m].sizes) {
        if (size < min_frame_size(group)) fail("a frame size too small for a group", group.name);
        for (uint64_t instance : {uint64_t(0), uint64_t(1) % instances, instances - 1}) {
          for (bool syn : {false, true}) {
            std::vector<uint8_t> frame(size_t(size) - 4);  // no FCS
            StampSpot spot;
            size_t length =
                build_frame(group, uint16_t(g), instance, size, syn, frame.data(), spot);
            if (length > frame.size()) fail("frame longer than its size", group.name);
            stamp(frame.data(), spot, ++tsc);
            uint16_t got_group = 0;
            uint64_t got_tsc = 0;
            if (!read_stamp(frame.data(), length, got_group, got_tsc) || got_group != g ||
                got_tsc != tsc) {
              fail("stamp does not read back", group.name + " size " + std::to_string(size));
            }
          }
        }
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  std::string error;
  std::optional<Profile> profile = parse_profile_text(text, "fuzz.yaml", error);
  if (profile) {
    check_frames(*profile);
  } else {
    check_error(error, text);
  }
  return 0;
}
