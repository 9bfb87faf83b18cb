#pragma once
// A small cluster compiled by the real compiler, for tests that need real tables: namespace
// shop with pods client, rogue and web (label app=<name>, container port http 80/TCP), and one
// policy, shop/web-from-client, under which web takes TCP `port` from app=client only.

#include <memory>

#include "control/compiler/compiler.h"
#include "dataplane/policy/tables.h"

namespace podwall::test {

inline const IpAddress kShopClient = *IpAddress::parse("198.18.2.10");
inline const IpAddress kShopWeb = *IpAddress::parse("198.18.2.20");
inline const IpAddress kShopRogue = *IpAddress::parse("198.18.2.30");

inline Pod shop_pod(const char* name, const IpAddress& address) {
  Pod p;
  p.namespace_name = "shop";
  p.name = name;
  p.labels = {{"app", name}};
  p.ports = {ContainerPort{"http", 80, Protocol::tcp}};
  p.addresses = {address};
  return p;
}

inline std::unique_ptr<PolicyTables> shop_tables_allowing_client_on(uint16_t port,
                                                                    uint64_t generation) {
  Cluster cluster;
  cluster.namespaces = {Namespace{"shop", {{"kubernetes.io/metadata.name", "shop"}}, {}}};
  cluster.pods = {shop_pod("client", kShopClient), shop_pod("rogue", kShopRogue),
                  shop_pod("web", kShopWeb)};
  NetworkPolicy policy;
  policy.namespace_name = "shop";
  policy.name = "web-from-client";
  policy.pod_selector.match_labels = {{"app", "web"}};
  policy.isolates_ingress = true;
  PolicyPeer peer;
  peer.pod_selector = LabelSelector{{{"app", "client"}}, {}};
  PolicyPort ports;
  ports.port = port;
  PolicyRule rule;
  rule.peers = {peer};
  rule.ports = {ports};
  policy.ingress = {rule};
  cluster.policies = {policy};
  auto tables = compile_policy(cluster);
  tables->generation = generation;
  return tables;
}

}  // namespace podwall::test
