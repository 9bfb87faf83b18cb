// Input built to hurt: huge files, deep nesting, alias bombs, bad encodings, garbage. Each must
// end in a clear error, quickly, without a crash.

#include <gtest/gtest.h>

#include <chrono>
#include <random>

#include "control/loader/limits.h"
#include "control/loader/text_check.h"
#include "test_util.h"

namespace podwall {
namespace {

std::vector<Diagnostic> errors_of(const FileLoad& load) {
  std::vector<Diagnostic> out;
  for (const auto& d : load.diagnostics) {
    if (d.is_error()) out.push_back(d);
  }
  return out;
}

// The file fails with exactly one error containing `text`.
void expect_single_error(const FileLoad& load, const std::string& text) {
  auto errors = errors_of(load);
  ASSERT_EQ(errors.size(), 1u) << test::dump(load.diagnostics);
  EXPECT_NE(errors[0].message.find(text), std::string::npos) << errors[0].to_string();
  EXPECT_TRUE(load.pods.empty() && load.policies.empty() && load.namespaces.empty());
}

const std::string good_pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: ok, namespace: t}\n";

TEST(Hostile, HugeFileIsRefusedBeforeParsing) {
  std::string big = good_pod + "# " + std::string(max_manifest_bytes, 'x') + "\n";
  FileLoad load = parse_manifest_file("big.yaml", big);
  expect_single_error(load, "the limit is 16777216 bytes (16 MiB)");

  test::TempDir dir;
  dir.write("big.yaml", big);
  dir.write("ok.yaml", good_pod);
  LoadResult r = load_directory(dir.path());
  auto errors = test::find(r.errors, "/big.yaml", "16 MiB");
  ASSERT_EQ(errors.size(), 1u) << test::dump(r.errors);
  EXPECT_EQ(r.cluster.pods.size(), 1u);

  // Exactly at the limit is allowed.
  std::string at_limit = good_pod + "#";
  at_limit += std::string(max_manifest_bytes - at_limit.size() - 1, 'x') + "\n";
  ASSERT_EQ(at_limit.size(), max_manifest_bytes);
  load = parse_manifest_file("limit.yaml", at_limit);
  EXPECT_TRUE(load.ok()) << test::dump(load.diagnostics);
}

TEST(Hostile, DeepFlowNesting) {
  for (char open : {'[', '{'}) {
    FileLoad load = parse_manifest_file("deep.yaml", std::string(100000, open));
    expect_single_error(load, "nested deeper than 64 levels");
    EXPECT_EQ(errors_of(load)[0].pos.column, 65);
  }
  // 64 levels are fine (the file fails only for not being a manifest), 65 are not.
  FileLoad ok = parse_manifest_file("ok.yaml", std::string(64, '[') + std::string(64, ']'));
  expect_single_error(ok, "must be a mapping with apiVersion and kind");
  FileLoad deep = parse_manifest_file("deep.yaml", std::string(65, '[') + std::string(65, ']'));
  expect_single_error(deep, "nested deeper than 64 levels");
  // The same inside a real manifest, in block style.
  std::string annotations =
      good_pod + "spec:\n  x: " + std::string(62, '[') + std::string(62, ']') + "\n";
  FileLoad fits = parse_manifest_file("fits.yaml", annotations);
  EXPECT_TRUE(fits.ok()) << test::dump(fits.diagnostics);
}

TEST(Hostile, DeepNestingAfterByteOrderMark) {
  FileLoad load = parse_manifest_file("bom.json", "\xef\xbb\xbf" + std::string(100, '['));
  expect_single_error(load, "nested deeper than 64 levels");
  EXPECT_EQ(errors_of(load)[0].pos.column, 68);  // columns count bytes, the mark's three too
}

TEST(Hostile, DeepBlockNesting) {
  std::string dashes;
  for (int i = 0; i < 100000; ++i) dashes += "- ";
  expect_single_error(parse_manifest_file("dashes.yaml", dashes + "x\n"), "nested deeper than 64");

  std::string indented;
  for (int i = 0; i < 2000; ++i) indented += std::string(size_t(i), ' ') + "k:\n";
  expect_single_error(parse_manifest_file("indented.yaml", indented), "nested deeper than 64");
}

// Text the estimate reads as shallow (an unmatched quote in a plain scalar) still cannot
// reach a deep parse: yaml-cpp's own guard and the exact tree check stop it.
TEST(Hostile, NestingHiddenFromTheTextScan) {
  std::string sneaky =
      "a: foo\n  'bar\nb: " + std::string(1500, '[') + std::string(1500, ']') + "\n";
  FileLoad load = parse_manifest_file("sneaky.yaml", sneaky);
  EXPECT_FALSE(load.ok());
  ASSERT_FALSE(errors_of(load).empty());
  EXPECT_NE(errors_of(load)[0].message.find("nested"), std::string::npos)
      << test::dump(load.diagnostics);

  std::string sneaky_shallow =
      "a: foo\n  'bar\nb: " + std::string(100, '[') + std::string(100, ']') + "\n";
  load = parse_manifest_file("sneaky.yaml", sneaky_shallow);
  expect_single_error(load, "nested deeper than 64 levels");
}

TEST(Hostile, AliasBomb) {
  std::string yaml = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: bomb\n  annotations:\n";
  yaml += "    l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 10; ++i) {
    std::string prev = "*l" + std::to_string(i - 1);
    yaml += "    l" + std::to_string(i) + ": &l" + std::to_string(i) + " [";
    for (int j = 0; j < 10; ++j) yaml += (j ? ", " : "") + prev;
    yaml += "]\n";
  }
  auto start = std::chrono::steady_clock::now();
  FileLoad load = parse_manifest_file("bomb.yaml", yaml);
  auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  expect_single_error(load,
                      "more than 1000000 YAML nodes in this file, counting every use of an alias");
  EXPECT_LT(seconds, 20.0);
}

