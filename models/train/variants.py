#!/usr/bin/env python3
"""Designs of the host anomaly model that were tried, judged by the leave-one-family-out protocol.

Each variant changes one thing of the shipped design (families.py, anomaly.py) and is run
through the same protocol on the same tables, so that its table can be set beside the shipped
model's: held-out family by family, the share of active windows flagged and the false positives
over the held-out clean host-windows. Nothing here is exported; a variant that holds up is
moved into the model, with its card.

    python models/train/variants.py --tables /tmp/tables [--variant NAME ...] [--json OUT]

The variants:

- ``shipped``: the model as trained by train.py (the largest tail score of the ten evidence).
- ``sustained-K``: adds, per evidence, the smallest value of the host's last K windows (windows
  it is absent from count 0), with its own clean reference: behaviour kept up over K windows,
  which a clean host's bursts rarely are.
- ``onset-K``: the flood evidence (packets a target never answers) replaced by how far it rises
  above the host's largest value of its previous K windows: a steady stream to one address (a
  campus's one-way feeds) stops counting after its first window; a flood counts when it starts.
- ``onset-retries-K``: the same, for failed retries against one service as well.
- ``without-EVIDENCE``: one evidence left out (e.g. ``without-unanswered_pkts_one_target``:
  floods judged by failed attempts to one service alone, so that one long one-way stream, a
  camera's video or a syslog feed or what an asymmetric mirror port shows, is no flood).
- ``joint-T``: beside the rarest single evidence, the rarity of the host's evidence taken
  together: among the clean reference host-windows, how many reach at least the host's value on
  every evidence where the host is itself somewhat unusual (tail score at least T, e.g. 1.0),
  scored like one evidence. Two or three moderately rare things at once (an IRC connection and a
  flood; unanswered DNS and failed retries) may be rarer than each alone, where clean hosts'
  evidence comes in correlated pairs.
- ``host-cap-K``: in the clean reference, a host with more than K windows in its input counts as
  K (its windows weigh K over their number): one long-lived clean host's habit, seen in every
  window, no longer makes that behaviour look common.
- ``hold-A-K``: a host flagged in one of its last K windows stays flagged while its anomaly is at
  least A (e.g. ``hold-3.0-2``: 1 clean host-window in 1,000, over the next 300 s), as an alert
  is held while what raised it goes on; the threshold stays the fold's. No clean host is flagged
  that was not flagged before; a flagged one is flagged longer.
- ``training-fpr-X``: the threshold rule's budget on the training part's clean host-windows
  changed from 0.05% to X (e.g. 0.001, 0.002): whether the threshold, rather than the evidence, is what
  leaves families unflagged.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

import families  # noqa: E402
from contract import HOST_EVIDENCE, HOST_FEATURES  # noqa: E402
from families import HostRows, load_host_rows  # noqa: E402
from sources import host_level_families  # noqa: E402

# The windows' step, as the native core writes the tables (flow/options.rs: 150 s).
STEP_US = 150_000_000
FLOOD_EVIDENCE = ("unanswered_pkts_one_target",)
RETRY_EVIDENCE = ("failed_retries_one_service",)
DEFAULT_VARIANTS = ("shipped", "sustained-3", "onset-2", "onset-retries-2", "host-cap-8", "training-fpr-0.001", "training-fpr-0.002")


def earlier_values(rows: HostRows, column: int, windows_back: int) -> np.ndarray:
    """The host's value of ``column`` ``windows_back`` steps earlier in the same input (0 where
    the host had no row then)."""
    frame = rows.frame
    key = frame.input.astype(str) + "|" + frame.host.astype(str)
    starts = frame.window_start_us.to_numpy().astype(np.int64)
    position = pd.Series(np.arange(len(frame)), index=pd.MultiIndex.from_arrays([key, starts]))
    earlier = position.reindex(pd.MultiIndex.from_arrays([key, starts - windows_back * STEP_US])).to_numpy()
    present = ~np.isnan(earlier)
    values = np.zeros(len(frame), dtype=np.float32)
    values[present] = rows.features[earlier[present].astype(int), column]
    return values


def sustained(rows: HostRows, windows: int) -> HostRows:
    extra, names, columns = [], list(rows.evidence), list(rows.evidence_columns)
    for name, column in zip(rows.evidence, rows.evidence_columns):
        kept_up = rows.features[:, column].copy()
        for back in range(1, windows):
            kept_up = np.minimum(kept_up, earlier_values(rows, column, back))
        columns.append(rows.features.shape[1] + len(extra))
        extra.append(kept_up)
        names.append(f"{name} over {windows} windows")
    features = np.hstack([rows.features, np.column_stack(extra)]).astype(np.float32)
    return HostRows(rows.frame, features, names, columns)


def onset(rows: HostRows, windows: int, evidence: tuple[str, ...]) -> HostRows:
    features = rows.features.copy()
    for name in evidence:
        column = rows.evidence_columns[rows.evidence.index(name)]
        before = np.zeros(len(rows.frame), dtype=np.float32)
        for back in range(1, windows + 1):
            before = np.maximum(before, earlier_values(rows, column, back))
        features[:, column] = np.maximum(0.0, rows.features[:, column] - before)
    return HostRows(rows.frame, features, rows.evidence, rows.evidence_columns)


def without(rows: HostRows, evidence: str) -> HostRows:
    if evidence not in rows.evidence:
        raise SystemExit(f"variants.py: no evidence {evidence!r} (the evidence: {', '.join(rows.evidence)})")
    kept = [i for i, name in enumerate(rows.evidence) if name != evidence]
    return HostRows(rows.frame, rows.features, [rows.evidence[i] for i in kept], [rows.evidence_columns[i] for i in kept])


class JointReferences(list):
    """The per-evidence references, with the clean reference rows' evidence values kept for
    the joint count."""

    def __init__(self, references, clean_evidence: np.ndarray):
        super().__init__(references)
        self.clean_evidence = clean_evidence


def joint_tails(references: JointReferences, evidence: np.ndarray, tails: np.ndarray, floor: float) -> np.ndarray:
    """-log10((clean rows at or above the host on every evidence with tail >= floor, + 1) / (n + 1)),
    for the rows with two or more such evidence (0 for the others)."""
    clean = references.clean_evidence
    n = len(clean)
    joint = np.zeros(len(evidence))
    unusual = tails >= floor
    for i in np.flatnonzero(unusual.sum(axis=1) >= 2):
        columns = np.flatnonzero(unusual[i])
        dominating = int(np.all(clean[:, columns] >= evidence[i, columns], axis=1).sum())
        joint[i] = -np.log10((dominating + 1) / (n + 1))
    return joint


def with_joint_rarity(floor: float):
    """Patches families' reference fitting and anomaly so that the anomaly is the larger of the
    rarest single evidence and the joint rarity; returns a function undoing it."""
    fit, anomaly = families.fit_references, families.anomaly

    def fit_joint(rows: HostRows, mask: np.ndarray) -> JointReferences:
        clean = rows.features[mask & rows.clean][:, rows.evidence_columns]
        return JointReferences(fit(rows, mask), clean)

    def anomaly_joint(references: JointReferences, rows: HostRows, mask: np.ndarray):
        tails = families.tail_scores(references, rows.features[mask])
        joint = joint_tails(references, rows.features[mask][:, rows.evidence_columns], tails, floor)
        single, why = tails.max(axis=1), tails.argmax(axis=1)
        return np.maximum(single, joint), why

    families.fit_references, families.anomaly = fit_joint, anomaly_joint

    def undo():
        families.fit_references, families.anomaly = fit, anomaly

    return undo


def held(scored: pd.DataFrame, floor: float, windows: int) -> pd.Series:
    """Each row's flag with the hold of ``hold-A-K``: flagged, or its anomaly at least ``floor``
    with the same host of the same input flagged (held included) in one of its last ``windows``
    windows."""
    order = scored.sort_values(["input", "host", "window_start_us"])
    flags = order.flagged.to_numpy().copy()
    anomaly = order.anomaly.to_numpy()
    starts = order.window_start_us.to_numpy()
    keys = list(zip(order.input.to_numpy(), order.host.to_numpy()))
    last_flagged: dict[tuple, int] = {}
    for i, key in enumerate(keys):
        since = last_flagged.get(key)
        if not flags[i] and since is not None and starts[i] - since <= windows * STEP_US and anomaly[i] >= floor:
            flags[i] = True
        if flags[i]:
            last_flagged[key] = starts[i]
    return pd.Series(flags, index=order.index).reindex(scored.index)


def run_variant(rows: HostRows, name: str, log) -> dict:
    budget, host_cap = families.MAX_TRAINING_FPR, families.HOST_WINDOWS_COUNTED
    undo = None
    hold = None
    try:
        if name == "shipped":
            varied = rows
        elif name.startswith("sustained-"):
            varied = sustained(rows, int(name.split("-", 1)[1]))
        elif name.startswith("onset-retries-"):
            varied = onset(rows, int(name.rsplit("-", 1)[1]), FLOOD_EVIDENCE + RETRY_EVIDENCE)
        elif name.startswith("onset-"):
            varied = onset(rows, int(name.split("-", 1)[1]), FLOOD_EVIDENCE)
        elif name.startswith("without-"):
            varied = without(rows, name.split("-", 1)[1])
        elif name.startswith("joint-"):
            varied = rows
            undo = with_joint_rarity(float(name.split("-", 1)[1]))
        elif name.startswith("host-cap-"):
            varied = rows
            families.HOST_WINDOWS_COUNTED = int(name.rsplit("-", 1)[1])
        elif name.startswith("hold-"):
            varied = rows
            _, floor, windows = name.split("-")
            hold = (float(floor), int(windows))
        elif name.startswith("training-fpr-"):
            varied = rows
            families.MAX_TRAINING_FPR = float(name.split("-", 2)[2])
        else:
            raise SystemExit(f"variants.py: no variant {name!r} (try: {', '.join(DEFAULT_VARIANTS)})")
        held_out = families.families_at_hand(varied, host_level_families())
        results = families.leave_one_family_out(varied, held_out, log)
        if hold is not None:
            for result in results:
                result.scored["flagged"] = held(result.scored, *hold)
        return {"variant": name, "families": families.family_table(results), "pooled": families.pooled(results)}
    finally:
        families.MAX_TRAINING_FPR = budget
        families.HOST_WINDOWS_COUNTED = host_cap
        if undo is not None:
            undo()


def markdown(outcomes: list[dict]) -> str:
    family_names = list(dict.fromkeys(row["family"] for outcome in outcomes for row in outcome["families"]))
    header = "| variant | " + " | ".join(family_names) + " | held-out false positives |"
    lines = [header, "|" + "---|" * (len(family_names) + 2)]
    for outcome in outcomes:
        by_family = {row["family"]: row for row in outcome["families"]}
        cells = []
        for family in family_names:
            row = by_family.get(family)
            cells.append("–" if row is None or row["flagged_share"] is None else f"{row['flagged_share']:.1%} at {row['threshold']['threshold']:g}")
        pooled = outcome["pooled"]
        cells.append(f"{pooled['false_positives']} of {pooled['clean_host_windows']} ({pooled['fpr']:.3%})")
        lines.append(f"| {outcome['variant']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog="example: python models/train/variants.py --tables /tmp/tables --variant shipped --variant onset-2")
    ap.add_argument("--tables", required=True, metavar="DIR", help="the tables of make_tables.py (with tables.json)")
    ap.add_argument("--variant", action="append", metavar="NAME", help=f"a variant to run (repeatable; default: {', '.join(DEFAULT_VARIANTS)})")
    ap.add_argument("--json", metavar="OUT", help="also write every variant's family table as JSON")
    args = ap.parse_args(argv)
    tables = Path(args.tables)
    if not (tables / "tables.json").is_file():
        print(f"variants.py: {tables / 'tables.json'} not found: run make_tables.py {tables} first", file=sys.stderr)
        return 2
    rows = load_host_rows(tables, list(HOST_FEATURES), list(HOST_EVIDENCE))
    outcomes = []
    for name in args.variant or DEFAULT_VARIANTS:
        print(f"variant {name}: leave-one-family-out ...", file=sys.stderr)
        outcomes.append(run_variant(rows, name, lambda message: None))
    print("Flagged share of the held-out family's active windows, at its fold's threshold (anomaly):\n")
    print(markdown(outcomes))
    if args.json:
        Path(args.json).write_text(json.dumps(outcomes, indent=2, default=float) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
