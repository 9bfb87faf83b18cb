-- pktgen-dpdk 23.x: allowed and denied flows through podwall, one port each way.
--
-- Port 0 sends into podwall, port 1 receives what podwall lets through. The flows are those of
-- config/lab/10-three-tier-zero-trust (load that folder with podwall --manifests):
--   allowed: frontend and api (198.18.10.10-.11) -> kube-dns 198.18.10.53 UDP 53 (the DNS
--            rule every shop pod has);
--   denied:  the same pods -> db 198.18.10.12 UDP 53 (no rule opens it).
-- `podwallctl eval --manifests config/lab/10-three-tier-zero-trust` gives these verdicts.
-- UDP because any UDP datagram opens a conntrack entry, while pktgen's TCP frames carry ACK by
-- default and podwall only opens TCP flows on a pure SYN (an ACK-only flow is dropped as
-- no_flow, which would look like a policy drop).
--
-- Run (see README.md): pktgen ... -f scripts/pktgen/podwall_flows.lua
-- Environment: PW_SECONDS (per phase, default 10), PW_SIZE (default 64), PW_RATE (% default 100)

package.path = package.path .. ";?.lua;scripts/pktgen/?.lua"
require "Pktgen"
local pw = require "podwall_common"

local seconds = tonumber(os.getenv("PW_SECONDS") or "10")
local size = tonumber(os.getenv("PW_SIZE") or "64")
local rate = tonumber(os.getenv("PW_RATE") or "100")

-- Source pods 198.18.10.10-.11 (frontend, api), source ports 20000-20999: 2,000
-- distinct flows per phase.
local function flows(dst_ip)
    pw.udp_range("0", {
        src_ip = {"198.18.10.10", "198.18.10.10", "198.18.10.11", "0.0.0.1"},
        dst_ip = {dst_ip, dst_ip, dst_ip, "0.0.0.0"},
        src_port = {20000, 20000, 20999, 1},
        dst_port = {53, 53, 53, 0},
        size = size,
    })
end

pw.banner("podwall: allowed flows (shop pods -> kube-dns udp/53)")
flows("198.18.10.53")
local allowed = pw.run_phase("0", "1", rate, seconds)

pw.banner("podwall: denied flows (shop pods -> db udp/53)")
flows("198.18.10.12")
local denied = pw.run_phase("0", "1", rate, seconds)

pw.report({{"allowed", allowed}, {"denied", denied}})
if denied.rx > 0 then
    printf("FAIL: %d frames of denied flows came through\n", denied.rx)
end
pktgen.quit()