TEST(Hostile, TooManyNodesIsRefusedBeforeParsing) {
  std::string flat = "[";
  for (size_t i = 0; i <= max_nodes_per_file; ++i) flat += "1,";
  flat += "1]";
  auto start = std::chrono::steady_clock::now();
  expect_single_error(parse_manifest_file("flat.yaml", flat), "more than 1000000 YAML nodes");
  std::string docs;
  for (size_t i = 0; i <= max_nodes_per_file; ++i) docs += "---\n";
  expect_single_error(parse_manifest_file("docs.yaml", docs), "more than 1000000 YAML nodes");
  auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(seconds, 10.0);
}

// yaml-cpp's YAML::Node merges a document's whole node set into every node it is assigned to,
// so reading a mapping entry by entry through it took time quadratic in the document: 1,000
// labels took 3 seconds, 5,000 three minutes.
TEST(Hostile, WideMappingLoadsInLinearTime) {
  std::string yaml = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: wide\n  labels:\n";
  for (int i = 0; i < 5000; ++i) yaml += "    k" + std::to_string(i) + ": v\n";
  auto start = std::chrono::steady_clock::now();
  FileLoad load = parse_manifest_file("wide.yaml", yaml);
  auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(load.ok()) << test::dump(load.diagnostics);
  ASSERT_EQ(load.namespaces.size(), 1u);
  EXPECT_EQ(load.namespaces[0].labels.size(), 5001u);  // and kubernetes.io/metadata.name
  EXPECT_LT(seconds, 10.0);
}

// Duplicate keys are found the same way in small mappings and in large ones.
TEST(Hostile, DuplicateKeysInSmallAndLargeMappings) {
  for (int keys : {3, 15, 16, 500}) {
    std::string yaml = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: dupes\n  labels:\n";
    for (int i = 0; i < keys; ++i) yaml += "    k" + std::to_string(i) + ": v\n";
    yaml += "    k1: again\n";  // line keys + 6; the first k1 is on line 7
    FileLoad load = parse_manifest_file("dup.yaml", yaml);
    auto errors = errors_of(load);
    ASSERT_EQ(errors.size(), 1u) << keys << test::dump(load.diagnostics);
    EXPECT_EQ(errors[0].message, "duplicate key \"k1\" (first at line 7)");
    EXPECT_EQ(errors[0].field, "metadata.labels.k1");
    EXPECT_EQ(errors[0].pos.line, keys + 6);
    EXPECT_EQ(errors[0].pos.column, 5);
  }
}

