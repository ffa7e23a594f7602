"""The trainer's host aggregates against the golden window that analyze (src/analysis/host-aggregates.ts)
is held to as well: test/fixtures/host-aggregates/golden.json."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

TRAIN_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(TRAIN_DIR))

import host_aggregates  # noqa: E402
from tables import Flows, Hosts  # noqa: E402

GOLDEN = json.loads((TRAIN_DIR.parents[1] / "test" / "fixtures" / "host-aggregates" / "golden.json").read_text())


def test_the_golden_window():
    hosts = GOLDEN["hosts"]
    addrs = sorted(set(hosts) | {f["src"] for f in GOLDEN["flows"]} | {f["dst"] for f in GOLDEN["flows"]})
    code = {a: i for i, a in enumerate(addrs)}
    n = len(GOLDEN["flows"])
    flows = Flows(
        input=np.zeros(n, np.int32),
        window_us=np.zeros(n, np.int64),
        src=np.array([code[f["src"]] for f in GOLDEN["flows"]], np.int32),
        dst=np.array([code[f["dst"]] for f in GOLDEN["flows"]], np.int32),
        src_is_lan=np.array([f["src"] in hosts for f in GOLDEN["flows"]]),
        dst_is_lan=np.array([f["dst"] in hosts for f in GOLDEN["flows"]]),
        flow_class=np.zeros(n, np.int8),
        X=np.zeros((n, 1), np.float32),
    )
    host_rows = Hosts(
        input=np.zeros(len(hosts), np.int32),
        window_us=np.zeros(len(hosts), np.int64),
        host=np.array([code[h] for h in hosts], np.int32),
        host_label=np.zeros(len(hosts), np.int8),
        X=np.zeros((len(hosts), 1), np.float32),
    )
    scores = np.array([f["score"] for f in GOLDEN["flows"]])
    agg = host_aggregates.compute(flows, host_rows, scores, GOLDEN["flow_threshold"], len(addrs))
    assert agg.unmatched_lan_ends == 0
    for i, host in enumerate(hosts):
        want = GOLDEN["expected"][host]
        got = agg.values[i]
        assert got[0] == pytest.approx(want["flow_score_max"], abs=1e-6), host
        assert got[1] == pytest.approx(want["flow_score_mean"], abs=1e-6), host
        assert got[2] == want["botnet_flows"], host
        assert got[3] == pytest.approx(want["botnet_flow_share"], abs=1e-6), host
        assert agg.flow_count[i] == want["flows"], host
