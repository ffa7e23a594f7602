"""Leave-one-family-out (families.py) on the fake sources of make_fake_tables.make_manifest: what a
held-out family may not touch, and the figures of judge() worked out by hand.

Run: python -m pytest models/train/tests -q
"""

from __future__ import annotations

import copy
import json
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
from contract import HOST_EVIDENCE, HOST_FEATURES  # noqa: E402


@pytest.fixture(scope="module")
def tables_dir(tmp_path_factory) -> Path:
    return make_fake_tables.make_manifest(tmp_path_factory.mktemp("manifest"), seed=11)


@pytest.fixture()
def rows(tables_dir) -> families.HostRows:
    rows = families.load_host_rows(tables_dir, list(HOST_FEATURES), list(HOST_EVIDENCE))
    # One clean host of the scanner's normal day did something no other clean host did: the
    # threshold must rise above it, so that it is more than the grid's lowest value.
    clean_scanner_day = np.flatnonzero(rows.clean & (rows.frame.source == "normal-b").to_numpy())
    rows.features[clean_scanner_day[0], HOST_FEATURES.index("dns_unanswered")] = 100
    return rows


def test_reads_the_host_level_tables_of_the_manifest(tables_dir, rows):
    manifest = json.loads((tables_dir / "tables.json").read_text())
    host_level = [t for t in manifest["tables"] if t["host_level"]]
    assert len(rows.frame) == sum(t["rows"]["hosts"] for t in host_level) == len(rows.features)
    # The flow-only sample never enters the host rows.
    assert "sample" not in set(rows.frame.source)
    assert sorted(set(rows.frame.source)) == ["beacon-1", "normal-a", "normal-b", "normal-c", "scan-1", "spam-1"]
    assert rows.features.shape[1] == len(HOST_FEATURES) and rows.features.dtype == np.float32
    assert [HOST_FEATURES[c] for c in rows.evidence_columns] == list(HOST_EVIDENCE)
    by_source = rows.frame.groupby("source").fold.first().to_dict()
    assert by_source == {"beacon-1": "beaconer", "normal-a": "spambot", "normal-b": "scanner", "normal-c": "beaconer",
                         "scan-1": "scanner", "spam-1": "spambot"}
    assert set(rows.frame.view[rows.frame.source == "spam-1"]) == {"flowfile", "packets"}
    # Infected hosts' rows, acting or idle, are not clean.
    labels = rows.frame.host_label
    assert (rows.clean == ~labels.isin(["infected", "infected_idle"])).all()
    assert rows.acting.sum() > 0 and (rows.infected & ~rows.acting).sum() > 0


def test_families_at_hand_are_those_read_in_the_registry_order(rows):
    assert families.families_at_hand(rows, []) == ["beaconer", "scanner", "spambot"]
    assert families.families_at_hand(rows, ["menti", "spambot", "rbot"]) == ["spambot", "beaconer", "scanner"]


def references_as_lists(references):
    return [(r.name, r.column, r.knots.tolist(), r.scores.tolist(), r.reference_size, r.reference_max) for r in references]


def test_a_held_out_family_never_enters_the_reference_or_the_threshold(rows):
    folds = rows.frame.fold.to_numpy()
    held_out = folds == "spambot"
    training = ~held_out & pd.notna(folds)
    choice = families.choose_threshold(rows, training)
    references = families.fit_references(rows, training)
    assert choice.threshold > families.THRESHOLD_GRID[0]
    assert choice.training_fpr <= families.MAX_TRAINING_FPR

    # The held-out part's clean host-windows (its normal day's and the spam source's) turn extreme.
    extreme = copy.deepcopy(rows)
    held_out_clean = np.flatnonzero(held_out & rows.clean)
    assert len(held_out_clean) > 100
    extreme.features[np.ix_(held_out_clean, rows.evidence_columns)] = 1e6
    assert families.choose_threshold(extreme, training) == choice
    assert references_as_lists(families.fit_references(extreme, training)) == references_as_lists(references)

    # The protocol judges the family with that threshold and reference: the extreme clean rows
    # are held out, scored, and flagged.
    [result] = families.leave_one_family_out(extreme, ["spambot"], lambda message: None)
    assert result.threshold == choice
    assert result.held_out_sources == ["normal-a", "spam-1"]
    assert len(result.scored) == held_out.sum()
    clean_scored = result.scored[~result.scored.host_label.isin(["infected", "infected_idle"])]
    assert clean_scored.flagged.all()

    # Were they part of the training, both would change: the test above can fail.
    everything = pd.notna(folds)
    assert references_as_lists(families.fit_references(extreme, everything)) != references_as_lists(families.fit_references(rows, everything))
    assert families.choose_threshold(extreme, everything).threshold != families.choose_threshold(rows, everything).threshold