TEST(Hostile, NonUtf8) {
  struct Case {
    std::string bytes;
    int line, column;
  };
  const Case cases[] = {
      {"\xff\xfe"
       "a\0p\0i\0",
       1, 1},                                 // UTF-16 with a BOM
      {good_pod + "  x: \xc0\xaf\n", 4, 6},   // overlong '/'
      {good_pod + "# \xed\xa0\x80\n", 4, 3},  // surrogate
      {good_pod + "# caf\xc3", 4, 6},         // cut off at the end
      {"a: \xf4\x90\x80\x80\n", 1, 4},        // past U+10FFFF
  };
  for (const Case& c : cases) {
    FileLoad load = parse_manifest_file("bin.yaml", c.bytes);
    expect_single_error(load, "invalid UTF-8 byte");
    EXPECT_EQ(errors_of(load)[0].pos.line, c.line);
    EXPECT_EQ(errors_of(load)[0].pos.column, c.column);
  }
  // Well-formed UTF-8 anywhere is fine, and a UTF-8 BOM too.
  FileLoad ok =
      parse_manifest_file("u.yaml", "\xef\xbb\xbf" + good_pod + "# caf\xc3\xa9 \xf0\x9f\x94\xa5\n");
  EXPECT_TRUE(ok.ok()) << test::dump(ok.diagnostics);
}

TEST(Hostile, NulByte) {
  FileLoad load = parse_manifest_file("nul.yaml", std::string("a: b\0c\n", 7));
  expect_single_error(load, "control character 0x00");
}

// A small in-process fuzz: mutations of a valid manifest must never crash or throw, and any
// file that fails must say where.
TEST(Hostile, MutatedManifestsNeverCrash) {
  const std::string seed =
      "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: t}\n"
      "spec:\n  podSelector: {matchLabels: {app: a}}\n  ingress:\n  - from:\n"
      "    - ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16]}\n    - podSelector: {}\n"
      "      namespaceSelector: {matchExpressions: [{key: k, operator: In, values: [v]}]}\n"
      "    ports: [{port: 80, endPort: 90}, {protocol: UDP, port: dns}]\n"
      "---\napiVersion: v1\nkind: Pod\nmetadata: {name: a, labels: {app: a}}\n"
      "spec: {containers: [{name: c, ports: [{name: dns, containerPort: 53, protocol: UDP}]}]}\n"
      "status: {podIP: 10.0.0.1, podIPs: [{ip: 10.0.0.1}, {ip: 'fd00::1'}]}\n";
  const char alphabet[] = "[]{}:-,'\"&*!|># \n\t0aZ\\";
  std::mt19937 rng(12345);
  for (int i = 0; i < 3000; ++i) {
    std::string text = seed;
    int edits = 1 + int(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      size_t at = rng() % text.size();
      switch (rng() % 3) {
        case 0:
          text[at] = alphabet[rng() % (sizeof alphabet - 1)];
          break;
        case 1:
          text.insert(at, 1, alphabet[rng() % (sizeof alphabet - 1)]);
          break;
        default:
          text.erase(at, 1 + rng() % 8);
      }
    }
    FileLoad load;
    ASSERT_NO_THROW(load = parse_manifest_file("fuzz.yaml", text)) << text;
    for (const auto& d : load.diagnostics) {
      ASSERT_GT(d.pos.line, 0) << d.to_string() << "\n" << text;
      ASSERT_GT(d.pos.column, 0) << d.to_string() << "\n" << text;
    }
  }
}

}  // namespace
}  // namespace podwall
