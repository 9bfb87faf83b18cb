// The latency window's percentiles and the control protocol's JSON.
#include <gtest/gtest.h>

#include "control/ctl/json.h"
#include "control/watch/latency_window.h"

namespace podwall {
namespace {

using std::chrono::milliseconds;

TEST(LatencyWindow, NearestRankPercentiles) {
  LatencyWindow w(100);
  EXPECT_EQ(w.percentile(50).count(), 0);
  for (int i = 1; i <= 100; ++i) w.record(milliseconds(i));
  EXPECT_EQ(w.percentile(50), milliseconds(50));
  EXPECT_EQ(w.percentile(99), milliseconds(99));
  EXPECT_EQ(w.percentile(100), milliseconds(100));
  // The window slides: the 100 newest samples only.
  for (int i = 0; i < 100; ++i) w.record(milliseconds(1000));
  EXPECT_EQ(w.percentile(50), milliseconds(1000));
  EXPECT_EQ(w.total(), 200u);
  EXPECT_EQ(w.size(), 100u);
}

TEST(Json, WriterAndReaderRoundTrip) {
  std::string text = JsonObjectWriter()
                         .add("ok", true)
                         .add("n", uint64_t(42))
                         .add("ms", 1.5)
                         .add("s", "a \"quoted\"\\ line\n\x01")
                         .add_raw("list", "[1,\"two\",{\"x\":null}]")
                         .str();
  auto v = parse_json(text);
  ASSERT_TRUE(v) << text;
  EXPECT_TRUE(v->bool_at("ok"));
  EXPECT_EQ(v->number_at("n"), 42);
  EXPECT_EQ(v->number_at("ms"), 1.5);
  EXPECT_EQ(v->string_at("s"), "a \"quoted\"\\ line\n\x01");
  ASSERT_EQ(v->get("list")->array.size(), 3u);
  EXPECT_EQ(v->get("list")->array[1].string, "two");
}

TEST(Json, RejectsBrokenInput) {
  for (const char* bad : {"", "{", "{\"a\":}", "[1,]", "{\"a\":1}x", "\"open", "{'a':1}"})
    EXPECT_FALSE(parse_json(bad)) << bad;
  std::string deep(100, '[');
  EXPECT_FALSE(parse_json(deep + std::string(100, ']')));
}

}  // namespace
}  // namespace podwall
