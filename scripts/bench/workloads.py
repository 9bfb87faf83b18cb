"""The clusters under test and their flows: manifests, verdicts from `podwallctl eval`, pcaps.

Every flow of a workload is a pod-to-pod IPv4 TCP connection whose verdict comes from
`podwallctl eval` on the very manifests podwall loads (same compiler, same classify()), never
from a guess. "allowed" workloads hold only allowed flows; "half" workloads alternate allowed
and denied ones. Everything is cached under the work directory, keyed by its inputs.
"""

import os
import re
import subprocess

import pcapgen

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LAB = os.path.join(REPO, "config", "lab", "10-three-tier-zero-trust")
LAB_PORTS = (53, 80, 443, 5432, 8080, 9090, 9153)
FIRST_SPORT = 10000

# name -> (namespaces, pods, policies) of the synthetic cluster, or None for the lab.
CONFIGS = {
    "none": (1000, 100000, 0),
    "lab": None,
    "1k": (1000, 100000, 1000),
    "10k": (1000, 100000, 10000),
}


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, text=True, capture_output=True, **kw)


class Workloads:
    def __init__(self, build_dir: str, work_dir: str, flows: int = 10000, acks_per_flow: int = 3):
        self.build = build_dir
        self.work = work_dir
        self.flows = flows
        self.acks = acks_per_flow
        os.makedirs(work_dir, exist_ok=True)

    def tool(self, *parts):
        return os.path.join(self.build, *parts)

    def manifests(self, config: str) -> str:
        spec = CONFIGS[config]
        if spec is None:
            return LAB
        d = os.path.join(self.work, f"cluster-{config}")
        if not os.path.isfile(os.path.join(d, ".done")):
            os.makedirs(d, exist_ok=True)
            run([self.tool("tests", "bench", "synthetic_manifests_tool"), d, *map(str, spec),
                 "--flows", "60000", os.path.join(d, "candidates.txt")])
            open(os.path.join(d, ".done"), "w").close()
        return d

    def candidates(self, config: str):
        """(src, dst, dport) TCP IPv4 candidates for the cluster."""
        d = self.manifests(config)
        if config == "lab":
            text = open(os.path.join(LAB, "pods.yaml")).read()
            ips = re.findall(r"^\s*podIP:\s*([0-9.]+)\s*$", text, re.M)
            return [(s, t, p) for s in ips for t in ips if s != t for p in LAB_PORTS]
        out = []
        for line in open(os.path.join(d, "candidates.txt")):
            src, dst, proto, port = line.split()
            if proto == "tcp" and ":" not in src and int(port) > 0:
                out.append((src, dst, int(port)))
        return out

    def verdicts(self, config: str):
        """{(src, dst, dport): allowed} from podwallctl eval, cached."""
        cache = os.path.join(self.work, f"verdicts-{config}.txt")
        if not os.path.isfile(cache):
            cands = sorted(set(self.candidates(config)))
            stdin = "".join(f"{s} {d} tcp {p}\n" for s, d, p in cands)
            res = run([self.tool("control", "cli", "podwallctl"), "eval", "--manifests",
                       self.manifests(config)], input=stdin)
            lines = res.stdout.splitlines()
            if len(lines) != len(cands):
                raise RuntimeError(f"podwallctl eval: {len(lines)} answers for {len(cands)} flows")
            tmp = f"{cache}.{os.getpid()}.tmp"  # two runs may fill the cache at once
            with open(tmp, "w") as f:
                for (s, d, p), line in zip(cands, lines):
                    f.write(f"{s} {d} {p} {line.split()[-1]}\n")
            os.rename(tmp, cache)
        out = {}
        for line in open(cache):
            s, d, p, v = line.split()
            out[(s, d, int(p))] = v == "allow"
        return out

    def flow_set(self, config: str, mix: str):
        """`self.flows` distinct 5-tuples: all allowed, or alternating allowed/denied."""
        # "none" replays the 10k cluster's allowed flows: same pods, same packets, so the two
        # rates differ only by the policy.
        source = "10k" if config == "none" else config
        verdicts = self.verdicts(source)
        allowed = [k for k, v in sorted(verdicts.items()) if v]
        denied = [k for k, v in sorted(verdicts.items()) if not v]
        if not allowed or (mix == "half" and not denied):
            raise RuntimeError(f"{config}: no {'denied' if allowed else 'allowed'} TCP flows")
        flows = []
        for i in range(self.flows):
            want_denied = mix == "half" and i % 2 == 1
            pool = denied if want_denied else allowed
            s, d, p = pool[(i // (2 if mix == "half" else 1)) % len(pool)]
            # A distinct source port per flow keeps every 5-tuple distinct even when the
            # cluster has fewer allowed pod pairs than flows (the lab).
            flows.append(pcapgen.Flow(s, d, FIRST_SPORT + i, p, not want_denied))
        if config == "none":
            for f in flows:
                f.allowed = True
        return flows

    def pcap(self, config: str, mix: str, size: int):
        """(path, flows) of the workload's pcap, written once."""
        flows = self.flow_set(config, mix)
        source = "10k" if config == "none" else config
        path = os.path.join(self.work, f"{source}-{mix}-{size}B-{self.flows}f-{self.acks}a.pcap")
        if not os.path.isfile(path):
            pcapgen.write_pcap(path + ".tmp", flows, self.acks, size)
            os.rename(path + ".tmp", path)
        return path, flows
