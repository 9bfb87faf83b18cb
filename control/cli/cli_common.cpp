#include "control/cli/cli_common.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "control/compiler/compiler.h"
#include "control/loader/loader.h"

namespace podwall::cli {

std::optional<Args> Args::parse(int argc, char** argv, int first,
                                const std::vector<std::string>& valued,
                                const std::vector<std::string>& known_flags) {
  Args args;
  auto is = [](const std::vector<std::string>& list, const std::string& name) {
    return std::find(list.begin(), list.end(), name) != list.end();
  };
  for (int i = first; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind("--", 0) != 0 || arg == "--") {
      args.positional.push_back(arg);
      continue;
    }
    std::string name = arg.substr(2), value;
    size_t eq = name.find('=');
    bool inline_value = eq != std::string::npos;
    if (inline_value) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    if (is(valued, name)) {
      if (!inline_value) {
        if (i + 1 >= argc) {
          std::fprintf(stderr, "podwallctl: --%s needs a value\n", name.c_str());
          return std::nullopt;
        }
        value = argv[++i];
      }
      args.options.emplace_back(name, value);
    } else if (is(known_flags, name) && !inline_value) {
      args.flags.push_back(name);
    } else {
      std::fprintf(stderr, "podwallctl: unknown option --%s\n", name.c_str());
      return std::nullopt;
    }
  }
  return args;
}

std::optional<std::string> Args::option(const std::string& name) const {
  std::optional<std::string> last;
  for (const auto& [n, v] : options) {
    if (n == name) last = v;
  }
  return last;
}

std::vector<std::string> Args::all(const std::string& name) const {
  std::vector<std::string> values;
  for (const auto& [n, v] : options) {
    if (n == name) values.push_back(v);
  }
  return values;
}

bool Args::flag(const std::string& name) const {
  return std::find(flags.begin(), flags.end(), name) != flags.end();
}

Loaded load_and_compile(const std::string& dir, bool notes) {
  Loaded out;
  std::error_code ec;
  out.unreadable = !std::filesystem::is_directory(dir, ec);
  LoadResult result = load_directory(dir);
  for (const auto& d : result.errors) std::fprintf(stderr, "%s\n", d.to_string().c_str());
  if (notes) {
    for (const auto& d : result.notes) std::fprintf(stderr, "%s\n", d.to_string().c_str());
  }
  out.error_count = result.errors.size();
  out.files = result.files_loaded;
  out.cluster = std::move(result.cluster);
  out.tables = compile_policy(out.cluster);
  return out;
}

std::optional<std::string> manifests_dir(const Args& args) {
  auto dir = args.option("manifests");
  if (!dir) std::fprintf(stderr, "podwallctl: --manifests DIR is required\n");
  return dir;
}

}  // namespace podwall::cli
