"""The tried designs of variants.py: the host's earlier windows, sustained and onset evidence
worked out by hand on one host's windows, and each variant run through the protocol on the fake
sources of make_fake_tables.make_manifest.

Run: python -m pytest models/train/tests -q
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import families  # noqa: E402
import make_fake_tables  # noqa: E402
import variants  # noqa: E402
from contract import HOST_EVIDENCE, HOST_FEATURES  # noqa: E402

FLOOD = HOST_FEATURES.index("unanswered_pkts_one_target")
STEP = variants.STEP_US


def one_host(flood_per_window: dict[int, float], other_host_flood: float = 7.0) -> families.HostRows:
    """Host 10.0.0.1's windows (index -> flood evidence), windows absent from the dict missing,
    and one row of another host in window 1 (which must never count as 10.0.0.1's past)."""
    starts = sorted(flood_per_window)
    frame = pd.DataFrame({
        "input": ["a.pcap"] * (len(starts) + 1),
        "host": ["10.0.0.1"] * len(starts) + ["10.0.0.2"],
        "window_start_us": [s * STEP for s in starts] + [1 * STEP],
        "host_label": ["unknown"] * (len(starts) + 1),
    })
    features = np.zeros((len(frame), len(HOST_FEATURES)), dtype=np.float32)
    features[: len(starts), FLOOD] = [flood_per_window[s] for s in starts]
    features[len(starts), FLOOD] = other_host_flood
    columns = [HOST_FEATURES.index(name) for name in HOST_EVIDENCE]
    return families.HostRows(frame, features, list(HOST_EVIDENCE), columns)


def test_earlier_values_are_the_same_hosts_and_zero_where_absent():
    rows = one_host({0: 5, 1: 6, 3: 9})
    # window 0: nothing before; window 1: 5; window 3: window 2 absent (0); the other host: nothing.
    assert variants.earlier_values(rows, FLOOD, 1).tolist() == [0, 5, 0, 0]
    assert variants.earlier_values(rows, FLOOD, 2).tolist() == [0, 0, 6, 0]


def test_sustained_is_the_smallest_of_the_last_windows():
    rows = variants.sustained(one_host({0: 5, 1: 6, 2: 4, 3: 9}), 2)
    column = rows.evidence_columns[rows.evidence.index("unanswered_pkts_one_target over 2 windows")]
    # min(5, absent 0), min(6, 5), min(4, 6), min(9, 4); the other host has no window 0.
    assert rows.features[:, column].tolist() == [0, 5, 4, 4, 0]
    assert len(rows.evidence) == 2 * len(HOST_EVIDENCE)


def test_onset_counts_the_rise_above_the_last_windows():
    rows = variants.onset(one_host({0: 100, 1: 100, 2: 100, 3: 900, 5: 50}), 2, variants.FLOOD_EVIDENCE)
    # A steady stream counts in its first window only; a surge by its rise; after a gap, afresh.
    assert rows.features[:5, FLOOD].tolist() == [100, 0, 0, 800, 0]
    rows = variants.onset(one_host({0: 100, 5: 50}), 2, variants.FLOOD_EVIDENCE)
    assert rows.features[:2, FLOOD].tolist() == [100, 50]


@pytest.fixture(scope="module")
def fake_rows(tmp_path_factory) -> families.HostRows:
    tables = make_fake_tables.make_manifest(tmp_path_factory.mktemp("variants"), seed=11)
    return families.load_host_rows(tables, list(HOST_FEATURES), list(HOST_EVIDENCE))


def test_a_flag_is_held_while_the_anomaly_stays_above_the_floor_within_k_windows():
    # Host 1, windows 0..6: flagged in 1; 2 and 3 held (anomaly 3.5 and 3.0, each within 2
    # windows of a flag, held or not); 4 under the floor (2.0); 6 is 3 windows after the last
    # flag (3). Host 2 is never flagged: its anomaly 4.0 next to host 1's flags does not count.
    scored = pd.DataFrame({
        "input": ["a"] * 8 + ["b"],
        "host": ["1"] * 6 + ["2", "2", "1"],
        "window_start_us": [w * STEP for w in (0, 1, 2, 3, 4, 6, 1, 2, 2)],
        "anomaly": [3.9, 5.0, 3.5, 3.0, 2.0, 3.5, 4.0, 4.0, 4.0],
        "flagged": [False, True, False, False, False, False, False, False, False],
    }).sample(frac=1.0, random_state=3)
    held = variants.held(scored, 3.0, 2)
    assert held.index.equals(scored.index)
    expected = {("a", "1", 0): False, ("a", "1", 1): True, ("a", "1", 2): True, ("a", "1", 3): True, ("a", "1", 4): False,
                ("a", "1", 6): False, ("a", "2", 1): False, ("a", "2", 2): False, ("b", "1", 2): False}
    for index, row in scored.iterrows():
        assert held[index] == expected[(row.input, row.host, row.window_start_us // STEP)], (row.input, row.host, row.window_start_us)
    assert not variants.held(scored, 3.0, 0).drop(scored.index[scored.flagged]).any()


@pytest.mark.parametrize("name", ["shipped", "sustained-2", "hold-3.0-2", "onset-2", "onset-retries-2", "without-unanswered_pkts_one_target", "host-cap-2", "training-fpr-0.01", "joint-1.0"])
def test_each_variant_runs_the_protocol_and_restores_the_budget(fake_rows, name):
    outcome = variants.run_variant(fake_rows, name, lambda message: None)
    assert [row["family"] for row in outcome["families"]] == families.families_at_hand(fake_rows, variants.host_level_families())
    assert outcome["pooled"]["clean_host_windows"] > 0
    assert families.MAX_TRAINING_FPR == 0.0005 and families.HOST_WINDOWS_COUNTED is None
    assert families.anomaly.__module__ == "families" and families.fit_references.__module__ == "families"
    table = variants.markdown([outcome])
    assert table.splitlines()[2].startswith(f"| {name} |")


def test_without_leaves_one_evidence_out_of_the_anomaly():
    rows = one_host({0: 5000, 1: 6})
    varied = variants.without(rows, "unanswered_pkts_one_target")
    assert "unanswered_pkts_one_target" not in varied.evidence and len(varied.evidence) == len(HOST_EVIDENCE) - 1
    assert FLOOD not in varied.evidence_columns
    with pytest.raises(SystemExit, match="no evidence"):
        variants.without(rows, "loudness")


def test_a_larger_budget_never_raises_a_fold_threshold(fake_rows):
    strict = variants.run_variant(fake_rows, "shipped", lambda message: None)
    loose = variants.run_variant(fake_rows, "training-fpr-0.05", lambda message: None)
    for a, b in zip(strict["families"], loose["families"]):
        assert b["threshold"]["threshold"] <= a["threshold"]["threshold"]


def test_an_unknown_variant_is_refused(fake_rows):
    with pytest.raises(SystemExit, match="no variant"):
        variants.run_variant(fake_rows, "louder-bots", lambda message: None)


def test_joint_rarity_counts_clean_rows_at_or_above_the_host_on_every_unusual_evidence():
    clean = np.array([[5, 1, 0], [5, 0, 9], [1, 3, 0], [6, 2, 1]], dtype=np.float32)
    references = variants.JointReferences([], clean)
    evidence = np.array([[5, 1, 9], [5, 1, 9], [2, 2, 2]], dtype=np.float32)
    tails = np.array([[2.0, 2.0, 0.5], [2.0, 0.5, 0.5], [1.0, 1.0, 1.0]])
    joint = variants.joint_tails(references, evidence, tails, 1.0)
    # row 0: evidence 0 and 1 unusual; clean rows with >= 5 and >= 1: [5,1,0] and [6,2,1] -> 2.
    # row 1: one unusual evidence only -> no joint score.
    # row 2: all three unusual; clean rows >= 2 on each: none.
    assert joint[0] == pytest.approx(-np.log10(3 / 5))
    assert joint[1] == 0
    assert joint[2] == pytest.approx(-np.log10(1 / 5))
