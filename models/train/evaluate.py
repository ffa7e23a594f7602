"""Held-out metrics: flow level, host-window level, and ranks of infected hosts per window."""

from __future__ import annotations

import math

import numpy as np
from sklearn.metrics import roc_auc_score

from tables import Dataset


def _r(x: float | None, digits: int = 6) -> float | None:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return None
    return round(float(x), digits)


def binary_metrics(y: np.ndarray, p: np.ndarray, threshold: float) -> dict:
    """Precision, recall, F1, false-positive rate at ``p >= threshold``, and ROC AUC."""
    y = np.asarray(y).astype(bool)
    pred = np.asarray(p) >= threshold
    tp = int((pred & y).sum())
    fp = int((pred & ~y).sum())
    fn = int((~pred & y).sum())
    tn = int((~pred & ~y).sum())
    precision = tp / (tp + fp) if tp + fp else None
    recall = tp / (tp + fn) if tp + fn else None
    f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else None
    fpr = fp / (fp + tn) if fp + tn else None
    auc = roc_auc_score(y, p) if 0 < y.sum() < len(y) else None
    return {
        "rows": int(len(y)),
        "positives": int(y.sum()),
        "threshold": threshold,
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "tn": tn,
        "precision": _r(precision),
        "recall": _r(recall),
        "f1": _r(f1),
        "false_positive_rate": _r(fpr),
        "roc_auc": _r(auc),
    }


def infected_host_ranks(ds: Dataset, host_p: np.ndarray, flow_count: np.ndarray) -> list[dict]:
    """For each infected host (per input), its rank by host score in each window where it has >= 1 flow.

    rank_all   = 1 + number of other host rows of that (input, window) with score >= its score
    rank_clean = 1 + number of non-infected host rows of that (input, window) with score >= its score
    Ties count against the infected host, so rank 1 means strictly above the others.
    """
    h = ds.hosts
    infected = h.y.astype(bool)
    active_infected = infected & (flow_count > 0)
    if not active_infected.any():
        return []
    order = np.lexsort((h.window_us, h.input))
    k_sorted = np.stack([h.input[order], h.window_us[order]], axis=1)
    boundaries = np.nonzero(np.any(k_sorted[1:] != k_sorted[:-1], axis=1))[0] + 1
    per_host: dict[tuple[int, int], list] = {}
    for rows in np.split(order, boundaries):
        targets = rows[active_infected[rows]]
        if len(targets) == 0:
            continue
        scores = host_p[rows]
        clean_scores = scores[~infected[rows]]
        for r in targets:
            s = host_p[r]
            rank_all = int((scores >= s).sum())  # 1 + others at or above it (itself counted once)
            rank_clean = 1 + int((clean_scores >= s).sum())
            per_host.setdefault((int(h.input[r]), int(h.host[r])), []).append(
                (int(h.window_us[r]), float(s), rank_all, rank_clean, int(len(rows)), int(flow_count[r]))
            )
    out = []
    for (inp, host), wins in sorted(per_host.items(), key=lambda kv: (ds.inputs[kv[0][0]], ds.addrs[kv[0][1]])):
        wins.sort()
        ra = np.array([w[2] for w in wins])
        rc = np.array([w[3] for w in wins])
        out.append(
            {
                "input": ds.inputs[inp],
                "host": ds.addrs[host],
                "active_windows": len(wins),
                "share_ranked_first": _r(float((ra == 1).mean()), 4),
                "share_ranked_first_among_clean": _r(float((rc == 1).mean()), 4),
                "median_rank": float(np.median(ra)),
                "median_rank_among_clean": float(np.median(rc)),
                "worst_rank": int(ra.max()),
                "worst_rank_among_clean": int(rc.max()),
                "windows": [
                    {"window_start_us": w[0], "host_score": _r(w[1]), "rank": w[2], "rank_among_clean": w[3], "hosts_in_window": w[4], "flows": w[5]}
                    for w in wins
                ],
            }
        )
    return out
