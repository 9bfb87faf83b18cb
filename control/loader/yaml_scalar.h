#pragma once
// How Kubernetes' YAML decoder (YAML 1.1 rules) would type a scalar, so that podwall accepts
// and rejects exactly what kubectl does.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace podwall {

enum class ScalarKind { string, null, boolean, integer, floating };

// `tag` is yaml-cpp's Node::Tag(): "?" for plain scalars, "!" for quoted ones, or an explicit
// tag. Plain scalars resolve by their text; quoted ones are strings.
ScalarKind resolve_scalar(std::string_view tag, std::string_view text);

// The value of a scalar that resolved as an integer (decimal, 0x, 0o, 0b, 0-leading octal,
// '_' separators); nullopt when it does not fit in int64.
std::optional<int64_t> parse_yaml_int(std::string_view text);
std::optional<bool> parse_yaml_bool(std::string_view text);

}  // namespace podwall
