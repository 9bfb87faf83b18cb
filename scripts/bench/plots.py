#!/usr/bin/python3
"""PNG plots of a run_all.sh result directory (matplotlib from Debian's python3-matplotlib):
Mpps vs policy count, ratio to testpmd vs frame size, end-to-end latency percentiles, new
flows/s vs policy count, and podwall vs rte_acl classification rate.

  scripts/bench/plots.py RESULT_DIR
"""

import csv
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

POLICIES = {"none": 0, "lab": 5, "1k": 1000, "10k": 10000}  # lab 10 has 5 policies


def rows(path):
    if not os.path.isfile(path):
        return []
    with open(path) as f:
        return list(csv.DictReader(f))


def save(fig, out, name):
    fig.tight_layout()
    fig.savefig(os.path.join(out, name), dpi=110)
    plt.close(fig)
    print(f"plots: {os.path.join(out, name)}")


def forwarding(out, data, note):
    allowed = [r for r in data if r["mix"] == "allowed"]
    if not allowed:
        return
    fig, ax = plt.subplots(figsize=(7, 4.2))
    for size in sorted({int(r["frame"]) for r in allowed}):
        pts = sorted((POLICIES[r["config"]], float(r["mpps"]), float(r["testpmd_mpps"]))
                     for r in allowed if int(r["frame"]) == size and r["config"] != "lab")
        if not pts:
            continue
        line, = ax.plot([max(p[0], 1) for p in pts], [p[1] for p in pts], "o-",
                        label=f"podwall {size} B")
        ax.plot([max(p[0], 1) for p in pts], [p[2] for p in pts], "x--", color=line.get_color(),
                alpha=0.5, label=f"testpmd {size} B (same run)")
    ax.set_xscale("log")
    ax.set_xlabel("policies over 100,000 pods (none plotted at 1)")
    ax.set_ylabel("Mpps (one worker core)")
    ax.set_title("Forwarding rate vs policy count, pcap -> null, all flows allowed\n" + note,
                 fontsize=9)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    save(fig, out, "mpps_vs_policies.png")

    fig, ax = plt.subplots(figsize=(7, 4.2))
    for config in ("none", "lab", "1k", "10k"):
        pts = sorted((int(r["frame"]), float(r["ratio"])) for r in allowed if r["config"] == config)
        if pts:
            ax.plot([p[0] for p in pts], [p[1] for p in pts], "o-", label=f"podwall {config}")
    ax.axhline(0.70, color="red", ls=":", lw=1, label="target 64 B (0.70)")
    ax.axhline(0.95, color="orange", ls=":", lw=1, label="target 1500 B (0.95)")
    ax.set_xlabel("frame size (B)")
    ax.set_ylabel("rate / testpmd io rate")
    ax.set_ylim(0, 1.05)
    ax.set_title("Ratio to testpmd vs frame size (same ports, packets, core)\n" + note, fontsize=9)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    save(fig, out, "ratio_vs_frame.png")


def latency(out, data, note):
    if not data:
        return
    fig, ax = plt.subplots(figsize=(7, 4.2))
    labels = [f"{r['config']}\n{r['size']} B" for r in data]
    x = range(len(data))
    width = 0.27
    for i, (key, name) in enumerate((("lat_p50_ns", "p50"), ("lat_p99_ns", "p99"),
                                     ("lat_max_ns", "max"))):
        ax.bar([v + (i - 1) * width for v in x], [int(r[key]) / 1e3 for r in data], width,
               label=name)
    ax.set_xticks(list(x))
    ax.set_xticklabels(labels, fontsize=8)
    ax.set_yscale("log")
    ax.set_ylabel("latency (us), at the zero-loss rate")
    ax.set_title("podwall-gen -> podwall -> podwall-gen over memif\n" + note, fontsize=9)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3, axis="y")
    save(fig, out, "latency.png")


def new_flows(out, data, note):
    if not data:
        return
    fig, ax = plt.subplots(figsize=(7, 4.2))
    ax.plot([int(r["policies"]) for r in data], [float(r["flows_per_s"]) / 1e6 for r in data], "o-")
    ax.set_xscale("log")
    ax.set_xlabel("policies over 100,000 pods")
    ax.set_ylabel("million new flows / s (one core)")
    ax.set_ylim(bottom=0)
    ax.set_title("New flows per second (every frame classified)\n" + note, fontsize=9)
    ax.grid(alpha=0.3)
    save(fig, out, "new_flows.png")


def acl(out, data, note):
    if not data:
        return
    fig, axes = plt.subplots(1, 2, figsize=(9, 4))
    n = [int(r["rules"]) for r in data]
    axes[0].plot(n, [float(r["pw_mcps"]) for r in data], "o-", label="podwall classify()")
    if all(r.get("pw_batch_mcps") for r in data):
        axes[0].plot(n, [float(r["pw_batch_mcps"]) for r in data], "^-",
                     label="podwall classify_burst()")
    axes[0].plot(n, [float(r["acl_mcps"]) for r in data], "s-", label="rte_acl")
    axes[0].set_ylabel("million classifications / s")
    axes[1].plot(n, [float(r["pw_build_s"]) for r in data], "o-", label="podwall compile")
    axes[1].plot(n, [float(r["acl_build_s"]) for r in data], "s-", label="rte_acl build")
    axes[1].set_ylabel("seconds")
    axes[1].set_yscale("log")
    for ax in axes:
        ax.set_xscale("log")
        ax.set_xlabel("expanded ACL rules")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle("Same policies: podwall's classifier vs DPDK ACL\n" + note, fontsize=9)
    save(fig, out, "acl.png")


def main():
    out = sys.argv[1]
    note = open(os.path.join(out, "machine.txt")).read().strip() if os.path.isfile(
        os.path.join(out, "machine.txt")) else ""
    forwarding(out, rows(os.path.join(out, "forwarding.csv")), note)
    latency(out, rows(os.path.join(out, "e2e.csv")), note)
    new_flows(out, rows(os.path.join(out, "new_flows.csv")), note)
    acl(out, rows(os.path.join(out, "acl.csv")), note)


if __name__ == "__main__":
    main()
