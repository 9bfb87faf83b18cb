#pragma once
// The flow log (--flow-log FILE): one JSON object per line for every connection the policy
// denies or a policy change cuts (dataplane/runtime/flow_event.h), and with --flow-log-allowed
// every one it allows, each explained against the tables in force, so that "why was my
// connection dropped?" (and "which rule let this in?") has an answer after the fact:
//
//   {"time":"2026-11-27T21:07:08.123Z","event":"denied","proto":"tcp","src":"198.18.0.5",
//    "sport":41234,"dst":"198.18.0.9","dport":80,"src_pod":"default/rogue",
//    "dst_pod":"default/web","port":"net_af_packet1","iface":"veth1","worker":0,"generation":3,
//    "explanation":"egress: default/rogue not isolated; ingress: default/web isolated by ..."}
//
// Lines are rate-limited: a flood of denied attempts costs the control thread bounded work and
// the file bounded growth, and a line {"event":"suppressed","count":N,...} says how many events
// of the last second were left out; {"event":"lost","count":N} how many the workers could not
// queue at all. When the file is renamed or removed (logrotate), the log
// opens a new one at the same path within a second. DPDK-free; control thread only.

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "dataplane/policy/tables.h"
#include "dataplane/runtime/flow_event.h"

namespace podwall {

// One event as a JSON object (no newline). `tables`: the live generation, or nullptr; the
// explanation and pod names come from it, and "explained_with" names its generation when that
// is not the one that judged the event.
std::string format_flow_event(const FlowEvent& event, const PolicyTables* tables,
                              const PortLabel& port);

class FlowLog {
 public:
  using Clock = std::chrono::steady_clock;
  using PortLabeler = std::function<PortLabel(uint16_t port)>;

  // Opens `path` for appending, or standard output for "-". `lines_per_second` bounds the
  // event lines written in any one second (at least 1). nullptr and a message on failure.
  static std::unique_ptr<FlowLog> open(const std::string& path, unsigned lines_per_second,
                                       std::string& error);
  ~FlowLog();
  FlowLog(const FlowLog&) = delete;
  FlowLog& operator=(const FlowLog&) = delete;

  // Writes the events that fit this second's budget, in order; counts the rest and reports
  // them once their second is over. Flushes, so a reader sees each batch at once.
  void write(const std::vector<FlowEvent>& events, const PolicyTables* tables,
             const PortLabeler& port_label, Clock::time_point now);
  // Counts events that never reached the log because a worker's queue was full when it judged
  // them (the control thread had fallen behind: flow_events_lost). Reported with the second's
  // suppressed events, as {"event":"lost","count":N}, so that the log itself says it has a gap.
  void note_lost(uint64_t count) {
    pending_lost_ += count;
    lost_ += count;
  }
  // Reports the suppressed and lost events of a second that has ended, and reopens the file if it
  // was rotated away. Call it now and then even when there are no events (the daemon does, every
  // loop), and once more at exit.
  void settle(Clock::time_point now, bool closing = false);

  uint64_t lines() const { return lines_; }            // event lines written
  uint64_t suppressed() const { return suppressed_; }  // events left out, in all
  uint64_t lost() const { return lost_; }              // events noted lost, in all

 private:
  FlowLog(std::string path, std::FILE* out, unsigned lines_per_second);
  void write_line(std::string line);
  void reopen_if_rotated();

  std::string path_;  // empty: standard output, never reopened
  std::FILE* out_;
  unsigned lines_per_second_;
  Clock::time_point second_start_{};
  unsigned budget_ = 0;              // event lines left in the current second
  uint64_t pending_suppressed_ = 0;  // left out in the current second
  uint64_t pending_lost_ = 0;        // noted lost in the current second
  uint64_t lines_ = 0;
  uint64_t suppressed_ = 0;
  uint64_t lost_ = 0;
};

}  // namespace podwall
