"""Random forests: fitting (seeded, with float32-exact split thresholds) and threshold choice."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from sklearn.ensemble import RandomForestClassifier


class TrainingError(Exception):
    """Training cannot go on with these data or options; the message says why."""


@dataclass(frozen=True)
class ForestParams:
    n_estimators: int
    max_depth: int | None
    min_samples_leaf: int
    max_features: str | float
    class_weight: str | None  # "balanced", "balanced_subsample" or None
    max_samples: float | None  # bootstrap sample size as a fraction of the rows (None: all)
    n_jobs: int

    def sklearn_kwargs(self) -> dict:
        return {
            "n_estimators": self.n_estimators,
            "max_depth": self.max_depth,
            "min_samples_leaf": self.min_samples_leaf,
            "max_features": self.max_features,
            "class_weight": self.class_weight,
            "max_samples": self.max_samples,
            "bootstrap": True,
            "n_jobs": self.n_jobs,
        }

    def as_dict(self) -> dict:
        return asdict(self)


def float32_floor(t: np.ndarray) -> np.ndarray:
    """The largest float32 value <= t, for each float64 t."""
    f = t.astype(np.float32)
    too_big = f.astype(np.float64) > t
    f[too_big] = np.nextafter(f[too_big], np.float32(-np.inf))
    return f


def snap_thresholds(model: RandomForestClassifier) -> None:
    """Replace every split threshold t by the largest float32 <= t.

    Inputs are float32, so for every input x: x <= t  <=>  x <= float32_floor(t). The forest's
    decisions do not change, and the ONNX export (which stores thresholds as float32) takes
    exactly the same branches as scikit-learn, also for values that sit next to a threshold.
    """
    for est in model.estimators_:
        tree = est.tree_
        thresholds = tree.threshold  # a view into the tree's node array
        internal = tree.children_left != -1
        snapped = thresholds.copy()
        snapped[internal] = float32_floor(thresholds[internal]).astype(np.float64)
        thresholds[:] = snapped
        if not np.array_equal(tree.threshold, snapped):  # pragma: no cover - guards a scikit-learn change
            raise TrainingError("cannot rewrite split thresholds of this scikit-learn version")


def fit_forest(X: np.ndarray, y: np.ndarray, params: ForestParams, seed: int) -> RandomForestClassifier:
    classes = np.unique(y)
    if len(classes) < 2:
        raise TrainingError(f"training rows hold only class {int(classes[0]) if len(classes) else 'none'}; need both")
    model = RandomForestClassifier(random_state=seed, **params.sklearn_kwargs())
    model.fit(X, y)
    snap_thresholds(model)
    return model


def positive_proba(model: RandomForestClassifier, X: np.ndarray) -> np.ndarray:
    """predict_proba[:, 1] (class 1) as float64."""
    col = list(model.classes_).index(1)
    if len(X) == 0:
        return np.zeros(0, dtype=np.float64)
    return model.predict_proba(X)[:, col].astype(np.float64)


def node_count(model: RandomForestClassifier) -> int:
    return int(sum(est.tree_.node_count for est in model.estimators_))


@dataclass(frozen=True)
class ThresholdChoice:
    threshold: float
    f1: float
    precision: float
    recall: float
    rule: str


def _tidy_between(lo: float, hi: float) -> float:
    """A short decimal r with lo < r <= hi, kept away from both ends when there is room.

    Scores at ``hi`` must stay >= r, and scores at ``lo`` below it, even after onnxruntime's
    float32 arithmetic (differences of about 1e-7).
    """
    margin = 1e-6 if hi - lo > 4e-6 else 0.0
    mid = (lo + hi) / 2
    for digits in range(1, 10):
        r = round(mid, digits)
        if lo + margin < r <= hi - margin:
            return float(r)
    return float(mid)


def pick_threshold(y: np.ndarray, p: np.ndarray) -> ThresholdChoice:
    """The threshold on p (class 1 if p >= threshold) that maximises F1 on (y, p).

    Among equal F1 the higher threshold wins (fewer alerts). The threshold is placed between
    the chosen score and the next lower one, as a short decimal.
    """
    y = np.asarray(y).astype(bool)
    p = np.asarray(p, dtype=np.float64)
    n_pos = int(y.sum())
    if n_pos == 0 or len(p) == 0:
        return ThresholdChoice(0.5, 0.0, 0.0, 0.0, "default 0.5 (no positive rows to choose from)")
    order = np.argsort(-p, kind="stable")
    ps, ys = p[order], y[order]
    tp = np.cumsum(ys)
    fp = np.cumsum(~ys)
    last_of_value = np.nonzero(np.append(ps[1:] != ps[:-1], True))[0]  # index of the last row of each distinct score
    tp_k, fp_k = tp[last_of_value], fp[last_of_value]
    precision = tp_k / (tp_k + fp_k)
    recall = tp_k / n_pos
    f1 = np.where(tp_k > 0, 2 * precision * recall / np.maximum(precision + recall, 1e-300), 0.0)
    best = int(np.argmax(f1))  # first maximum = highest threshold among equals
    hi = float(ps[last_of_value[best]])
    lo = float(ps[last_of_value[best + 1]]) if best + 1 < len(last_of_value) else min(0.0, hi) - 1e-3
    threshold = _tidy_between(lo, hi) if hi > 0 else 0.0
    threshold = max(threshold, 0.0)
    return ThresholdChoice(threshold, float(f1[best]), float(precision[best]), float(recall[best]), "max F1 on out-of-fold scores")