def test_each_family_is_caught_by_its_own_evidence(rows):
    results = families.leave_one_family_out(rows, families.families_at_hand(rows, []), lambda message: None)
    assert [r.family for r in results] == ["beaconer", "scanner", "spambot"]
    for result in results:
        acting = result.scored[result.scored.host_label == "infected"]
        assert len(acting) > 0
        # The bots of a family never seen in training show evidence past every clean host-window.
        assert set(acting.evidence) <= set(make_fake_tables.FAMILY_EVIDENCE[result.family]), result.family
        assert (result.scored.flagged == (result.scored.anomaly >= result.threshold.threshold)).all()
    table = families.family_table(results)
    # Each bot is above every clean host of its windows; most of its windows are flagged (the
    # threshold stays above the clean outlier of the scanner's normal day, which some spam
    # windows do not reach), and that outlier is the only false positive, in the scanner's test.
    assert [row["ranked_first_share"] for row in table] == [1.0, 1.0, 1.0]
    assert all(row["flagged_share"] >= 0.75 for row in table), [row["flagged_share"] for row in table]
    outlier = rows.frame.host[rows.features[:, HOST_FEATURES.index("dns_unanswered")] == 100].tolist()
    assert [(row["false_positives"], row["false_positive_hosts"]) for row in table] == [(0, []), (1, outlier), (0, [])]
    spambot = table[2]
    # Figures of the flow files; the rebuilt capture's apart.
    flowfile = results[2].scored[results[2].scored.view == "flowfile"]
    assert spambot["active_windows"] == int((flowfile.host_label == "infected").sum())
    assert spambot["flagged_share"] == float(flowfile[flowfile.host_label == "infected"].flagged.mean())
    assert "rebuilt_captures" in spambot and "rebuilt_captures" not in table[0]
    pooled = families.pooled(results)
    clean = pd.concat([r.scored[(r.scored.view == "flowfile") & ~r.scored.host_label.isin(["infected", "infected_idle"])] for r in results])
    assert pooled["clean_host_windows"] == len(clean)
    assert pooled["false_positives"] == int(clean.flagged.sum())


def test_judge_counts_by_hand():
    threshold = 4.5
    rows = [
        # input, window, host, label, anomaly, evidence
        ("a", 0, "bot1", "infected", 6.0, "smtp_servers"),
        ("a", 0, "clean1", "normal", 2.0, "dns_unanswered"),
        ("a", 0, "clean2", "unknown", 5.0, "beacon_contacts"),  # flagged: a false positive
        ("a", 150, "bot1", "infected", 3.0, "smtp_servers"),  # tied with clean1: not first
        ("a", 150, "clean1", "normal", 3.0, "dns_unanswered"),
        ("a", 150, "clean2", "unknown", 1.0, "beacon_contacts"),
        ("a", 300, "bot1", "infected_idle", 0.0, "smtp_servers"),  # idle: neither acting nor clean
        ("a", 300, "clean1", "normal", 0.0, "dns_unanswered"),
        ("b", 0, "bot2", "infected", 7.0, "scan_service_targets"),  # above the clean host, below bot3
        ("b", 0, "bot3", "infected", 8.0, "smtp_servers"),
        ("b", 0, "clean3", "normal", 1.0, "smtp_servers"),
        ("b", 150, "bot2", "infected", 4.5, "beacon_contacts"),  # alone in its window; at the threshold
    ]
    scored = pd.DataFrame(rows, columns=["input", "window_start_us", "host", "host_label", "anomaly", "evidence"])
    scored["flagged"] = scored.anomaly >= threshold
    figures = families.judge(scored)
    assert figures == {
        "active_windows": 5,
        "infected_hosts": ["bot1", "bot2", "bot3"],
        # first above every clean host of the window: a0, b0 (bot2), b0 (bot3), b150; not a150
        "ranked_first_share": 4 / 5,
        # first among all hosts: a0, b0 (bot3), b150; not a150 (tie), not b0 (bot2, under bot3)
        "ranked_first_among_all_lan_hosts_share": 3 / 5,
        "flagged_share": 4 / 5,
        "clean_host_windows": 6,
        "false_positives": 1,
        "false_positive_hosts": ["clean2"],
        "fpr": 1 / 6,
        "evidence_of_flagged": {"smtp_servers": 2, "scan_service_targets": 1, "beacon_contacts": 1},
    }
    # Nothing to judge: shares are None, not 0.
    empty = families.judge(scored[scored.host_label == "normal"])
    assert (empty["active_windows"], empty["ranked_first_share"], empty["flagged_share"]) == (0, None, None)
    assert (empty["clean_host_windows"], empty["false_positives"], empty["fpr"]) == (4, 0, 0.0)


def test_host_window_weights_count_a_long_lived_host_as_at_most_k_windows(monkeypatch):
    frame = pd.DataFrame({"source": ["s"] * 6, "view": ["flowfile"] * 6, "input": ["a"] * 6,
                          "host": ["10.0.0.1"] * 4 + ["10.0.0.2", "10.0.0.3"]})
    assert families.host_window_weights(frame) is None, "shipped: every host-window weighs 1"
    monkeypatch.setattr(families, "HOST_WINDOWS_COUNTED", 2)
    assert families.host_window_weights(frame).tolist() == [0.5, 0.5, 0.5, 0.5, 1.0, 1.0]
