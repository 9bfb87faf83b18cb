// The API server's name rules and YAML 1.1 scalar typing.

#include <gtest/gtest.h>

#include "control/loader/validate_names.h"
#include "control/loader/yaml_scalar.h"

namespace podwall {
namespace {

TEST(Names, Dns1123Label) {
  for (const char* ok : {"a", "0", "a-b", "abc123", "1a"})
    EXPECT_FALSE(check_dns1123_label(ok)) << ok;
  for (const char* bad : {"", "-a", "a-", "A", "a_b", "a.b"})
    EXPECT_TRUE(check_dns1123_label(bad)) << bad;
  EXPECT_FALSE(check_dns1123_label(std::string(63, 'a')));
  EXPECT_TRUE(check_dns1123_label(std::string(64, 'a')));
}

TEST(Names, Dns1123Subdomain) {
  for (const char* ok : {"a", "a.b", "web-0.shop", "1.2.3"})
    EXPECT_FALSE(check_dns1123_subdomain(ok)) << ok;
  for (const char* bad : {"", ".a", "a.", "a..b", "a.-b", "A.b"})
    EXPECT_TRUE(check_dns1123_subdomain(bad)) << bad;
  std::string long_ok = std::string(63, 'a') + "." + std::string(63, 'b') + "." +
                        std::string(63, 'c') + "." + std::string(61, 'd');
  ASSERT_EQ(long_ok.size(), 253u);
  EXPECT_FALSE(check_dns1123_subdomain(long_ok));
  EXPECT_TRUE(check_dns1123_subdomain(long_ok + "d"));
}

TEST(Names, LabelKeysAndValues) {
  for (const char* ok :
       {"app", "App_1", "a.b-c", "example.com/app", "kubernetes.io/metadata.name", "x/Y"}) {
    EXPECT_FALSE(check_label_key(ok)) << ok;
  }
  for (const char* bad :
       {"", "/app", "example.com/", "a/b/c", "-app", "app-", "a b", "Example.com/app", "a..b/c"}) {
    EXPECT_TRUE(check_label_key(bad)) << bad;
  }
  EXPECT_FALSE(check_label_key(std::string(63, 'k')));
  EXPECT_TRUE(check_label_key(std::string(64, 'k')));
  EXPECT_TRUE(check_label_key(std::string(254, 'p') + "/k"));

  for (const char* ok : {"", "v", "V1.2_3-x", "1"}) EXPECT_FALSE(check_label_value(ok)) << ok;
  for (const char* bad : {"-v", "v-", "a b", "a/b", "_a"})
    EXPECT_TRUE(check_label_value(bad)) << bad;
  EXPECT_FALSE(check_label_value(std::string(63, 'v')));
  EXPECT_TRUE(check_label_value(std::string(64, 'v')));
}

TEST(Names, IanaServiceNames) {
  for (const char* ok : {"http", "h2c", "dns-tcp", "a", "x1", "123456789012345a"}) {
    EXPECT_EQ(check_iana_svc_name(ok).has_value(), std::string(ok).size() > 15) << ok;
  }
  for (const char* bad :
       {"", "HTTP", "80", "-http", "http-", "my--port", "web_port", "averyveryverylongname"}) {
    EXPECT_TRUE(check_iana_svc_name(bad)) << bad;
  }
}

TEST(Scalars, Yaml11Resolution) {
  EXPECT_EQ(resolve_scalar("?", "web"), ScalarKind::string);
  EXPECT_EQ(resolve_scalar("!", "1"), ScalarKind::string);
  EXPECT_EQ(resolve_scalar("tag:yaml.org,2002:str", "true"), ScalarKind::string);
  for (const char* b : {"true", "False", "yes", "NO", "on", "Off", "y", "N"}) {
    EXPECT_EQ(resolve_scalar("?", b), ScalarKind::boolean) << b;
  }
  for (const char* i : {"0", "80", "-1", "+5", "0x1F", "0o17", "017", "0b101", "1_000"}) {
    EXPECT_EQ(resolve_scalar("?", i), ScalarKind::integer) << i;
  }
  for (const char* f : {"1.5", "-0.5", "1e3", "08", ".inf", "-.Inf", ".nan", "1."}) {
    EXPECT_EQ(resolve_scalar("?", f), ScalarKind::floating) << f;
  }
  for (const char* n : {"", "~", "null", "NULL"})
    EXPECT_EQ(resolve_scalar("?", n), ScalarKind::null) << n;
  for (const char* s : {"v1", "1a", "0x", "1.2.3", "yess", "e3", "-", "."}) {
    EXPECT_EQ(resolve_scalar("?", s), ScalarKind::string) << s;
  }
  EXPECT_EQ(parse_yaml_int("0x50"), 80);
  EXPECT_EQ(parse_yaml_int("017"), 15);
  EXPECT_EQ(parse_yaml_int("-9223372036854775808"), INT64_MIN);
  EXPECT_FALSE(parse_yaml_int("9223372036854775808"));
}

}  // namespace
}  // namespace podwall
