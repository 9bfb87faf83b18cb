#include "dataplane/runtime/ports.h"

#include <rte_dev.h>
#include <rte_devargs.h>

#include <algorithm>
#include <cstring>

#include "dataplane/runtime/devargs.h"
#include "dataplane/runtime/log.h"
#include "dataplane/runtime/mac_table.h"

namespace podwall {

namespace {

// Ethernet header + CRC + two VLAN tags (QinQ): the frame a given MTU implies.
constexpr uint32_t kFrameOverhead = RTE_ETHER_HDR_LEN + RTE_ETHER_CRC_LEN + 2 * 4;

std::string errno_text(int rc) {
  return std::strerror(rc < 0 ? -rc : rc);
}

}  // namespace

bool plan_port(uint16_t port_id, uint16_t queues, uint16_t rx_descriptors, uint16_t tx_descriptors,
               uint32_t wanted_mtu, PortPlan& plan, std::string& error) {
  // DPDK's RTE_MAX_ETHPORTS keeps port ids far below the bridge's limit in any usual build;
  // a build that raised it past the limit fails here rather than misforwarding.
  if (port_id > MacTable::kMaxPort) {
    error = "port " + std::to_string(port_id) + ": the bridge addresses ports 0.." +
            std::to_string(MacTable::kMaxPort) + " only (DPDK built with a larger max_ethports?)";
    return false;
  }
  rte_eth_dev_info info{};
  int rc = rte_eth_dev_info_get(port_id, &info);
  if (rc != 0) {
    error = "port " + std::to_string(port_id) + ": cannot read device info: " + errno_text(rc);
    return false;
  }
  char name[RTE_ETH_NAME_MAX_LEN] = {};
  rte_eth_dev_get_name_by_port(port_id, name);
  plan.port_id = port_id;
  plan.name = name;
  if (info.device != nullptr) {
    const rte_devargs* args = rte_dev_devargs(info.device);
    if (args != nullptr && args->args != nullptr) plan.iface = devargs_value(args->args, "iface");
  }
  plan.driver = info.driver_name ? info.driver_name : "?";
  plan.queues = std::max<uint16_t>(
      1, std::min<uint16_t>(queues, std::min(info.max_rx_queues, info.max_tx_queues)));
  plan.rx_descriptors = rx_descriptors;
  plan.tx_descriptors = tx_descriptors;
  rc = rte_eth_dev_adjust_nb_rx_tx_desc(port_id, &plan.rx_descriptors, &plan.tx_descriptors);
  if (rc != 0) {
    error = "port " + plan.name + ": cannot fit descriptor counts: " + errno_text(rc);
    return false;
  }
  // With several rx queues, let the PMD spread frames by RSS where it can. Which queue a frame
  // lands on does not matter for correctness: the workers re-dispatch by flow (flow_owner.h).
  if (plan.queues > 1)
    plan.rss_hf =
        info.flow_type_rss_offloads & (RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP);
  uint32_t mtu = std::min<uint32_t>(wanted_mtu, info.max_mtu);
  // Some PMDs report max_mtu = UINT16_MAX but a smaller max_rx_pktlen; honour both.
  if (info.max_rx_pktlen > kFrameOverhead)
    mtu = std::min<uint32_t>(mtu, info.max_rx_pktlen - RTE_ETHER_HDR_LEN - RTE_ETHER_CRC_LEN);
  mtu = std::max<uint32_t>(mtu, std::min<uint32_t>(RTE_ETHER_MTU, info.max_mtu));
  plan.mtu = static_cast<uint16_t>(mtu);
  plan.max_frame = mtu + kFrameOverhead;
  return true;
}

bool start_port(PortPlan& plan, rte_mempool* pool, std::string& error) {
  const uint16_t port = plan.port_id;
  rte_eth_conf conf{};
  conf.rxmode.mtu = plan.mtu;
  if (plan.rss_hf != 0) {
    conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
    conf.rx_adv_conf.rss_conf.rss_hf = plan.rss_hf;
  }
  int rc = rte_eth_dev_configure(port, plan.queues, plan.queues, &conf);
  if (rc != 0 && plan.rss_hf != 0) {
    // RSS only spreads load; the workers re-dispatch by flow anyway. Do without it.
    PW_LOG(port, WARNING, "%s: RSS refused (%s), queues get frames as the PMD deals them\n",
           plan.name.c_str(), errno_text(rc).c_str());
    plan.rss_hf = 0;
    conf.rxmode.mq_mode = RTE_ETH_MQ_RX_NONE;
    conf.rx_adv_conf.rss_conf.rss_hf = 0;
    rc = rte_eth_dev_configure(port, plan.queues, plan.queues, &conf);
  }
  if (rc != 0 && plan.mtu != RTE_ETHER_MTU) {
    PW_LOG(port, WARNING, "%s: MTU %u refused (%s), falling back to the PMD default\n",
           plan.name.c_str(), plan.mtu, errno_text(rc).c_str());
    conf.rxmode.mtu = 0;  // the PMD's default
    rc = rte_eth_dev_configure(port, plan.queues, plan.queues, &conf);
  }
  if (rc != 0) {
    error = "port " + plan.name + ": configure failed: " + errno_text(rc);
    return false;
  }
  int socket = rte_eth_dev_socket_id(port);
  if (socket < 0) socket = SOCKET_ID_ANY;
  for (uint16_t q = 0; q < plan.queues; ++q) {
    rc = rte_eth_rx_queue_setup(port, q, plan.rx_descriptors, socket, nullptr, pool);
    if (rc != 0) {
      error = "port " + plan.name + ": rx queue " + std::to_string(q) + ": " + errno_text(rc);
      return false;
    }
    rc = rte_eth_tx_queue_setup(port, q, plan.tx_descriptors, socket, nullptr);
    if (rc != 0) {
      error = "port " + plan.name + ": tx queue " + std::to_string(q) + ": " + errno_text(rc);
      return false;
    }
  }
  rc = rte_eth_dev_start(port);
  if (rc != 0) {
    error = "port " + plan.name + ": start failed: " + errno_text(rc);
    return false;
  }
  // A transparent bridge must see frames for every MAC, not just the port's own.
  rc = rte_eth_promiscuous_enable(port);
  if (rc != 0 && rc != -ENOTSUP) {
    PW_LOG(port, WARNING, "%s: promiscuous mode failed: %s\n", plan.name.c_str(),
           errno_text(rc).c_str());
  }
  uint16_t mtu = 0;
  if (rte_eth_dev_get_mtu(port, &mtu) == 0) plan.mtu = mtu;
  const std::string iface = plan.iface.empty() ? "" : ", iface " + plan.iface;
  PW_LOG(port, INFO,
         "%s (port %u, %s%s): %u queue pair(s), %u/%u rx/tx descriptors, MTU %u, "
         "promiscuous %s\n",
         plan.name.c_str(), port, plan.driver.c_str(), iface.c_str(), plan.queues,
         plan.rx_descriptors, plan.tx_descriptors, plan.mtu,
         rte_eth_promiscuous_get(port) == 1 ? "on" : "off");
  return true;
}

bool log_link_state(uint16_t port_id) {
  rte_eth_link link{};
  if (rte_eth_link_get_nowait(port_id, &link) != 0) {
    PW_LOG(port, INFO, "port %u: link state unknown\n", port_id);
    return false;
  }
  if (link.link_status == RTE_ETH_LINK_UP) {
    PW_LOG(port, INFO, "port %u: link up, %u Mbps, %s-duplex\n", port_id, link.link_speed,
           link.link_duplex == RTE_ETH_LINK_FULL_DUPLEX ? "full" : "half");
  } else {
    PW_LOG(port, INFO, "port %u: link down\n", port_id);
  }
  return link.link_status == RTE_ETH_LINK_UP;
}

void stop_port(uint16_t port_id) {
  int rc = rte_eth_dev_stop(port_id);
  if (rc != 0) PW_LOG(port, WARNING, "port %u: stop: %s\n", port_id, errno_text(rc).c_str());
}

void close_port(uint16_t port_id) {
  rte_eth_dev_close(port_id);
}

}  // namespace podwall
