"""Model cards: ``*.card.json`` for programs, ``*.card.md`` for people."""

from __future__ import annotations

import json
from pathlib import Path


def write_json(path: Path, obj) -> None:
    path.write_text(json.dumps(obj, indent=2, sort_keys=False, allow_nan=False) + "\n", encoding="utf-8")


def _fmt(v) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:.4f}".rstrip("0").rstrip(".") if abs(v) < 1e6 else f"{v:.3g}"
    return str(v)


def _table(header: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(_fmt(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


def _binary_row(name: str, m: dict | None) -> list:
    if not m:
        return [name] + [None] * 9
    return [name, m["rows"], m["positives"], m["threshold"], m["precision"], m["recall"], m["f1"], m["false_positive_rate"], m["roc_auc"], f"{m['tp']}/{m['fp']}/{m['fn']}/{m['tn']}"]


BINARY_HEADER = ["set", "rows", "positives", "threshold", "precision", "recall", "F1", "FP rate", "ROC AUC", "TP/FP/FN/TN"]


def _ranks_table(ranks: list[dict]) -> str:
    if not ranks:
        return "_No infected host with flows in the test windows._"
    rows = [
        [r["input"], r["host"], r["active_windows"], r["share_ranked_first"], r["share_ranked_first_among_clean"], r["median_rank"], r["median_rank_among_clean"], r["worst_rank"], r["worst_rank_among_clean"]]
        for r in ranks
    ]
    return _table(["input", "infected host", "active windows", "share ranked 1st", "share 1st among clean", "median rank", "median rank among clean", "worst rank", "worst rank among clean"], rows)


def markdown(card: dict) -> str:
    kind = card["model_kind"]
    m = card["metrics"]
    hp = card["hyperparameters"]
    out: list[str] = []
    title = "Flow model" if kind == "flow" else "Host model"
    out.append(f"# {card['model']}: flowhound {title.lower()} (schema version {card['schema_version']})\n")
    if kind == "flow":
        out.append(
            "A random forest that gives, for one flow record of one 300 s window, the probability that "
            "the flow is botnet traffic (CTU-13 label `From-Botnet`/`To-Botnet`… → class `botnet`). "
            "Negatives are `normal` and `background` flows; `unlabelled` rows were not used for training.\n"
        )
    else:
        out.append(
            "A random forest that gives, for one LAN host in one 300 s window, the probability that the "
            "host is infected. Positives are host-windows labelled `infected`; `normal` and `unknown` "
            "host-windows are negatives. Its inputs are the host's native features plus four aggregates "
            "of the flow model's scores over the flows in which the host is a LAN end.\n"
        )
    out.append("## Inputs and output\n")
    out.append(
        f"ONNX input `features`: float32 `[N, {len(card['feature_names'])}]`, columns in this order "
        f"(the feature schema, also in the metadata property `flowhound.feature_names`):\n"
    )
    out.append("`" + "`, `".join(card["feature_names"]) + "`\n")
    out.append(
        f"Outputs: `probabilities` (float32 `[N, 2]`; column 1 is P({'botnet' if kind == 'flow' else 'infected'})) "
        f"and `label` (int64; do not use it: onnxruntime's two-class tree ensemble label is unreliable). "
        f"A row is positive when `probabilities[:, 1] >= {card['threshold_text']}` (the threshold, also in "
        f"`flowhound.threshold`).\n"
    )
    thr = card["threshold_choice"]
    out.append(
        f"**Threshold {card['threshold_text']}**: {thr['rule']}"
        + (f" (out-of-fold F1 {_fmt(thr['f1'])}, precision {_fmt(thr['precision'])}, recall {_fmt(thr['recall'])})." if thr.get("f1") is not None else ".")
        + "\n"
    )

    out.append("## Training data\n")
    out.append(
        "The shipped model is trained on **all** the tables below (every input, every day); the held-out "
        "results further down come from separate models trained without the held-out rows, with the same "
        "options and seed.\n"
    )
    out.append(_table(["table", "kind", "rows", "inputs", "sha256"], [[Path(f["path"]).name, f["kind"], f["rows"], ", ".join(f["inputs"]), f["sha256"][:16] + "…"] for f in card["training_inputs"]]))
    tr = card["training_rows"]
    out.append("")
    out.append(
        f"Flow rows: {tr['flows']} ({tr['flows_labelled']} labelled, {tr['flows_botnet']} botnet). "
        f"Host rows: {tr['hosts']} ({tr['hosts_infected']} infected). A flow appears in the two overlapping "
        "windows that hold its start (300 s windows every 150 s), so rows are not independent.\n"
    )

    out.append("## Held-out results\n")
    if not m["holdouts"]:
        out.append("_No held-out evaluation was asked for (`--holdout`)._\n")
    for h in m["holdouts"]:
        out.append(f"### {h['name']} (`--holdout {h['spec']}`)\n")
        days = ", ".join(h["benign_test_days"]) or "none"
        out.append(
            f"Trained on: {', '.join(h['train_inputs']) or '–'}"
            + (f" (benign input(s) {', '.join(h['benign_inputs'])} without the days {days})" if h["benign_test_days"] and h["benign_inputs"] else "")
            + f". Tested on: {', '.join(h['test_inputs'])}"
            + (f" plus the benign input's rows of {days} (local days, UTC offset {h['utc_offset_minutes']} min), unseen in training" if h["benign_test_days"] and h["benign_inputs"] else "")
            + f". Thresholds chosen on that training part only: flow {h['flow_threshold']}, host {h['host_threshold']}.\n"
        )
        out.append(_table(BINARY_HEADER, [_binary_row("flows (labelled rows)", h["flow"]), _binary_row("host-windows", h["host"])]))
        out.append("")
        out.append(
            "Rank of each infected host by host score, in each window where it has at least one flow "
            "(rank among all host rows of that input's window; rank among the non-infected ones; ties count against it):\n"
        )
        out.append(_ranks_table(h["infected_host_ranks"]))
        out.append("")
        for note in h.get("notes", []):
            out.append(f"- note: {note}")
        out.append("")

    out.append("## Cross-validated results on all inputs (out-of-fold)\n")
    cv = m["cross_validated"]
    out.append(
        f"Grouped folds (flow model: {cv['flow_folds']} folds by {cv['flow_grouping']}; host model: "
        f"{cv['host_folds']} folds by {cv['host_grouping']}); these scores also chose the thresholds, so they "
        "are optimistic about the threshold.\n"
    )
    if cv.get("linked_sources"):
        out.append("Inputs treated as one source (always in the same fold): " + "; ".join(", ".join(g) for g in cv["linked_sources"]) + ".\n")
    out.append(_table(BINARY_HEADER, [_binary_row("flows (labelled rows)", cv["flow"]), _binary_row("host-windows", cv["host"])]))
    out.append("")

    sp = card["size_and_speed"]
    out.append("## Size and speed\n")
    out.append(
        f"{hp['n_estimators']} trees, max depth {hp['max_depth']}, min samples per leaf {hp['min_samples_leaf']}, "
        f"max features {hp['max_features']}, class weight {hp['class_weight']}, bootstrap sample "
        f"{hp['max_samples'] or 'all rows'}; {sp['nodes']} nodes, ONNX file {sp['onnx_bytes']} bytes. "
        "The scoring time per row grows roughly with trees × depth, so the forests are kept small for speed "
        "(flowhound needs ≥ 500 000 flow rows/s on 2 threads); the sizes were set for that, not tuned on a grid "
        "for accuracy. Retrain with `--flow-trees`/`--flow-max-depth` to trade speed for accuracy.\n"
    )
    out.append(_table(["onnxruntime threads", "rows", "rows/s"], [[b["threads"], b["rows"], b["rows_per_s"]] for b in sp["onnxruntime"]]))
    out.append("")
    out.append(
        f"(Measured by train.py on the training machine: {sp.get('cpus')} CPUs, 1-minute load average {sp.get('load_average_1min')} "
        f"while measuring, python onnxruntime {card['software']['onnxruntime']}, rows repeated from the parity fixture; "
        "best of 5 runs. flowhound's target is ≥ 500 000 flow rows/s on 2 threads; on a busy machine two threads can "
        "measure slower than one.)\n"
    )
    out.append(f"Parity: onnxruntime and scikit-learn probabilities differ by at most {card['parity']['max_abs_diff']:.2g} on {card['parity']['rows_checked']} rows; fixture `{card['parity']['fixture']}`.\n")

    out.append("## Reproduce\n")
    out.append(f"Seed {card['seed']}; scikit-learn {card['software']['scikit-learn']}, skl2onnx {card['software']['skl2onnx']}, onnx {card['software']['onnx']}, numpy {card['software']['numpy']}.\n")
    out.append("```\n" + card["command"] + "\n```\n")
    out.append(f"Same tables, same order, same options and seed → same ONNX bytes (sha256 `{card['onnx_sha256']}`).\n")

    out.append("## Limitations\n")
    out += [f"- {x}" for x in card["limitations"]]
    out.append("")
    return "\n".join(out)
