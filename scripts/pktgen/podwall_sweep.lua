-- pktgen-dpdk 23.x: frame-size sweep of allowed flows through podwall (64 to 1518 B), one
-- phase per size, loss and rate per size. Same topology and flows as podwall_flows.lua (the
-- allowed phase: config/lab/10-three-tier-zero-trust, shop pods -> kube-dns udp/53).
-- Environment: PW_SECONDS (per size, default 10), PW_RATE (% default 100)

package.path = package.path .. ";?.lua;scripts/pktgen/?.lua"
require "Pktgen"
local pw = require "podwall_common"

local seconds = tonumber(os.getenv("PW_SECONDS") or "10")
local rate = tonumber(os.getenv("PW_RATE") or "100")
local rows = {}

for _, size in ipairs({64, 128, 256, 512, 1024, 1280, 1518}) do
    pw.banner(string.format("podwall: %d B", size))
    pw.udp_range("0", {
        src_ip = {"198.18.10.10", "198.18.10.10", "198.18.10.11", "0.0.0.1"},
        dst_ip = {"198.18.10.53", "198.18.10.53", "198.18.10.53", "0.0.0.0"},
        src_port = {20000, 20000, 20999, 1},
        dst_port = {53, 53, 53, 0},
        size = size,
    })
    table.insert(rows, {string.format("%d B", size), pw.run_phase("0", "1", rate, seconds)})
end

pw.report(rows)
pktgen.quit()
