#include "control/loader/parse_files.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>

#include "control/loader/directory.h"

namespace podwall {
namespace {

struct Slot {
  std::optional<FileLoad> load;
  std::exception_ptr error;
  bool done = false;
};

class ParallelParse {
 public:
  explicit ParallelParse(const std::vector<std::string>& paths)
      : paths_(paths), slots_(paths.size()) {}

  // Parses files in turn until none is left or stop() was called.
  void work() {
    for (;;) {
      size_t i = next_.fetch_add(1);
      if (i >= paths_.size()) return;
      Slot slot;
      try {
        slot.load = read_and_parse_file(paths_[i]);
      } catch (...) {
        slot.error = std::current_exception();
      }
      slot.done = true;
      {
        std::lock_guard lock(mutex_);
        slots_[i] = std::move(slot);
      }
      ready_.notify_all();
    }
  }

  // Waits for file `i` and takes its result; rethrows what parsing it threw.
  FileLoad take(size_t i) {
    std::unique_lock lock(mutex_);
    ready_.wait(lock, [&] { return slots_[i].done; });
    Slot slot = std::move(slots_[i]);
    slots_[i] = Slot{};
    lock.unlock();
    if (slot.error) std::rethrow_exception(slot.error);
    return std::move(*slot.load);
  }

  void stop() { next_.store(paths_.size()); }

 private:
  const std::vector<std::string>& paths_;
  std::vector<Slot> slots_;
  std::atomic<size_t> next_{0};
  std::mutex mutex_;
  std::condition_variable ready_;
};

}  // namespace

FileLoad read_and_parse_file(const std::string& path) {
  FileBytes bytes = read_manifest_bytes(path, path);
  if (bytes.error) return unreadable_file(path, *bytes.error);
  return parse_manifest_file(path, bytes.bytes);
}

void read_and_parse_files(const std::vector<std::string>& paths,
                          const std::function<void(FileLoad&)>& consume) {
  size_t threads =
      std::min<size_t>({paths.size(), std::thread::hardware_concurrency(), max_parse_threads});
  if (threads <= 1) {
    for (const std::string& path : paths) {
      FileLoad load = read_and_parse_file(path);
      consume(load);
    }
    return;
  }
  ParallelParse parse(paths);
  std::vector<std::jthread> workers;
  // Declared after the workers, so it runs first when leaving early: they stop taking files,
  // and the jthreads join before `parse` goes away.
  struct StopOnExit {
    ParallelParse& parse;
    ~StopOnExit() { parse.stop(); }
  } stop_on_exit{parse};
  for (size_t t = 0; t < threads; ++t) workers.emplace_back([&parse] { parse.work(); });
  for (size_t i = 0; i < paths.size(); ++i) {
    FileLoad load = parse.take(i);
    consume(load);
  }
}

}  // namespace podwall
