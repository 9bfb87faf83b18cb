-- Helpers shared by podwall's pktgen-dpdk 23.x scripts: range setup, a timed phase that reads
-- the port counters before and after, and a summary table.

local M = {}

function M.banner(text)
    printf("\n==== %s ====\n", text)
end

-- Each field is {start, min, max, inc} as pktgen's range mode wants them.
function M.udp_range(port, r)
    pktgen.set_range(port, "off")
    pktgen.range.ip_proto(port, "udp")
    for _, f in ipairs({"src_ip", "dst_ip"}) do
        local v = r[f]
        pktgen.range[f](port, "start", v[1])
        pktgen.range[f](port, "min", v[2])
        pktgen.range[f](port, "max", v[3])
        pktgen.range[f](port, "inc", v[4])
    end
    for _, f in ipairs({"src_port", "dst_port"}) do
        local v = r[f]
        pktgen.range[f](port, "start", v[1])
        pktgen.range[f](port, "min", v[2])
        pktgen.range[f](port, "max", v[3])
        pktgen.range[f](port, "inc", v[4])
    end
    -- Locally administered MACs; podwall is a learning bridge, so the destination MAC only has
    -- to differ from every source MAC seen on the sending port.
    pktgen.range.src_mac(port, "start", "02:50:57:00:00:01")
    pktgen.range.dst_mac(port, "start", "02:50:57:00:00:02")
    pktgen.range.pkt_size(port, "start", r.size)
    pktgen.range.pkt_size(port, "min", r.size)
    pktgen.range.pkt_size(port, "max", r.size)
    pktgen.range.pkt_size(port, "inc", 0)
    pktgen.set_range(port, "on")
end

local function counters(port)
    local s = pktgen.portStats(port, "port")[tonumber(port)]
    return {tx = s.opackets, rx = s.ipackets}
end

-- Sends on `tx` at `rate` % for `seconds`, lets the pipe drain, and returns what `rx` got.
function M.run_phase(tx, rx, rate, seconds)
    pktgen.set(tx, "rate", rate)
    pktgen.clr()
    pktgen.delay(500)
    local before_tx, before_rx = counters(tx), counters(rx)
    pktgen.start(tx)
    pktgen.delay(seconds * 1000)
    pktgen.stop(tx)
    pktgen.delay(1000)
    local after_tx, after_rx = counters(tx), counters(rx)
    local sent = after_tx.tx - before_tx.tx
    local got = after_rx.rx - before_rx.rx
    return {tx = sent, rx = got, seconds = seconds}
end

function M.report(rows)
    printf("\n%-12s %14s %14s %10s %10s\n", "phase", "sent", "received", "tx Mpps", "loss %")
    for _, row in ipairs(rows) do
        local name, r = row[1], row[2]
        local loss = r.tx > 0 and 100 * (r.tx - r.rx) / r.tx or 0
        printf("%-12s %14d %14d %10.3f %10.2f\n", name, r.tx, r.rx, r.tx / r.seconds / 1e6, loss)
    end
end

return M
