// Every malformed manifest is reported at the exact node with the field path and a reason, and
// a good file next to it still loads.

#include <gtest/gtest.h>

#include "test_util.h"

namespace podwall {
namespace {

using test::TempDir;

struct BadCase {
  const char* name;
  std::string yaml;
  int line;
  int column;
  const char* field;
  const char* reason;  // a substring of the message
};

std::ostream& operator<<(std::ostream& os, const BadCase& c) {
  return os << c.name;
}

const std::string pod_head =
    "apiVersion: v1\n"
    "kind: Pod\n"
    "metadata:\n"
    "  name: web\n"
    "  namespace: shop\n";

const std::string policy_head =
    "apiVersion: networking.k8s.io/v1\n"
    "kind: NetworkPolicy\n"
    "metadata:\n"
    "  name: p\n"
    "  namespace: shop\n"
    "spec:\n"
    "  podSelector: {}\n";

// An ingress rule whose first peer is `peer` (lines 10+), for peer-level cases.
std::string policy_peer(const std::string& peer) {
  return policy_head + "  ingress:\n  - from:\n" + peer;  // peer starts on line 10
}

// An ingress rule whose first port is `port` (lines 10+).
std::string policy_port(const std::string& port) {
  return policy_head + "  ingress:\n  - ports:\n" + port;
}

std::string pod_with(const std::string& tail) {
  return pod_head + tail;
}

std::string namespace_with(const std::string& metadata_tail) {
  return "apiVersion: v1\nkind: Namespace\nmetadata:\n" + metadata_tail;
}

const std::vector<BadCase>& bad_cases() {
  static const std::vector<BadCase> cases = {
      // Names
      {"namespace_name_uppercase", namespace_with("  name: Bad_NS\n"), 4, 9, "metadata.name",
       "not a valid DNS-1123 label"},
      {"namespace_name_too_long", namespace_with("  name: " + std::string(64, 'a') + "\n"), 4, 9,
       "metadata.name", "at most 63 characters"},
      {"pod_name_empty_part", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web..1\n", 4, 9,
       "metadata.name", "not a valid DNS-1123 subdomain"},
      {"pod_name_missing", "apiVersion: v1\nkind: Pod\nmetadata:\n  labels: {}\n", 4, 3,
       "metadata.name", "required"},
      {"pod_name_number", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: 123\n", 4, 9,
       "metadata.name", "must be a string, not an integer"},
      {"pod_namespace_invalid",
       "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  namespace: Prod\n", 5, 14,
       "metadata.namespace", "not a valid DNS-1123 label"},
      {"policy_name_invalid",
       "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: -p\nspec:\n"
       "  podSelector: {}\n",
       4, 9, "metadata.name", "not a valid DNS-1123 subdomain"},
      // Labels
      {"label_key_leading_dash", pod_with("  labels:\n    -app: x\n"), 7, 5,
       "metadata.labels[-app]", "label key \"-app\" is invalid"},
      {"label_key_bad_prefix", pod_with("  labels:\n    Example.COM/app: x\n"), 7, 5,
       "metadata.labels[Example.COM/app]", "label key prefix"},
      {"label_key_two_slashes", pod_with("  labels:\n    a/b/c: x\n"), 7, 5,
       "metadata.labels[a/b/c]", "at most one '/'"},
      {"label_value_too_long", pod_with("  labels:\n    app: " + std::string(64, 'v') + "\n"), 7,
       10, "metadata.labels.app", "must be at most 63 characters"},
      {"label_value_bad_char", pod_with("  labels:\n    app: \"a b\"\n"), 7, 10,
       "metadata.labels.app", "label value \"a b\" is invalid"},
      {"label_value_int", pod_with("  labels:\n    app: 1\n"), 7, 10, "metadata.labels.app",
       "must be a string, not an integer"},
      {"label_value_bool", pod_with("  labels:\n    canary: yes\n"), 7, 13,
       "metadata.labels.canary", "must be a string, not a boolean"},
      {"labels_not_a_map", pod_with("  labels: [app]\n"), 6, 11, "metadata.labels",
       "must be a mapping, not a list"},
      {"namespace_name_label_mismatch",
       namespace_with("  name: shop\n  labels:\n    kubernetes.io/metadata.name: other\n"), 6, 34,
       "metadata.labels[kubernetes.io/metadata.name]", "must equal the namespace name"},
      // Selectors
      {"selector_in_without_values",
       policy_head + "  ingress:\n  - from:\n    - podSelector:\n        matchExpressions:\n"
                     "        - {key: app, operator: In, values: []}\n",
       12, 44, "spec.ingress[0].from[0].podSelector.matchExpressions[0].values",
       "must be non-empty when operator is In"},
      {"selector_exists_with_values",
       policy_head + "  ingress:\n  - from:\n    - podSelector:\n        matchExpressions:\n"
                     "        - {key: app, operator: Exists, values: [a]}\n",
       12, 48, "spec.ingress[0].from[0].podSelector.matchExpressions[0].values",
       "must be empty when operator is Exists"},
      {"selector_unknown_operator",
       policy_head + "  ingress:\n  - from:\n    - podSelector:\n        matchExpressions:\n"
                     "        - {key: app, operator: in, values: [a]}\n",
       12, 32, "spec.ingress[0].from[0].podSelector.matchExpressions[0].operator",
       "unknown operator \"in\""},
      {"selector_bad_value",
       policy_head + "  ingress:\n  - from:\n    - podSelector:\n        matchExpressions:\n"
                     "        - {key: app, operator: NotIn, values: [\"a b\"]}\n",
       12, 48, "spec.ingress[0].from[0].podSelector.matchExpressions[0].values[0]",
       "label value \"a b\" is invalid"},
      {"selector_match_labels_bad_key",
       policy_head +
           "  ingress:\n  - from:\n    - namespaceSelector:\n        matchLabels: {\"a b\": x}\n",
       11, 23, "spec.ingress[0].from[0].namespaceSelector.matchLabels[a b]",
       "label key \"a b\" is invalid"},
      // Policy spec
      {"policy_missing_pod_selector",
       "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: p\nspec:\n"
       "  policyTypes: [Ingress]\n",
       6, 3, "spec.podSelector", "required"},
      {"policy_type_unknown", policy_head + "  policyTypes: [Ingres]\n", 8, 17,
       "spec.policyTypes[0]", "unknown policy type \"Ingres\""},
      {"policy_type_duplicate", policy_head + "  policyTypes: [Ingress, Ingress]\n", 8, 26,
       "spec.policyTypes[1]", "duplicate policy type"},
      {"policy_ingress_not_list", policy_head + "  ingress: {from: []}\n", 8, 12, "spec.ingress",
       "must be a list, not a mapping"},
      {"policy_wrong_api_version",
       "apiVersion: extensions/v1beta1\nkind: NetworkPolicy\nmetadata:\n  name: p\nspec:\n"
       "  podSelector: {}\n",
       1, 13, "apiVersion", "must be apiVersion networking.k8s.io/v1"},
      // Peers
      {"ipblock_missing_cidr", policy_peer("    - ipBlock:\n        except: [10.1.0.0/24]\n"), 11,
       9, "spec.ingress[0].from[0].ipBlock.cidr", "required"},
      {"ipblock_bad_prefix", policy_peer("    - ipBlock:\n        cidr: 10.0.0.0/33\n"), 11, 15,
       "spec.ingress[0].from[0].ipBlock.cidr", "not a valid CIDR"},
      {"ipblock_except_outside",
       policy_peer("    - ipBlock:\n        cidr: 10.0.0.0/16\n        except: [10.1.0.0/24]\n"),
       12, 18, "spec.ingress[0].from[0].ipBlock.except[0]", "not strictly inside cidr 10.0.0.0/16"},
      {"ipblock_except_equal",
       policy_peer("    - ipBlock:\n        cidr: 10.0.0.0/16\n        except: [10.0.0.0/16]\n"),
       12, 18, "spec.ingress[0].from[0].ipBlock.except[0]", "not strictly inside"},
      {"ipblock_except_other_family",
       policy_peer("    - ipBlock:\n        cidr: 10.0.0.0/8\n        except: [\"fd00::/64\"]\n"),
       12, 18, "spec.ingress[0].from[0].ipBlock.except[0]", "not strictly inside"},
      {"ipblock_with_pod_selector",
       policy_peer("    - podSelector: {}\n      ipBlock: {cidr: 10.0.0.0/8}\n"), 11, 16,
       "spec.ingress[0].from[0].ipBlock", "cannot be combined"},
      {"peer_empty", policy_peer("    - {}\n"), 10, 7, "spec.ingress[0].from[0]",
       "must specify podSelector, namespaceSelector or ipBlock"},
      {"peer_not_a_map", policy_peer("    - 10.0.0.0/8\n"), 10, 7, "spec.ingress[0].from[0]",
       "must be a mapping, not a string"},
      // Ports
      {"port_zero", policy_port("    - port: 0\n"), 10, 13, "spec.ingress[0].ports[0].port",
       "must be 1-65535"},
      {"port_too_big", policy_port("    - port: 70000\n"), 10, 13, "spec.ingress[0].ports[0].port",
       "must be 1-65535"},
      {"port_name_uppercase", policy_port("    - port: HTTP\n"), 10, 13,
       "spec.ingress[0].ports[0].port", "lowercase letters, digits and '-'"},
      {"port_name_too_long", policy_port("    - port: averyveryverylongname\n"), 10, 13,
       "spec.ingress[0].ports[0].port", "at most 15 characters"},
      {"port_name_no_letter", policy_port("    - port: \"8080\"\n"), 10, 13,
       "spec.ingress[0].ports[0].port", "at least one letter"},
      {"port_name_double_dash", policy_port("    - port: my--port\n"), 10, 13,
       "spec.ingress[0].ports[0].port", "must not contain \"--\""},
      {"end_port_with_named_port", policy_port("    - port: http\n      endPort: 90\n"), 11, 16,
       "spec.ingress[0].ports[0].endPort", "cannot be used with a named port"},
      {"end_port_below_port", policy_port("    - port: 90\n      endPort: 80\n"), 11, 16,
       "spec.ingress[0].ports[0].endPort", "must be >= port 90"},
      {"end_port_without_port", policy_port("    - endPort: 80\n"), 10, 16,
       "spec.ingress[0].ports[0].endPort", "requires a numeric port"},
      {"protocol_lowercase", policy_port("    - protocol: tcp\n"), 10, 17,
       "spec.ingress[0].ports[0].protocol", "unsupported protocol \"tcp\""},
      {"ports_scalar", policy_head + "  ingress:\n  - ports: 80\n", 9, 12, "spec.ingress[0].ports",
       "must be a list, not an integer"},
      // Pods
      {"container_port_zero",
       pod_with("spec:\n  containers:\n  - name: c\n    ports:\n    - containerPort: 0\n"), 10, 22,
       "spec.containers[0].ports[0].containerPort", "must be 1-65535"},
      {"container_port_quoted",
       pod_with("spec:\n  containers:\n  - name: c\n    ports:\n    - containerPort: \"80\"\n"), 10,
       22, "spec.containers[0].ports[0].containerPort", "must be an integer, not a string"},
      {"container_port_missing",
       pod_with("spec:\n  containers:\n  - name: c\n    ports:\n    - name: http\n"), 10, 7,
       "spec.containers[0].ports[0].containerPort", "required"},
      {"container_port_name_duplicate",
       pod_with("spec:\n  containers:\n  - name: a\n    ports: [{name: http, containerPort: 80}]\n"
                "  - name: b\n    ports: [{name: http, containerPort: 81}]\n"),
       11, 20, "spec.containers[1].ports[0].name", "duplicate port name \"http\""},
      {"container_port_name_invalid",
       pod_with(
           "spec:\n  containers:\n  - name: c\n    ports: [{name: web_port, containerPort: 80}]\n"),
       9, 20, "spec.containers[0].ports[0].name", "may only contain lowercase letters"},
      {"pod_ip_invalid", pod_with("status:\n  podIP: 10.0.0.256\n"), 7, 10, "status.podIP",
       "not a valid IPv4 or IPv6 address"},
      {"pod_ip_leading_zero", pod_with("status:\n  podIP: 10.0.0.01\n"), 7, 10, "status.podIP",
       "not a valid IPv4 or IPv6 address"},
      {"pod_ip_not_in_pod_ips",
       pod_with("status:\n  podIP: 198.18.0.1\n  podIPs:\n  - ip: 198.18.0.2\n"), 7, 10,
       "status.podIP", "must be one of the addresses in status.podIPs"},
      {"pod_ips_two_ipv4", pod_with("status:\n  podIPs:\n  - ip: 198.18.0.1\n  - ip: 198.18.0.2\n"),
       9, 9, "status.podIPs[1].ip", "at most one address per IP family"},
      // Documents and YAML
      {"kind_missing", "apiVersion: v1\nmetadata:\n  name: x\n", 1, 1, "kind", "required"},
      {"kind_not_string", "apiVersion: v1\nkind: [Pod]\nmetadata:\n  name: x\n", 2, 7, "kind",
       "must be a string, not a list"},
      {"document_not_a_map", "- apiVersion: v1\n- kind: Pod\n", 1, 1, "",
       "must be a mapping with apiVersion and kind"},
      {"duplicate_key", pod_with("  name: web2\n"), 6, 3, "metadata.name",
       "duplicate key \"name\" (first at line 4)"},
      {"merge_key", pod_with("  labels:\n    <<: {app: x}\n"), 7, 5, "metadata.labels[<<]",
       "merge keys"},
      {"yaml_syntax", pod_with("  labels: [a, b\n"), 7, 1, "", "YAML syntax error"},
      // yaml-cpp alone loops forever on a ',' outside a flow collection (and grows without
      // bound): the loader reports it instead.
      {"stray_comma", ",\n", 1, 1, "", "YAML syntax error: unexpected ','"},
      {"stray_comma_after_flow_map", "{apiVersion: v1, kind: Pod},\n", 1, 28, "",
       "YAML syntax error: unexpected ','"},
      {"stray_comma_after_sequence", "- a\n,\n", 2, 1, "", "YAML syntax error: unexpected ','"},
      {"invalid_utf8", pod_with("  labels:\n    app: caf\xc3\n"), 7, 13, "",
       "invalid UTF-8 byte 0xC3"},
      {"control_character", pod_with("  labels:\n    app: a\x07z\n"), 7, 11, "",
       "control character 0x07"},
      {"nesting_too_deep", "a: " + std::string(100, '[') + "\n", 1, 67, "",
       "nested deeper than 64 levels"},
      {"same_pod_twice_in_file", pod_head + "---\n" + pod_head, 7, 1, "metadata.name",
       "Pod shop/web is defined twice in this file; first at "},
  };
  return cases;
}

const char* good_manifest =
    "apiVersion: v1\n"
    "kind: Namespace\n"
    "metadata:\n"
    "  name: shop\n"
    "---\n"
    "apiVersion: v1\n"
    "kind: Pod\n"
    "metadata:\n"
    "  name: good\n"
    "  namespace: shop\n"
    "  labels: {app: good}\n"
    "status:\n"
    "  podIP: 198.18.1.1\n"
    "---\n"
    "apiVersion: networking.k8s.io/v1\n"
    "kind: NetworkPolicy\n"
    "metadata:\n"
    "  name: good-policy\n"
    "  namespace: shop\n"
    "spec:\n"
    "  podSelector: {matchLabels: {app: good}}\n";

class BadInput : public ::testing::TestWithParam<BadCase> {};

TEST_P(BadInput, ReportsExactPlaceAndKeepsGoodFile) {
  const BadCase& c = GetParam();
  TempDir dir;
  dir.write("good.yaml", good_manifest);
  dir.write("bad.yaml", c.yaml);
  LoadResult result = load_directory(dir.path());

  auto errors = test::find(result.errors, "/bad.yaml");
  ASSERT_EQ(errors.size(), 1u) << "errors:\n" << test::dump(result.errors);
  const Diagnostic& e = errors[0];
  EXPECT_EQ(e.pos.line, c.line) << e.to_string();
  EXPECT_EQ(e.pos.column, c.column) << e.to_string();
  EXPECT_EQ(e.field, c.field) << e.to_string();
  EXPECT_NE(e.message.find(c.reason), std::string::npos) << e.to_string();
  EXPECT_EQ(e.pos.file, dir.file("bad.yaml"));

  // The bad file contributes nothing; the good one loads fully.
  EXPECT_TRUE(test::find(result.errors, "/good.yaml").empty()) << test::dump(result.errors);
  EXPECT_EQ(result.files_loaded, 1u);
  EXPECT_NE(test::find_object(result.cluster.pods, "shop", "good"), nullptr);
  EXPECT_NE(test::find_object(result.cluster.policies, "shop", "good-policy"), nullptr);
  ASSERT_NE(test::find_namespace(result.cluster, "shop"), nullptr);
  EXPECT_EQ(result.cluster.pods.size(), 1u);
  EXPECT_EQ(result.cluster.policies.size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Loader, BadInput, ::testing::ValuesIn(bad_cases()),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(BadInput, TableIsLargeEnough) {
  EXPECT_GE(bad_cases().size(), 35u);
}

// One file with several independent mistakes reports all of them, not just the first.
TEST(BadInput, ReportsEveryErrorInAFile) {
  std::string yaml = policy_head +
                     "  policyTypes: [Ingres]\n"
                     "  ingress:\n"
                     "  - ports:\n"
                     "    - port: 0\n"
                     "    - protocol: icmp\n"
                     "---\n" +
                     pod_with("  labels: {app: 1}\n");
  FileLoad load = parse_manifest_file("multi.yaml", yaml);
  EXPECT_FALSE(load.ok());
  std::vector<std::string> fields;
  for (const auto& d : load.diagnostics) {
    if (d.is_error()) fields.push_back(d.field);
  }
  EXPECT_EQ(fields,
            (std::vector<std::string>{"spec.policyTypes[0]", "spec.ingress[0].ports[0].port",
                                      "spec.ingress[0].ports[1].protocol", "metadata.labels.app"}))
      << test::dump(load.diagnostics);
}

}  // namespace
}  // namespace podwall
