#pragma once
// Port discovery and set-up: every port EAL probed joins the bridge, whatever its PMD
// (af_packet, af_xdp, tap, null, ring, pcap, memif, or a real NIC). Control thread only,
// before the workers start (set-up) and after they stopped (teardown).

#include <rte_ethdev.h>
#include <rte_mempool.h>

#include <cstdint>
#include <string>
#include <vector>

namespace podwall {

// What a port can do, read before the mempool exists (the mempool is sized from it).
struct PortPlan {
  uint16_t port_id = 0;
  std::string name;
  std::string iface;  // the kernel interface behind the port (its iface= argument), or ""
  std::string driver;
  uint16_t queues = 1;          // rx and tx queue pairs
  uint16_t rx_descriptors = 0;  // per queue, after the PMD's limits
  uint16_t tx_descriptors = 0;
  uint16_t mtu = RTE_ETHER_MTU;  // what we will ask for: min(wanted, the PMD's max)
  uint32_t max_frame = 0;        // largest frame that MTU implies, VLAN tags included
  uint64_t rss_hf = 0;           // RSS hash types to spread rx over queues (0: no RSS)
};

// Reads the port's capabilities and decides queues, descriptors and MTU. `queues` is how many
// queue pairs we would like; the plan holds what the PMD allows. Refuses a port id the bridge
// cannot address (above MacTable::kMaxPort).
bool plan_port(uint16_t port_id, uint16_t queues, uint16_t rx_descriptors, uint16_t tx_descriptors,
               uint32_t wanted_mtu, PortPlan& plan, std::string& error);

// Configures and starts the port: queues on `pool`, MTU (falling back to the PMD's default if
// the wanted one is refused), promiscuous mode (ENOTSUP ignored). Logs what it got. Updates
// plan.mtu with the MTU in force.
bool start_port(PortPlan& plan, rte_mempool* pool, std::string& error);

// Logs the link state of the port; returns true if the link is up.
bool log_link_state(uint16_t port_id);

// Stops the port (no more rx/tx); its queues keep their mbufs until close_port().
void stop_port(uint16_t port_id);
// Releases the port and the mbufs its queues hold. After stop_port(), before the mempool goes.
void close_port(uint16_t port_id);

}  // namespace podwall
