"""The host anomaly model's card: ``host-anomaly-v2.card.json`` for flowhound, ``.card.md`` for
people. It carries the leave-one-family-out table, which is how the detector is judged."""

from __future__ import annotations

from cards import _fmt, _table


def _pct(share) -> str:
    return "–" if share is None else f"{100 * share:.1f}%"


def family_rows(table: list[dict], view: str | None = None) -> list[list]:
    rows = []
    for row in table:
        figures = row if view is None else row.get(view)
        if figures is None:
            continue
        rows.append([
            row["family"], ", ".join(figures["infected_hosts"]) or "–", figures["active_windows"], _pct(figures["ranked_first_share"]),
            _pct(figures["flagged_share"]), figures["clean_host_windows"], figures["false_positives"],
            "–" if figures["fpr"] is None else f"{100 * figures['fpr']:.3f}%", row["threshold"]["threshold"] if isinstance(row["threshold"], dict) else row["threshold"],
        ])
    return rows


HEADER = ["family held out", "infected hosts", "active windows", "ranked first", "flagged", "clean host-windows", "false positives", "FPR", "threshold (anomaly)"]


def markdown(card: dict) -> str:
    out = [f"# {card['model']}: flowhound host anomaly model (schema version {card['schema_version']})\n"]
    out.append(
        "Decides which LAN hosts are flagged. For each of a host-window's ten evidence features (scans, floods, "
        "spam, failed retries, IRC, DNS abuse, polling, beacons; `flowhound models --schema` says what each counts) "
        "it gives the *tail score*: −log10 of the share of clean host-windows of the training data that reach the "
        "host's value (4 = one in ten thousand). The host's anomaly is its largest tail score, the most unusual "
        "thing it did, and its probability of being infected in the window a logistic map of that anomaly. A "
        "family never seen in training is caught by what it does, not by resembling the families that were.\n"
    )
    out.append("## Inputs and outputs\n")
    out.append(f"ONNX input `features`: float32 `[N, {len(card['feature_names'])}]`, the host features in schema order: "
               "`" + "`, `".join(card["feature_names"]) + "`.\n")
    out.append(
        f"Outputs: `tails` float32 `[N, {len(card['evidence'])}]` (tail score per evidence, in the order "
        "`" + "`, `".join(card["evidence"]) + "`), `anomaly` `[N]` (their maximum) and `probability` `[N]` "
        f"(= 1 / (1 + exp(−({_fmt(card['calibration']['slope'])} × anomaly {card['calibration']['intercept']:+.4f})))).\n"
    )
    out.append(
        f"**Threshold**: a host-window is flagged when its anomaly is at least **{card['anomaly_threshold']}**, that is when "
        f"its probability is at least **{card['threshold_text']}** (`flowhound.threshold`): {card['threshold_choice']['rule']}; "
        f"on all the training data that flags {_pct(card['threshold_choice']['training_recall'])} of the acting bot "
        f"windows and {100 * card['threshold_choice']['training_fpr']:.3f}% of the clean host-windows.\n"
    )
    out.append("## The clean reference\n")
    out.append(
        f"{card['reference']['clean_host_windows']} clean host-windows of {len(card['reference']['sources'])} sources "
        f"({', '.join(card['reference']['sources'])}): every host-window of a host not known to be infected. "
        "Per evidence, the values that 1 in 100, 1 in 1,000 and 1 in 10,000 of them reach, and the largest:\n"
    )
    out.append(_table(["evidence", "99%", "99.9%", "99.99%", "largest"],
                      [[e["name"], e["quantiles"]["0.99"], e["quantiles"]["0.999"], e["quantiles"]["0.9999"], e["max"]] for e in card["reference"]["evidence"]]))
    out.append("")
    out.append("## Leave-one-family-out\n")
    out.append(
        "Each family with an infected host in the data is held out in turn with the normal days assigned to it; the "
        "reference and the threshold come from the rest alone. *Active windows*: where the infected host acts (a "
        "botnet-labelled flow of it starts there; in unlabelled files, a flow it opens). *Ranked first*: above every "
        "clean LAN host of its window (ties count against it). *Flagged*: anomaly at or above the fold's threshold. "
        "*FPR*: flagged clean host-windows of the held-out part.\n"
    )
    out.append(_table(HEADER, family_rows(card["leave_one_family_out"]["families"])))
    pooled = card["leave_one_family_out"]["pooled"]
    out.append("")
    out.append(f"Over every clean host-window of the held-out parts: {pooled['false_positives']} flagged of {pooled['clean_host_windows']} "
               f"(FPR {100 * pooled['fpr']:.4f}%).\n")
    captures = family_rows(card["leave_one_family_out"]["families"], "rebuilt_captures")
    if captures:
        out.append("The CTU-13 families again, on the captures `flowhound synth` rebuilds from their flow files:\n")
        out.append(_table(HEADER, captures))
        out.append("")
    baseline = card["leave_one_family_out"].get("supervised_baseline")
    if baseline:
        out.append(
            "The same protocol for a supervised random forest on the same host features (what a detector fitted to "
            "the families at hand does on one it has not seen; threshold: its training part's out-of-bag scores at "
            "the same false-positive rate):\n"
        )
        out.append(_table(HEADER, family_rows(baseline)))
        out.append("")
    out.append("## Calibration\n")
    out.append("The logistic map was fitted on every held-out row of the protocol (each scored by a reference that never saw it). "
               "Predicted against observed, on those rows:\n")
    out.append(_table(["probability from", "to", "host-windows", "mean probability", "share infected"],
                      [[b["from"], b["to"], b["rows"], b["mean_probability"], b["infected_share"]] for b in card["calibration"]["reliability"]]))
    out.append("")
    out.append("## Reproduce\n")
    out.append("```\n" + card["command"] + "\n```\n")
    out.append(f"sha256 of the ONNX file: `{card['onnx_sha256']}`; parity fixture `{card['parity']['fixture']}` "
               f"(largest difference between this trainer and onnxruntime: {card['parity']['max_abs_diff']:.2g}).\n")
    out.append("## Limitations\n")
    out += [f"- {x}" for x in card["limitations"]]
    out.append("")
    return "\n".join(out)
