#!/usr/bin/env python3
"""TEST HELPER ONLY: small synthetic flow and host tables that follow the contract.

The values are random, with botnet flows and infected hosts shifted in a few features so that
a model can learn something. Nothing here resembles real traffic; never train a shipped model
on these tables.

    python models/train/tests/make_fake_tables.py OUTDIR [--seed 7] [--scale 1.0]

writes OUTDIR/<input>.arrow and OUTDIR/<input>.hosts.arrow for each fake input, and
OUTDIR/schema.json as the Rust side would export it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.ipc as ipc

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from contract import FLOW_FEATURES, HOST_FEATURES, HOST_SCORE_AGGREGATES  # noqa: E402

STEP_US = 150_000_000

# input name -> (first window start (UTC), windows, normal hosts, infected hosts)
INPUTS = {
    "capture20110815.binetflow.gz": ("2011-08-15T12:00:00", 10, 6, 2),
    "capture20110816.binetflow.gz": ("2011-08-16T10:00:00", 12, 6, 1),
    "capture20110818-2.botnet.binetflow.gz": ("2011-08-18T13:45:00", 10, 5, 3),
    "benign-sample.binetflow.gz": (None, 0, 8, 0),  # windows on several days, see below
}
BENIGN_DAYS = ("2011-08-15", "2011-08-16", "2011-08-17", "2011-08-18")


def _us(iso: str) -> int:
    t = dt.datetime.fromisoformat(iso).replace(tzinfo=dt.timezone.utc)
    return int(t.timestamp()) * 1_000_000


def _window_starts(name: str, spec) -> list[int]:
    start, n, _, _ = spec
    if start is not None:
        return [_us(start) + k * STEP_US for k in range(n)]
    return [_us(f"{d}T09:00:00") + k * STEP_US for d in BENIGN_DAYS for k in range(4)]


def make_input(name: str, spec, rng: np.random.Generator, scale: float, lan_base: int, benign: bool):
    _, _, n_normal, n_infected = spec
    hosts = [f"147.32.{84 + lan_base}.{10 + i}" for i in range(n_normal + n_infected)]
    infected = set(hosts[n_normal:])
    outside = [f"{rng.integers(1, 223)}.{rng.integers(0, 255)}.{rng.integers(0, 255)}.{rng.integers(1, 254)}" for _ in range(40)]
    flow_cols = {k: [] for k in ("input", "window_start_us", "start_us", "src_addr", "dst_addr", "proto", "src_port", "dst_port", "src_is_lan", "dst_is_lan", "label", "flow_class")}
    flow_X = []
    host_cols = {k: [] for k in ("input", "window_start_us", "host", "host_label")}
    host_X = []
    for w in _window_starts(name, spec):
        active = set()
        for h in hosts:
            is_bot = h in infected
            n = int(rng.integers(3, 12) * scale) + 1
            for _ in range(n):
                bot_flow = is_bot and rng.random() < 0.6
                if rng.random() < 0.15:
                    # a LAN-to-LAN flow
                    dst = hosts[int(rng.integers(len(hosts)))]
                    dst_lan = True
                else:
                    dst = outside[int(rng.integers(len(outside)))]
                    dst_lan = False
                src, src_lan = h, True
                if rng.random() < 0.2 and not dst_lan:
                    src, dst, src_lan, dst_lan = dst, src, False, True  # received from outside
                active.update(a for a, lan in ((src, src_lan), (dst, dst_lan)) if lan)
                x = rng.normal(size=len(FLOW_FEATURES)).astype(np.float32)
                x[:6] = np.round(x[:6])  # some discrete-looking features
                if bot_flow:
                    x[8] += 2.5  # dst_port_is_smtp-ish
                    x[29] += 2.0  # dst_silent-ish
                    x[30] -= 1.5
                    label, cls = "flow=From-Botnet-V42-UDP-DNS", "botnet"
                elif benign:
                    label, cls = "flow=Benign-Sample", "normal"
                else:
                    r = rng.random()
                    label, cls = (("flow=Background", "background") if r < 0.7 else ("flow=To-Normal-V42-UDP-DNS", "normal") if r < 0.9 else ("", "unlabelled"))
                flow_cols["input"].append(name)
                flow_cols["window_start_us"].append(float(w))
                flow_cols["start_us"].append(float(w + int(rng.integers(0, 300_000_000))))
                flow_cols["src_addr"].append(src)
                flow_cols["dst_addr"].append(dst)
                flow_cols["proto"].append("udp" if rng.random() < 0.5 else "tcp")
                flow_cols["src_port"].append(int(rng.integers(1024, 65535)))
                flow_cols["dst_port"].append(int(rng.choice([25, 53, 80, 443, 6667])))
                flow_cols["src_is_lan"].append(src_lan)
                flow_cols["dst_is_lan"].append(dst_lan)
                flow_cols["label"].append(label)
                flow_cols["flow_class"].append(cls)
                flow_X.append(x)
        for h in hosts:
            if h not in active:
                continue
            x = rng.normal(size=len(HOST_FEATURES)).astype(np.float32)
            if h in infected:
                x[8] += 1.5
                x[24] += 1.0
            host_cols["input"].append(name)
            host_cols["window_start_us"].append(float(w))
            host_cols["host"].append(h)
            host_cols["host_label"].append("infected" if h in infected else ("normal" if benign or rng.random() < 0.3 else "unknown"))
            host_X.append(x)
    flow_X = np.array(flow_X, dtype=np.float32)
    host_X = np.array(host_X, dtype=np.float32)
    ftypes = {"input": pa.string(), "window_start_us": pa.float64(), "start_us": pa.float64(), "src_addr": pa.string(), "dst_addr": pa.string(), "proto": pa.string(),
              "src_port": pa.int32(), "dst_port": pa.int32(), "src_is_lan": pa.bool_(), "dst_is_lan": pa.bool_(), "label": pa.string(), "flow_class": pa.string()}
    flows = pa.table({**{k: pa.array(v, ftypes[k]) for k, v in flow_cols.items()}, **{n: pa.array(flow_X[:, j]) for j, n in enumerate(FLOW_FEATURES)}})
    htypes = {"input": pa.string(), "window_start_us": pa.float64(), "host": pa.string(), "host_label": pa.string()}
    hosts_t = pa.table({**{k: pa.array(v, htypes[k]) for k, v in host_cols.items()}, **{n: pa.array(host_X[:, j]) for j, n in enumerate(HOST_FEATURES)}})
    return flows, hosts_t


def write_ipc(table: pa.Table, path: Path) -> None:
    with pa.OSFile(str(path), "wb") as sink, ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)


def make_all(out: Path, seed: int = 7, scale: float = 1.0) -> dict[str, list[Path]]:
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    flows, hosts = [], []
    for i, (name, spec) in enumerate(INPUTS.items()):
        ft, ht = make_input(name, spec, rng, scale, i, benign=name.startswith("benign"))
        stem = name.removesuffix(".gz").removesuffix(".binetflow")
        fp, hp = out / f"{stem}.arrow", out / f"{stem}.hosts.arrow"
        write_ipc(ft, fp)
        write_ipc(ht, hp)
        flows.append(fp)
        hosts.append(hp)
    schema = {"version": 1, "flow": list(FLOW_FEATURES), "host": list(HOST_FEATURES), "hostScoreAggregates": list(HOST_SCORE_AGGREGATES)}
    (out / "schema.json").write_text(json.dumps(schema), encoding="utf-8")
    return {"flows": flows, "hosts": hosts, "schema": [out / "schema.json"]}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--scale", type=float, default=1.0, help="more (>1) or fewer flows per host and window")
    a = ap.parse_args()
    paths = make_all(Path(a.out), a.seed, a.scale)
    print(" ".join(["--flows", *map(str, paths["flows"]), "--hosts", *map(str, paths["hosts"]), "--schema", str(paths["schema"][0])]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
