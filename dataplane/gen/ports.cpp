#include "dataplane/gen/ports.h"

#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <thread>

namespace podwall::gen {

namespace {

constexpr uint16_t kDescriptors = 1024;
constexpr unsigned kMbufs = 16383;

std::string port_name(uint16_t port) {
  char name[RTE_ETH_NAME_MAX_LEN] = "?";
  rte_eth_dev_get_name_by_port(port, name);
  return name;
}

std::string probed_ports() {
  std::string list;
  uint16_t id;
  RTE_ETH_FOREACH_DEV(id) {
    list += " " + std::to_string(id) + "=" + port_name(id);
  }
  return list.empty() ? " none" : list;
}

bool start_port(uint16_t port, rte_mempool* pool, uint16_t max_frame, std::string& error) {
  const std::string name = "port " + std::to_string(port) + " (" + port_name(port) + ")";
  rte_eth_dev_info info{};
  int rc = rte_eth_dev_info_get(port, &info);
  if (rc != 0) {
    error = name + ": cannot read device info: " + std::strerror(-rc);
    return false;
  }
  rte_eth_conf conf{};
  // Ask for an MTU that carries the largest frame; PMDs that cannot set one keep their default.
  uint32_t mtu =
      std::max<uint32_t>(RTE_ETHER_MTU, max_frame - RTE_ETHER_HDR_LEN - RTE_ETHER_CRC_LEN);
  conf.rxmode.mtu = std::min<uint32_t>(mtu, info.max_mtu);
  rc = rte_eth_dev_configure(port, 1, 1, &conf);
  if (rc != 0) {
    conf.rxmode.mtu = 0;
    rc = rte_eth_dev_configure(port, 1, 1, &conf);
  }
  if (rc != 0) {
    error = name + ": configure failed: " + std::strerror(-rc);
    return false;
  }
  uint16_t rxd = kDescriptors, txd = kDescriptors;
  rte_eth_dev_adjust_nb_rx_tx_desc(port, &rxd, &txd);
  int socket = rte_eth_dev_socket_id(port);
  if ((rc = rte_eth_rx_queue_setup(port, 0, rxd, socket, nullptr, pool)) != 0 ||
      (rc = rte_eth_tx_queue_setup(port, 0, txd, socket, nullptr)) != 0) {
    error = name + ": queue setup failed: " + std::strerror(-rc);
    return false;
  }
  rte_eth_promiscuous_enable(port);  // ENOTSUP is fine: the PMD passes everything anyway
  if ((rc = rte_eth_dev_start(port)) != 0) {
    error = name + ": start failed: " + std::strerror(-rc);
    return false;
  }
  return true;
}

bool wait_link(uint16_t port, unsigned timeout_s, rte_eth_link& link) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  do {
    if (rte_eth_link_get_nowait(port, &link) == 0 && link.link_status == RTE_ETH_LINK_UP)
      return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  } while (std::chrono::steady_clock::now() < deadline);
  return false;
}

}  // namespace

bool open_ports(const GenOptions& options, uint16_t max_frame, GenPorts& ports,
                std::string& error) {
  uint16_t count = rte_eth_dev_count_avail();
  if (count == 0) {
    error =
        "no ports: give EAL the ports to use, e.g. --vdev net_memif0,role=server,"
        "socket=/tmp/pw-gen0.sock --vdev net_memif1,...";
    return false;
  }
  int rx = options.rx_port >= 0 ? options.rx_port : (count > 1 ? 1 : 0);
  for (auto [flag, id] : {std::pair{"--tx-port", options.tx_port}, {"--rx-port", rx}}) {
    if (!rte_eth_dev_is_valid_port(uint16_t(id))) {
      error = std::string(flag) + " " + std::to_string(id) + ": no such port; EAL probed" +
              probed_ports() + " (add a --vdev or a PCI device for it)";
      return false;
    }
  }
  ports.tx = uint16_t(options.tx_port);
  ports.rx = uint16_t(rx);
  uint32_t room = std::max<uint32_t>(RTE_MBUF_DEFAULT_BUF_SIZE, RTE_PKTMBUF_HEADROOM + max_frame);
  ports.pool =
      rte_pktmbuf_pool_create("podwall_gen", kMbufs, 256, 0, uint16_t(room), rte_socket_id());
  if (ports.pool == nullptr) {
    error = "cannot create the mempool (" + std::to_string(kMbufs) + " mbufs of " +
            std::to_string(room) + " B): " + rte_strerror(rte_errno) + "; give EAL more -m";
    return false;
  }
  if (!start_port(ports.tx, ports.pool, max_frame, error)) return false;
  if (ports.rx != ports.tx && !start_port(ports.rx, ports.pool, max_frame, error)) return false;
  for (uint16_t port : {ports.tx, ports.rx}) {
    rte_eth_link link{};
    if (!wait_link(port, options.link_timeout_s, link)) {
      error = "port " + std::to_string(port) + " (" + port_name(port) +
              "): link still down after " + std::to_string(options.link_timeout_s) +
              " s; is the peer (podwall, the other memif end, the cable) up?";
      return false;
    }
    if (port == ports.tx && link.link_speed != RTE_ETH_SPEED_NUM_NONE &&
        link.link_speed != RTE_ETH_SPEED_NUM_UNKNOWN)
      ports.tx_link_bps = uint64_t(link.link_speed) * 1'000'000;
  }
  return true;
}

void close_ports(GenPorts& ports) {
  for (uint16_t port : {ports.tx, ports.rx}) {
    rte_eth_dev_stop(port);
    rte_eth_dev_close(port);
    if (ports.rx == ports.tx) break;
  }
  if (ports.pool != nullptr) rte_mempool_free(ports.pool);
  ports.pool = nullptr;
}

}  // namespace podwall::gen
