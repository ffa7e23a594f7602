"""One training run: flow model, out-of-fold flow scores, host aggregates, host model, thresholds.

The same function makes the shipped models (all inputs) and the models of each held-out
evaluation (training part only), so what is evaluated is what is shipped.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass

import numpy as np
from sklearn.ensemble import RandomForestClassifier

import host_aggregates
from forest import ForestParams, ThresholdChoice, TrainingError, fit_forest, pick_threshold, positive_proba
from splits import Folds, flow_host_groups, make_folds
from tables import Dataset


@dataclass(frozen=True)
class TrainConfig:
    flow: ForestParams
    host: ForestParams
    folds: int
    group_by: str  # auto | input | host
    seed: int
    flow_threshold: float | None  # fixed instead of chosen
    host_threshold: float | None


@dataclass
class Trained:
    flow_model: RandomForestClassifier
    host_model: RandomForestClassifier
    flow_threshold: ThresholdChoice
    host_threshold: ThresholdChoice
    flow_folds: Folds
    host_folds: Folds
    flow_oof: np.ndarray  # out-of-fold p for every flow row (labelled or not)
    host_oof: np.ndarray  # out-of-fold p for every host row
    host_X: np.ndarray  # float32 [n_hosts, 30]: native features + aggregates from flow_oof
    aggregates: host_aggregates.Aggregates
    seconds: float


def log(msg: str) -> None:
    print(f"train: {msg}", file=sys.stderr, flush=True)


def _fixed(t: float) -> ThresholdChoice:
    return ThresholdChoice(float(t), float("nan"), float("nan"), float("nan"), "fixed by option")


def _oof(X: np.ndarray, y: np.ndarray, trainable: np.ndarray, folds: Folds, params: ForestParams, seed: int) -> np.ndarray:
    p = np.zeros(len(X), dtype=np.float64)
    for k, tr, te in folds.splits():
        if len(te) == 0:
            continue
        tr = tr[trainable[tr]]
        model = fit_forest(X[tr], y[tr], params, seed + 1 + k)
        p[te] = positive_proba(model, X[te])
    return p


def _check_classes(ds: Dataset, what: str) -> None:
    f, h = ds.flows, ds.hosts
    names = sorted({ds.inputs[i] for i in np.unique(f.input)})
    lab = f.labelled
    n_bot = int(f.y[lab].sum())
    problems = []
    if n_bot == 0:
        problems.append("no botnet flows")
    if n_bot == int(lab.sum()):
        problems.append("no normal or background flows")
    if int(h.y.sum()) == 0:
        problems.append("no infected host rows")
    if int(h.y.sum()) == len(h):
        problems.append("no normal or unknown host rows")
    if problems:
        raise TrainingError(f"{what}: the training rows have {' and '.join(problems)} (inputs: {', '.join(names) or 'none'})")


def train(ds: Dataset, cfg: TrainConfig, what: str) -> Trained:
    t0 = time.perf_counter()
    f, h = ds.flows, ds.hosts
    labelled = f.labelled
    y = f.y
    log(f"{what}: {len(f)} flow rows ({int(labelled.sum())} labelled, {int(y[labelled].sum())} botnet), {len(h)} host rows ({int(h.y.sum())} infected)")

    _check_classes(ds, what)
    source = ds.input_source if ds.input_source is not None else np.arange(len(ds.inputs), dtype=np.int64)
    flow_folds = make_folds(source[f.input], flow_host_groups(ds), y, labelled, cfg.group_by, cfg.folds, cfg.seed, f"{what}: flow model")
    log(f"{what}: flow model, {flow_folds.n_splits} folds grouped by {flow_folds.grouping}")
    flow_oof = _oof(f.X, y, labelled, flow_folds, cfg.flow, cfg.seed)
    flow_thr = _fixed(cfg.flow_threshold) if cfg.flow_threshold is not None else pick_threshold(y[labelled], flow_oof[labelled])
    flow_model = fit_forest(f.X[labelled], y[labelled], cfg.flow, cfg.seed)

    agg = host_aggregates.compute(f, h, flow_oof, flow_thr.threshold, len(ds.addrs))
    host_aggregates.warn_unmatched(agg, what)
    host_X = np.hstack([h.X, agg.values]).astype(np.float32)
    hy = h.y
    all_rows = np.ones(len(h), dtype=bool)
    host_hours = h.host.astype(np.int64) * 1_000_000 + h.window_us // 3_600_000_000
    host_folds = make_folds(source[h.input], h.host.astype(np.int64), hy, all_rows, cfg.group_by, cfg.folds, cfg.seed, f"{what}: host model", host_hours)
    log(f"{what}: host model, {host_folds.n_splits} folds grouped by {host_folds.grouping}")
    host_oof = _oof(host_X, hy, all_rows, host_folds, cfg.host, cfg.seed + 1000)
    host_thr = _fixed(cfg.host_threshold) if cfg.host_threshold is not None else pick_threshold(hy, host_oof)
    host_model = fit_forest(host_X, hy, cfg.host, cfg.seed + 1000)
    return Trained(
        flow_model=flow_model,
        host_model=host_model,
        flow_threshold=flow_thr,
        host_threshold=host_thr,
        flow_folds=flow_folds,
        host_folds=host_folds,
        flow_oof=flow_oof,
        host_oof=host_oof,
        host_X=host_X,
        aggregates=agg,
        seconds=time.perf_counter() - t0,
    )


@dataclass
class Scored:
    """A test set scored by trained models (no refitting)."""

    flow_p: np.ndarray
    host_p: np.ndarray
    host_X: np.ndarray
    aggregates: host_aggregates.Aggregates


def score(ds: Dataset, trained: Trained) -> Scored:
    flow_p = positive_proba(trained.flow_model, ds.flows.X)
    agg = host_aggregates.compute(ds.flows, ds.hosts, flow_p, trained.flow_threshold.threshold, len(ds.addrs))
    host_X = np.hstack([ds.hosts.X, agg.values]).astype(np.float32)
    host_p = positive_proba(trained.host_model, host_X)
    return Scored(flow_p, host_p, host_X, agg)
