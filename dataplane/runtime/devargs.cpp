#include "dataplane/runtime/devargs.h"

namespace podwall {

std::string devargs_value(std::string_view args, std::string_view key) {
  while (!args.empty()) {
    const size_t comma = args.find(',');
    const std::string_view pair = args.substr(0, comma);
    const size_t equals = pair.find('=');
    if (equals != std::string_view::npos && pair.substr(0, equals) == key) {
      return std::string(pair.substr(equals + 1));
    }
    if (comma == std::string_view::npos) break;
    args.remove_prefix(comma + 1);
  }
  return {};
}

}  // namespace podwall
