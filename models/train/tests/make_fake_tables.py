#!/usr/bin/env python3
"""TEST HELPER ONLY: small synthetic flow and host tables that follow the contract.

The values are random, with botnet flows shifted in a few features and infected hosts showing
large values of some evidence features, so that a model can learn something. Nothing here
resembles real traffic; never train a shipped model on these tables.

    python models/train/tests/make_fake_tables.py OUTDIR [--seed 7] [--scale 1.0] [--manifest]

writes OUTDIR/<input>.arrow and OUTDIR/<input>.hosts.arrow for each fake input, and
OUTDIR/schema.json as the Rust side would export it. With --manifest, it writes instead the
tables of fake sources as make_tables.py does (``source``, ``family`` and ``view`` columns, and
OUTDIR/tables.json), for train.py's manifest mode and the leave-one-family-out protocol.
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

from contract import FLOW_FEATURES, HOST_EVIDENCE, HOST_FEATURES, HOST_SCORE_AGGREGATES, SCHEMA_VERSION  # noqa: E402

STEP_US = 150_000_000

# input name -> (first window start (UTC), windows, normal hosts, infected hosts)
INPUTS = {
    "capture20110815.binetflow.gz": ("2011-08-15T12:00:00", 10, 6, 2),
    "capture20110816.binetflow.gz": ("2011-08-16T10:00:00", 12, 6, 1),
    "capture20110818-2.botnet.binetflow.gz": ("2011-08-18T13:45:00", 10, 5, 3),
    "benign-sample.binetflow.gz": (None, 0, 8, 0),  # windows on several days, see below
}
BENIGN_DAYS = ("2011-08-15", "2011-08-16", "2011-08-17", "2011-08-18")
# What infected hosts of the fake inputs do: the evidence features they show far past clean hosts.
BOT_EVIDENCE = ("smtp_servers", "scan_service_targets")
HOST_COLUMN = {name: j for j, name in enumerate(HOST_FEATURES)}


def host_features(rng: np.random.Generator, evidence: tuple[str, ...] = ()) -> np.ndarray:
    """One host-window's features: activity counts, a little evidence now and then (as clean
    hosts show), and large values of ``evidence`` (as a bot shows)."""
    x = np.zeros(len(HOST_FEATURES), dtype=np.float32)
    for name in HOST_FEATURES:
        if name not in HOST_EVIDENCE:
            x[HOST_COLUMN[name]] = rng.poisson(12)
    for name in HOST_EVIDENCE:
        if rng.random() < 0.1:
            x[HOST_COLUMN[name]] = rng.geometric(0.5)
    for name in evidence:
        x[HOST_COLUMN[name]] = rng.integers(40, 400)
    return x


def _us(iso: str) -> int:
    t = dt.datetime.fromisoformat(iso).replace(tzinfo=dt.timezone.utc)
    return int(t.timestamp()) * 1_000_000


def _window_starts(name: str, spec) -> list[int]:
    start, n, _, _ = spec
    if start is not None:
        return [_us(start) + k * STEP_US for k in range(n)]
    return [_us(f"{d}T09:00:00") + k * STEP_US for d in BENIGN_DAYS for k in range(4)]


def make_input(name: str, spec, rng: np.random.Generator, scale: float, lan_base: int, benign: bool,
               bot_evidence: tuple[str, ...] = BOT_EVIDENCE, idle: float = 0.0):
    """The flow and host tables of one fake input. Infected hosts act (botnet flows, evidence)
    in each window but, with probability ``idle``, a window where they only do what clean hosts do."""
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
        idle_now = {h for h in infected if rng.random() < idle}
        for h in hosts:
            is_bot = h in infected and h not in idle_now
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
            acting = h in infected and h not in idle_now
            host_cols["input"].append(name)
            host_cols["window_start_us"].append(float(w))
            host_cols["host"].append(h)
            label = "infected" if acting else "infected_idle" if h in infected else "normal" if benign or rng.random() < 0.3 else "unknown"
            host_cols["host_label"].append(label)
            host_X.append(host_features(rng, bot_evidence if acting else ()))
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
    write_schema(out / "schema.json")
    return {"flows": flows, "hosts": hosts, "schema": [out / "schema.json"]}


def write_schema(path: Path) -> None:
    """The schema as `flowhound models --schema` exports it (names, descriptions, evidence flags)."""
    def spec(name, evidence=False):
        return {"name": name, "description": f"fake {name}", "evidence": evidence}

    schema = {
        "version": SCHEMA_VERSION,
        "flow": [spec(n) for n in FLOW_FEATURES],
        "host": [spec(n, n in HOST_EVIDENCE) for n in HOST_FEATURES],
        "host_score_aggregates": [spec(n) for n in HOST_SCORE_AGGREGATES],
    }
    path.write_text(json.dumps(schema), encoding="utf-8")


# Fake sources for the manifest (make_tables.py's tables.json): name -> (family, held out with
# (normal sources), host level, views, (first window, windows, normal hosts, infected hosts)).
# Three families, each with its own evidence; a normal day held out with each; one family seen
# in two views of the same traffic (a flow file and the capture rebuilt from it); one flow-only
# sample whose host rows say nothing.
FAMILY_EVIDENCE = {
    "spambot": ("smtp_servers", "unanswered_pkts_one_target"),
    "scanner": ("scan_service_targets", "failed_retries_one_service"),
    "beaconer": ("beacon_contacts", "conns_one_outside_service"),
}
SOURCES = {
    "spam-1": ("spambot", None, True, ("flowfile", "packets"), ("2012-03-01T10:00:00", 12, 10, 1)),
    "scan-1": ("scanner", None, True, ("flowfile",), ("2012-03-02T10:00:00", 12, 10, 2)),
    "beacon-1": ("beaconer", None, True, ("flowfile",), ("2012-03-03T10:00:00", 12, 10, 1)),
    "normal-a": ("normal", "spambot", True, ("flowfile",), ("2012-03-04T10:00:00", 10, 10, 0)),
    "normal-b": ("normal", "scanner", True, ("flowfile",), ("2012-03-05T10:00:00", 10, 10, 0)),
    "normal-c": ("normal", "beaconer", True, ("flowfile",), ("2012-03-06T10:00:00", 10, 10, 0)),
    "sample": ("normal", None, False, ("flowfile",), ("2012-03-07T10:00:00", 4, 8, 0)),
}


def tag(table: pa.Table, **columns: str) -> pa.Table:
    for name, value in columns.items():
        table = table.append_column(name, pa.array([value] * table.num_rows, pa.string()))
    return table


def make_manifest(out: Path, seed: int = 11, scale: float = 1.0) -> Path:
    """The tables of SOURCES and their tables.json, as make_tables.py writes them; returns OUTDIR."""
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    entries = []
    for i, (source, (family, held_out_with, host_level, views, spec)) in enumerate(SOURCES.items()):
        infected = [f"147.32.{84 + i}.{10 + k}" for k in range(spec[2], spec[2] + spec[3])]  # make_input's addresses
        evidence = FAMILY_EVIDENCE.get(family, ())
        view_tables = {}
        for view in views:
            if view == "packets":
                # The same traffic as the flow file, under the rebuilt capture's name.
                flows, hosts = view_tables["flowfile"]
                rename = lambda t: t.set_column(t.column_names.index("input"), "input", pa.array([f"{source}.pcap"] * t.num_rows, pa.string()))  # noqa: E731
                view_tables[view] = (rename(flows), rename(hosts))
            else:
                view_tables[view] = make_input(f"{source}.binetflow", spec, rng, scale, i, benign=family == "normal",
                                               bot_evidence=evidence, idle=0.2)
        for view, (flows, hosts) in view_tables.items():
            flows_path, hosts_path = out / f"{source}.{view}.arrow", out / f"{source}.{view}.hosts.arrow"
            write_ipc(tag(flows, source=source, family=family, view=view), flows_path)
            write_ipc(tag(hosts, source=source, family=family, view=view), hosts_path)
            entries.append({"flows": flows_path.name, "hosts": hosts_path.name, "source": source, "family": family, "view": view,
                            "host_level": host_level, "fold": held_out_with if family == "normal" else family,
                            "infected": infected, "rows": {"flows": flows.num_rows, "hosts": hosts.num_rows}})
    manifest = {"data": "fake: make_fake_tables.py make_manifest", "tables": sorted(entries, key=lambda t: (t["source"], t["view"]))}
    (out / "tables.json").write_text(json.dumps(manifest, indent=2) + "\n")
    write_schema(out / "schema.json")
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--scale", type=float, default=1.0, help="more (>1) or fewer flows per host and window")
    ap.add_argument("--manifest", action="store_true", help="the tables of fake sources with tables.json (train.py --tables OUTDIR)")
    a = ap.parse_args()
    if a.manifest:
        print(f"--tables {make_manifest(Path(a.out), a.seed, a.scale)}")
        return 0
    paths = make_all(Path(a.out), a.seed, a.scale)
    print(" ".join(["--flows", *map(str, paths["flows"]), "--hosts", *map(str, paths["hosts"]), "--schema", str(paths["schema"][0])]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
