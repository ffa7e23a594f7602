"""The host anomaly model end to end: leave-one-family-out over the sources of make_tables.py,
then the shipped model from every source, exported to ONNX with its card and parity fixture."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import numpy as np
import onnxruntime as ort

import anomaly_card
import cards
import families
from anomaly import EXTRAPOLATION_PER_DOUBLING, MAX_KNOTS, export_onnx, tail_scores
from contract import MODEL_FILES, SCHEMA_VERSION
from export import format_threshold, sha256_bytes
from sources import host_level_families
from tables import sha256_file

PARITY_ROWS = 256
LIMITATIONS = [
    "A host is flagged for what it does that clean hosts rarely do. A bot that does nothing rarer than clean "
    "hosts do (a phone's malware over HTTPS to the same services its apps use; peer-to-peer traffic like a "
    "clean peer-to-peer client's) is ranked high but not flagged: the leave-one-family-out table shows which.",
    "Clean hosts that do what bots do are flagged too: a monitoring station pinging one host a thousand times a "
    "window looks like an ICMP flood. The reference holds the clean behaviour of the training data's networks "
    "(a university campus of 2011, small Windows and IoT captures); another network's servers can be rarer than that.",
    "CTU-13's background hosts are taken as clean, though some may be infected; the normal captures' hosts are clean.",
    "Rows of one host are not independent (windows overlap by half): shares are of host-windows, not of hosts.",
    "Families with few windows (scenario 11: 10 active windows; test4: 6; test5: 6) give coarse shares.",
]


def run(tables_dir: Path, schema, out: Path, args, argv: list[str], software: dict, log) -> dict:
    rows = families.load_host_rows(tables_dir, list(schema.host), list(schema.host_evidence))
    held_out_families = families.families_at_hand(rows, host_level_families())
    results = families.leave_one_family_out(rows, held_out_families, log)
    table = families.family_table(results)
    pooled = families.pooled(results)
    calibration = families.calibrate(results)
    baseline = families.supervised_baseline(rows, held_out_families, args.seed, log)

    everything = np.array(rows.frame.fold.notna() | True)
    references = families.fit_references(rows, everything)
    choice = families.choose_threshold(rows, rows.frame.fold.notna().to_numpy())
    # The probability at the anomaly threshold, rounded down to four decimals: a host-window at
    # exactly the anomaly threshold is flagged (in float32 too), and the threshold reads simply.
    probability_threshold = float(np.floor(calibration.probability(np.array([choice.threshold]))[0] * 1e4) / 1e4)
    metadata = {
        "flowhound.model_kind": "anomaly",
        "flowhound.schema_version": str(SCHEMA_VERSION),
        "flowhound.feature_names": ",".join(schema.host),
        "flowhound.evidence_names": ",".join(schema.host_evidence),
        "flowhound.threshold": format_threshold(probability_threshold),
        "flowhound.anomaly_threshold": format_threshold(choice.threshold),
    }
    model = export_onnx(references, calibration, len(schema.host), metadata)
    data = model.SerializeToString(deterministic=True)
    stem = MODEL_FILES["anomaly"]
    (out / f"{stem}.onnx").write_bytes(data)

    # Parity: what this trainer computes, against onnxruntime, on real rows (a quarter of them
    # infected hosts' when there are enough).
    rng = np.random.default_rng(args.seed)
    infected = np.flatnonzero(rows.acting)
    clean = np.flatnonzero(rows.clean)
    pick = np.concatenate([rng.choice(infected, min(len(infected), PARITY_ROWS // 4), replace=False),
                           rng.choice(clean, PARITY_ROWS - min(len(infected), PARITY_ROWS // 4), replace=False)])
    X = rows.features[np.sort(pick)]
    expected_tails = tail_scores(references, X)
    expected_anomaly = expected_tails.max(axis=1)
    expected_probability = calibration.probability(expected_anomaly)
    session = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
    tails, anomaly_out, probability = session.run(None, {"features": X})
    diff = float(max(np.abs(tails - expected_tails).max(), np.abs(anomaly_out - expected_anomaly).max(), np.abs(probability - expected_probability).max()))
    if diff > 1e-5:
        raise RuntimeError(f"the exported anomaly model differs from the trainer by {diff}")
    fixture = f"{stem}.parity.json"
    cards.write_json(out / fixture, {
        "model": f"{stem}.onnx", "feature_names": list(schema.host), "evidence_names": list(schema.host_evidence),
        "rows": X.tolist(), "tails": expected_tails.tolist(), "anomaly": expected_anomaly.tolist(),
        "probability": expected_probability.tolist(), "tolerance": 1e-5,
    })

    clean_rows = rows.clean
    reference_card = {
        "clean_host_windows": int(clean_rows.sum()),
        "sources": sorted(rows.frame.source[clean_rows].unique().tolist()),
        "evidence": [
            {"name": ref.name, "max": float(ref.reference_max),
             "quantiles": {q: float(np.quantile(rows.features[clean_rows, ref.column], float(q))) for q in ("0.99", "0.999", "0.9999")}}
            for ref in references
        ],
    }
    manifest = json.loads((tables_dir / "tables.json").read_text())
    training_inputs = [
        {"path": t["hosts"], "sha256": sha256_file(str(tables_dir / t["hosts"])), "rows": t["rows"]["hosts"], "kind": "host",
         "source": t["source"], "family": t["family"], "view": t["view"]}
        for t in manifest["tables"] if t["host_level"]
    ]
    card = {
        "model": f"{stem}.onnx",
        "model_kind": "anomaly",
        "training_inputs": training_inputs,
        "hyperparameters": {"max_training_fpr": families.MAX_TRAINING_FPR, "max_knots": MAX_KNOTS,
                            "extrapolation_per_doubling": EXTRAPOLATION_PER_DOUBLING, "threshold_grid_step": 0.05},
        "metrics": {"leave_one_family_out_pooled": pooled},
        "schema_version": SCHEMA_VERSION,
        "feature_names": list(schema.host),
        "evidence": list(schema.host_evidence),
        "threshold": probability_threshold,
        "threshold_text": format_threshold(probability_threshold),
        "anomaly_threshold": choice.threshold,
        "threshold_choice": choice.as_dict(),
        "calibration": {"slope": calibration.slope, "intercept": calibration.intercept,
                        "reliability": families.reliability(results, calibration)},
        "reference": reference_card,
        "leave_one_family_out": {"families": table, "pooled": pooled, "supervised_baseline": baseline,
                                 "max_training_fpr": families.MAX_TRAINING_FPR},
        "onnx_sha256": sha256_bytes(data),
        "onnx_bytes": len(data),
        "parity": {"max_abs_diff": diff, "rows_checked": int(len(X)), "fixture": fixture},
        "seed": args.seed,
        "software": software,
        "command": "python models/train/train.py " + " ".join(shlex.quote(a) for a in argv),
        "limitations": LIMITATIONS,
    }
    cards.write_json(out / f"{stem}.card.json", card)
    (out / f"{stem}.card.md").write_text(anomaly_card.markdown(card), encoding="utf-8")
    log(f"wrote {out / stem}.onnx (threshold: anomaly {choice.threshold}, probability {format_threshold(probability_threshold)}; "
        f"held-out false positives {pooled['false_positives']} of {pooled['clean_host_windows']})")
    return card
