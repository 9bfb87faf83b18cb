#pragma once
// A temporary manifest directory, a table sink that keeps what it is given, and a driver that
// polls the hot reloader the way the daemon's control loop does.

#include <poll.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>

#include "control/watch/hot_reloader.h"

namespace podwall::testing {

class FakeSink : public TableSink {
 public:
  uint64_t publish(std::unique_ptr<PolicyTables> tables) override {
    tables->generation = ++generation_;
    last_ = std::move(tables);
    return generation_;
  }
  uint64_t generation() const override { return generation_; }
  std::vector<uint64_t> worker_generations() const override { return {generation_}; }
  bool wait_all(uint64_t, std::chrono::milliseconds) const override { return true; }
  const PolicyTables* last() const { return last_.get(); }

 private:
  uint64_t generation_ = 0;
  std::unique_ptr<PolicyTables> last_;
};

inline std::string pod_yaml(const std::string& name, const std::string& ip,
                            const std::string& app = "web") {
  return "apiVersion: v1\nkind: Pod\nmetadata:\n  name: " + name +
         "\n  namespace: shop\n  labels: {app: " + app + "}\nstatus:\n  podIP: " + ip + "\n";
}

inline std::string policy_yaml(const std::string& name) {
  return "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: " + name +
         "\n  namespace: shop\nspec:\n  podSelector: {}\n  policyTypes: [Ingress]\n";
}

class WatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/pw-watch-test-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    settings_.debounce = std::chrono::milliseconds(20);
  }
  void TearDown() override {
    reloader_.reset();
    std::filesystem::remove_all(dir_);
  }

  HotReloader& start() {
    reloader_ = std::make_unique<HotReloader>(dir_, sink_, settings_,
                                              [this](const std::string& l) { log_ += l + "\n"; });
    std::string error;
    EXPECT_TRUE(reloader_->start_watching(error)) << error;
    sink_.publish(reloader_->initial_tables());
    return *reloader_;
  }

  std::string path(const std::string& rel) const { return dir_ + "/" + rel; }

  // Writes a file in place (create or truncate, then close: IN_CLOSE_WRITE).
  void write(const std::string& rel, const std::string& text) {
    std::ofstream(path(rel), std::ios::trunc) << text;
  }
  // Writes a file elsewhere, then renames it in: how deployment tools land files.
  void write_by_rename(const std::string& rel, const std::string& text) {
    std::string staged = dir_ + "/.staged-" + std::to_string(++staged_);
    std::ofstream(staged) << text;
    std::filesystem::rename(staged, path(rel));
  }

  // Polls like the daemon until `generation` is published or `limit` passes.
  bool pump_until_generation(uint64_t generation,
                             std::chrono::milliseconds limit = std::chrono::seconds(5)) {
    return pump([&] { return sink_.generation() >= generation; }, limit);
  }
  // Polls for `duration`, whatever happens.
  void pump_for(std::chrono::milliseconds duration) {
    pump([] { return false; }, duration);
  }
  bool pump(const std::function<bool()>& done, std::chrono::milliseconds limit) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done()) {
      auto now = std::chrono::steady_clock::now();
      if (now >= deadline) return false;
      int timeout = 10;
      if (auto due = reloader_->time_until_due(now))
        timeout =
            std::min<int>(timeout, int(std::chrono::ceil<std::chrono::milliseconds>(*due).count()));
      pollfd p{reloader_->fd(), POLLIN, 0};
      if (::poll(&p, 1, timeout) > 0) reloader_->on_readable();
      reloader_->run_if_due(std::chrono::steady_clock::now());
    }
    return true;
  }

  Cluster cluster() const { return reloader_->loader().store().build_cluster().cluster; }
  std::vector<std::string> pod_names() const {
    std::vector<std::string> names;
    for (const Pod& p : cluster().pods) names.push_back(p.name);
    return names;
  }

  std::string dir_;
  ReloadSettings settings_;
  FakeSink sink_;
  std::unique_ptr<HotReloader> reloader_;
  std::string log_;
  int staged_ = 0;
};

}  // namespace podwall::testing
