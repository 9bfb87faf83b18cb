// What a good manifest turns into: kinds, defaults, policyTypes inference and positions.

#include <gtest/gtest.h>

#include "test_util.h"

namespace podwall {
namespace {

FileLoad parse(const std::string& yaml) {
  return parse_manifest_file("m.yaml", yaml);
}

NetworkPolicy parse_policy(const std::string& spec_tail, std::vector<Diagnostic>* notes = nullptr) {
  FileLoad load = parse(
      "apiVersion: networking.k8s.io/v1\n"
      "kind: NetworkPolicy\n"
      "metadata: {name: p, namespace: shop}\n"
      "spec:\n"
      "  podSelector: {}\n" +
      spec_tail);
  EXPECT_TRUE(load.ok()) << test::dump(load.diagnostics);
  EXPECT_EQ(load.policies.size(), 1u);
  if (notes) *notes = load.diagnostics;
  return load.policies.empty() ? NetworkPolicy{} : load.policies[0];
}

TEST(Parse, BasicDirectory) {
  LoadResult r = load_directory(test::data_dir("basic"));
  ASSERT_TRUE(r.errors.empty()) << test::dump(r.errors);
  EXPECT_EQ(r.files_loaded, 4u);  // the hidden file and README.md are not read

  ASSERT_EQ(r.cluster.namespaces.size(), 2u);
  EXPECT_EQ(r.cluster.namespaces[0].name, "dev");
  EXPECT_EQ(r.cluster.namespaces[1].name, "prod");
  EXPECT_EQ(r.cluster.namespaces[1].labels,
            (Labels{{"kubernetes.io/metadata.name", "prod"}, {"team", "payments"}}));
  EXPECT_EQ(r.cluster.namespaces[1].pos.line, 3);
  EXPECT_TRUE(test::ends_with(r.cluster.namespaces[1].pos.file, "basic/namespaces.yaml"));

  ASSERT_EQ(r.cluster.pods.size(), 2u);
  const Pod& db = r.cluster.pods[0];
  const Pod& web = r.cluster.pods[1];
  EXPECT_EQ(db.name, "db-0");
  EXPECT_EQ(web.name, "web-0");
  EXPECT_EQ(web.labels.at("app.kubernetes.io/part-of"), "shop");
  ASSERT_EQ(web.ports.size(), 2u);
  EXPECT_EQ(web.ports[0].name, "http");
  EXPECT_EQ(web.ports[0].port, 8080);
  EXPECT_EQ(web.ports[0].protocol, Protocol::tcp);
  EXPECT_EQ(web.ports[1].name, "");
  EXPECT_EQ(web.ports[1].protocol, Protocol::udp);
  ASSERT_EQ(web.addresses.size(), 2u);  // podIP and podIPs[0] are one address
  EXPECT_EQ(web.addresses[0], *IpAddress::parse("198.18.0.10"));
  EXPECT_EQ(web.addresses[1], *IpAddress::parse("2001:db8::10"));
  EXPECT_EQ(web.pos.line, 5);  // the List item
  EXPECT_EQ(web.pos.column, 3);

  ASSERT_EQ(r.cluster.policies.size(), 1u);
  const NetworkPolicy& p = r.cluster.policies[0];
  EXPECT_EQ(p.qualified_name(), "prod/db-from-web");
  EXPECT_TRUE(p.isolates_ingress);
  EXPECT_FALSE(p.isolates_egress);
  EXPECT_EQ(p.pod_selector.match_labels, (Labels{{"app", "db"}}));
  ASSERT_EQ(p.ingress.size(), 1u);
  const PolicyRule& rule = p.ingress[0];
  ASSERT_EQ(rule.peers.size(), 3u);
  EXPECT_TRUE(rule.peers[0].pod_selector && !rule.peers[0].namespace_selector);
  ASSERT_TRUE(rule.peers[1].namespace_selector && rule.peers[1].pod_selector);
  EXPECT_TRUE(rule.peers[1].pod_selector->empty());
  const auto& req = rule.peers[1].namespace_selector->match_expressions.at(0);
  EXPECT_EQ(req.op, SelectorOp::in);
  EXPECT_EQ(req.values, (std::vector<std::string>{"audit", "payments"}));  // sorted, unique
  ASSERT_TRUE(rule.peers[2].ip_block);
  EXPECT_EQ(rule.peers[2].ip_block->cidr.to_string(), "198.18.0.0/15");
  EXPECT_EQ(rule.peers[2].ip_block->except.at(0).to_string(), "198.18.128.0/17");
  ASSERT_EQ(rule.ports.size(), 3u);
  EXPECT_EQ(rule.ports[0].protocol, Protocol::tcp);
  EXPECT_EQ(rule.ports[0].port, 5432);
  EXPECT_EQ(rule.ports[1].protocol, Protocol::udp);
  EXPECT_EQ(rule.ports[1].end_port, 2000);
  EXPECT_EQ(rule.ports[2].named_port, "http");
  EXPECT_FALSE(rule.ports[2].port);
  // Positions of rule and peers, from JSON with tab indentation (tabs count as one column).
  EXPECT_EQ(rule.pos.line, 8);
  EXPECT_EQ(rule.pos.column, 4);
  EXPECT_EQ(rule.peers[0].pos.line, 10);
  EXPECT_EQ(rule.peers[0].pos.column, 6);

  // Skipped kinds are notes, not errors.
  EXPECT_EQ(test::find(r.notes, "deployment.yaml", "skipped: kind Deployment is not used").size(),
            1u);
  EXPECT_EQ(test::find(r.notes, "deployment.yaml", "skipped: kind ConfigMap").size(), 1u);
  auto service = test::find(r.notes, "pods-list.yaml", "skipped: kind Service");
  ASSERT_EQ(service.size(), 1u);
  EXPECT_EQ(service[0].field, "items[2].kind");
}

TEST(Parse, EmptyFilesAndDocumentsAreFine) {
  for (const char* text : {"", "\n", "---\n", "---\n...\n---\n", "# just a comment\n", "null\n"}) {
    FileLoad load = parse(text);
    EXPECT_TRUE(load.ok()) << text << test::dump(load.diagnostics);
    EXPECT_TRUE(load.pods.empty() && load.namespaces.empty() && load.policies.empty());
  }
}

TEST(Parse, NamespaceDefaultsAndImpliedNamespaces) {
  test::TempDir dir;
  dir.write("pods.yaml",
            "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n---\n"
            "apiVersion: v1\nkind: Pod\nmetadata: {name: b, namespace: shop}\n");
  LoadResult r = load_directory(dir.path());
  ASSERT_TRUE(r.errors.empty()) << test::dump(r.errors);
  ASSERT_NE(test::find_object(r.cluster.pods, "default", "a"), nullptr);
  ASSERT_EQ(r.cluster.namespaces.size(), 2u);
  for (const Namespace& ns : r.cluster.namespaces) {
    EXPECT_EQ(ns.labels, (Labels{{"kubernetes.io/metadata.name", ns.name}}));
    EXPECT_TRUE(ns.pos.file.empty());  // implied, not from a manifest
  }
  EXPECT_EQ(r.cluster.namespaces[0].name, "default");
  EXPECT_EQ(r.cluster.namespaces[1].name, "shop");
}

TEST(Parse, NamespaceMetadataNameLabelIsAddedAndMayBeRepeated) {
  FileLoad load = parse(
      "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n"
      "  labels: {kubernetes.io/metadata.name: shop, tier: \"1\"}\n");
  ASSERT_TRUE(load.ok()) << test::dump(load.diagnostics);
  EXPECT_EQ(load.namespaces.at(0).labels,
            (Labels{{"kubernetes.io/metadata.name", "shop"}, {"tier", "1"}}));
}

TEST(Parse, PolicyTypesAbsentWithoutEgressIsIngressOnly) {
  NetworkPolicy p = parse_policy("");
  EXPECT_TRUE(p.isolates_ingress);
  EXPECT_FALSE(p.isolates_egress);
  EXPECT_TRUE(p.ingress.empty());  // isolated, no rule: deny all ingress
}

TEST(Parse, PolicyTypesAbsentWithEgressRulesAddsEgress) {
  NetworkPolicy p = parse_policy("  egress:\n  - to: [{ipBlock: {cidr: 198.18.0.0/16}}]\n");
  EXPECT_TRUE(p.isolates_ingress);
  EXPECT_TRUE(p.isolates_egress);
  ASSERT_EQ(p.egress.size(), 1u);
  EXPECT_EQ(p.egress[0].peers.size(), 1u);
}

TEST(Parse, PolicyTypesAbsentWithEmptyEgressDoesNotIsolateEgress) {
  NetworkPolicy p = parse_policy("  egress: []\n");
  EXPECT_TRUE(p.isolates_ingress);
  EXPECT_FALSE(p.isolates_egress);
}

TEST(Parse, PolicyTypesEmptyListMeansAbsent) {
  NetworkPolicy p = parse_policy("  policyTypes: []\n  egress: [{}]\n");
  EXPECT_TRUE(p.isolates_ingress);
  EXPECT_TRUE(p.isolates_egress);
}

TEST(Parse, ExplicitPolicyTypesIgnoreOtherSections) {
  std::vector<Diagnostic> notes;
  NetworkPolicy p = parse_policy(
      "  policyTypes: [Egress]\n"
      "  ingress:\n  - from: [{podSelector: {}}]\n"
      "  egress: []\n",
      &notes);
  EXPECT_FALSE(p.isolates_ingress);
  EXPECT_TRUE(p.isolates_egress);  // isolated with no rule: deny all egress
  EXPECT_TRUE(p.ingress.empty());
  EXPECT_TRUE(p.egress.empty());
  auto dropped = test::find(notes, "m.yaml", "policyTypes does not include Ingress");
  ASSERT_EQ(dropped.size(), 1u) << test::dump(notes);
  EXPECT_EQ(dropped[0].field, "spec.ingress");
  EXPECT_EQ(dropped[0].pos.line, 8);

  p = parse_policy("  policyTypes: [Ingress]\n  egress: [{}]\n");
  EXPECT_TRUE(p.isolates_ingress);
  EXPECT_FALSE(p.isolates_egress);
  EXPECT_TRUE(p.egress.empty());

  p = parse_policy("  policyTypes: [Egress, Ingress]\n");
  EXPECT_TRUE(p.isolates_ingress && p.isolates_egress);
}

TEST(Parse, AllowAllRuleAndNullRule) {
  NetworkPolicy p = parse_policy("  ingress: [{}]\n");
  ASSERT_EQ(p.ingress.size(), 1u);
  EXPECT_TRUE(p.ingress[0].peers.empty() && p.ingress[0].ports.empty());
  // A null list item decodes to an empty rule in Kubernetes too.
  p = parse_policy("  ingress:\n  -\n");
  ASSERT_EQ(p.ingress.size(), 1u);
  EXPECT_TRUE(p.ingress[0].peers.empty());
}

TEST(Parse, PositionsOfObjectRulePeer) {
  NetworkPolicy p = parse_policy(
      "  ingress:\n"
      "  - from:\n"
      "    - podSelector: {matchLabels: {app: web}}\n"
      "      namespaceSelector: {}\n");
  EXPECT_EQ(p.pos.to_string(), "m.yaml:1:1");
  ASSERT_EQ(p.ingress.size(), 1u);
  EXPECT_EQ(p.ingress[0].pos.to_string(), "m.yaml:7:5");
  ASSERT_EQ(p.ingress[0].peers.size(), 1u);
  EXPECT_EQ(p.ingress[0].peers[0].pos.to_string(), "m.yaml:8:7");
}

TEST(Parse, PodIpsDualStackAndDedupe) {
  FileLoad load = parse(
      "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nstatus:\n"
      "  podIP: 198.18.0.1\n  podIPs: [{ip: 198.18.0.1}, {ip: 'fd00::1'}]\n");
  ASSERT_TRUE(load.ok()) << test::dump(load.diagnostics);
  ASSERT_EQ(load.pods.at(0).addresses.size(), 2u);
  EXPECT_TRUE(load.pods[0].addresses[0].is_v4());
  EXPECT_FALSE(load.pods[0].addresses[1].is_v4());

  load = parse(
      "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nstatus:\n  podIPs: [{ip: 'fd00::1'}]\n");
  ASSERT_TRUE(load.ok());
  EXPECT_EQ(load.pods.at(0).addresses.size(), 1u);

  load = parse("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n");  // not on the wire yet
  ASSERT_TRUE(load.ok());
  EXPECT_TRUE(load.pods.at(0).addresses.empty());
}

TEST(Parse, FinishedAndHostNetworkPodsHaveNoAddress) {
  FileLoad load = parse(
      "apiVersion: v1\nkind: Pod\nmetadata: {name: done}\n"
      "status: {phase: Succeeded, podIP: 198.18.0.1}\n---\n"
      "apiVersion: v1\nkind: Pod\nmetadata: {name: host}\nspec: {hostNetwork: true}\n"
      "status: {phase: Running, podIP: 198.18.0.2}\n");
  ASSERT_TRUE(load.ok()) << test::dump(load.diagnostics);
  EXPECT_TRUE(load.pods.at(0).addresses.empty());
  EXPECT_TRUE(load.pods.at(1).addresses.empty());
  EXPECT_EQ(test::find(load.diagnostics, "m.yaml", "has finished").size(), 1u);
  EXPECT_EQ(test::find(load.diagnostics, "m.yaml", "hostNetwork pod").size(), 1u);
}

TEST(Parse, LabelValueTyping) {
  // Quoted and explicitly tagged scalars are strings; kubectl accepts them too.
  FileLoad load = parse(
      "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n"
      "  labels: {a: \"1\", b: '1.5', c: !!str true, d: v1.2, e: \"\", f: 1abc}\n");
  ASSERT_TRUE(load.ok()) << test::dump(load.diagnostics);
  EXPECT_EQ(
      load.pods.at(0).labels,
      (Labels{{"a", "1"}, {"b", "1.5"}, {"c", "true"}, {"d", "v1.2"}, {"e", ""}, {"f", "1abc"}}));
  // Unquoted numbers, booleans (YAML 1.1: on/off/yes/no too) are not.
  for (const char* value : {"1", "1.5", "0x1f", "true", "on", "No", "08", "1e3", ".inf"}) {
    load = parse(std::string("apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  labels: {a: ") +
                 value + "}\n");
    EXPECT_FALSE(load.ok()) << value;
    EXPECT_EQ(test::find(load.diagnostics, "m.yaml", "must be a string").size(), 1u) << value;
  }
}

TEST(Parse, TypedListItemsMayOmitKind) {
  FileLoad load = parse(
      "apiVersion: v1\nkind: PodList\nitems:\n- metadata: {name: a}\n- metadata: {name: b}\n");
  ASSERT_TRUE(load.ok()) << test::dump(load.diagnostics);
  EXPECT_EQ(load.pods.size(), 2u);
}

TEST(Parse, DiagnosticFormat) {
  FileLoad load = parse(
      "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p}\nspec:\n"
      "  podSelector: {}\n  ingress:\n  - ports: [{port: 0}]\n");
  ASSERT_EQ(load.diagnostics.size(), 1u);
  EXPECT_EQ(load.diagnostics[0].to_string(),
            "m.yaml:7:20: spec.ingress[0].ports[0].port: 0 is not a valid port: must be 1-65535");
  Diagnostic note{Diagnostic::Severity::note, SourcePos{"f.yaml", 2, 3}, "kind", "skipped"};
  EXPECT_EQ(note.to_string(), "f.yaml:2:3: note: kind: skipped");
  Diagnostic file_level{Diagnostic::Severity::error, SourcePos{"dir/f.yaml", 0, 0}, "",
                        "cannot open"};
  EXPECT_EQ(file_level.to_string(), "dir/f.yaml: cannot open");
}

}  // namespace
}  // namespace podwall
