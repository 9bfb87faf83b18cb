#pragma once
// What every podwallctl sub-command shares: argument scanning and "load, report, compile".

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "control/model.h"
#include "dataplane/policy/tables.h"

namespace podwall::cli {

// Exit codes, stable for scripts.
inline constexpr int kExitOk = 0;
inline constexpr int kExitInvalid = 1;  // manifests or input lines in error
inline constexpr int kExitUsage = 2;

struct Args {
  std::vector<std::string> positional;
  std::vector<std::pair<std::string, std::string>> options;  // --name value / --name=value
  std::vector<std::string> flags;                            // --name

  // Parses argv[first..]; `valued` lists the options that take a value.
  static std::optional<Args> parse(int argc, char** argv, int first,
                                   const std::vector<std::string>& valued,
                                   const std::vector<std::string>& known_flags);
  std::optional<std::string> option(const std::string& name) const;
  std::vector<std::string> all(const std::string& name) const;
  bool flag(const std::string& name) const;
};

struct Loaded {
  Cluster cluster;
  std::unique_ptr<PolicyTables> tables;
  size_t error_count = 0;
  size_t files = 0;
  // The directory itself could not be opened (a typo, a missing mount). Its cluster is empty,
  // so every verdict would be "allow": commands that answer questions refuse to.
  bool unreadable = false;
};

// Loads and compiles `dir`, printing every diagnostic to stderr (notes only when `notes`).
// A directory with errors still compiles from its good files.
Loaded load_and_compile(const std::string& dir, bool notes);

// --manifests DIR, or a usage error on stderr.
std::optional<std::string> manifests_dir(const Args& args);

}  // namespace podwall::cli
