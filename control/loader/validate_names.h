#pragma once
// The Kubernetes API server's name rules. Each check returns why the text is invalid, or
// nothing when it is valid; the caller adds the file position and field path.

#include <optional>
#include <string>
#include <string_view>

namespace podwall {

using NameProblem = std::optional<std::string>;

// RFC 1123 label: namespace names, container names.
NameProblem check_dns1123_label(std::string_view name);
// RFC 1123 subdomain: pod and NetworkPolicy names, label key prefixes.
NameProblem check_dns1123_subdomain(std::string_view name);
// "[prefix/]name": prefix a DNS subdomain, name at most 63 of [-_.A-Za-z0-9], alphanumeric ends.
NameProblem check_label_key(std::string_view key);
// At most 63 of [-_.A-Za-z0-9] with alphanumeric ends; empty is valid.
NameProblem check_label_value(std::string_view value);
// IANA_SVC_NAME (RFC 6335): named container ports and named ports in policies.
NameProblem check_iana_svc_name(std::string_view name);

}  // namespace podwall
