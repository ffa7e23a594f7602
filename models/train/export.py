"""ONNX export (skl2onnx), metadata, parity with scikit-learn, speed, parity fixture."""

from __future__ import annotations

import hashlib
import time

import numpy as np
import onnx
import onnxruntime as ort
from skl2onnx import convert_sklearn
from skl2onnx.common.data_types import FloatTensorType
from sklearn.ensemble import RandomForestClassifier

from contract import SCHEMA_VERSION
from forest import TrainingError, positive_proba

# Opset 15 / ai.onnx.ml 1 / IR 8: loads in every onnxruntime since 1.10 (onnxruntime-node included).
TARGET_OPSET = {"": 15, "ai.onnx.ml": 3}
PARITY_TOLERANCE = 1e-5


def format_threshold(t: float) -> str:
    """The decimal written to metadata and cards; float(format_threshold(t)) == t."""
    s = repr(float(t))
    if "e" in s or "E" in s:
        s = f"{t:.17f}".rstrip("0").rstrip(".") or "0"
    return s


def to_onnx(model: RandomForestClassifier, feature_names: tuple[str, ...], kind: str, threshold: float) -> onnx.ModelProto:
    n = len(feature_names)
    if model.n_features_in_ != n:
        raise TrainingError(f"{kind} model has {model.n_features_in_} inputs, the schema {n}")
    onx = convert_sklearn(
        model,
        name=f"flowhound-{kind}-rf",
        initial_types=[("features", FloatTensorType([None, n]))],
        options={id(model): {"zipmap": False}},
        target_opset=TARGET_OPSET,
    )
    outputs = [o.name for o in onx.graph.output]
    if outputs != ["label", "probabilities"]:
        raise TrainingError(f"skl2onnx gave outputs {outputs}, expected ['label', 'probabilities']")
    if [i.name for i in onx.graph.input] != ["features"]:
        raise TrainingError("skl2onnx gave an input other than 'features'")
    # skl2onnx lists the default domain twice; keep one entry per domain.
    seen: dict[str, int] = {}
    for op in onx.opset_import:
        seen[op.domain] = max(seen.get(op.domain, 0), op.version)
    del onx.opset_import[:]
    for domain in sorted(seen):
        onx.opset_import.append(onnx.helper.make_opsetid(domain, seen[domain]))
    del onx.metadata_props[:]
    onnx.helper.set_model_props(
        onx,
        {
            "flowhound.model_kind": kind,
            "flowhound.schema_version": str(SCHEMA_VERSION),
            "flowhound.feature_names": ",".join(feature_names),
            "flowhound.threshold": format_threshold(threshold),
        },
    )
    onnx.checker.check_model(onx, full_check=True)
    return onx


def serialize(onx: onnx.ModelProto) -> bytes:
    return onx.SerializeToString(deterministic=True)


def sha256_bytes(b: bytes) -> str:
    return hashlib.sha256(b).hexdigest()


def session(onnx_bytes: bytes, threads: int = 1) -> ort.InferenceSession:
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.log_severity_level = 3
    return ort.InferenceSession(onnx_bytes, sess_options=so, providers=["CPUExecutionProvider"])


def onnx_proba(onnx_bytes: bytes, X: np.ndarray, threads: int = 1) -> np.ndarray:
    s = session(onnx_bytes, threads)
    return s.run(["probabilities"], {"features": np.ascontiguousarray(X, dtype=np.float32)})[0][:, 1].astype(np.float64)


def check_parity(onnx_bytes: bytes, model: RandomForestClassifier, X: np.ndarray, kind: str) -> float:
    """Max |onnxruntime - scikit-learn| of P(class 1) on X; raises if above 1e-5."""
    if len(X) == 0:
        return 0.0
    diff = float(np.max(np.abs(onnx_proba(onnx_bytes, X) - positive_proba(model, X))))
    if diff > PARITY_TOLERANCE:
        raise TrainingError(f"{kind} model: onnxruntime and scikit-learn probabilities differ by {diff:.3g} (> {PARITY_TOLERANCE})")
    return diff


def benchmark(onnx_bytes: bytes, X: np.ndarray, threads: int, rows: int = 200_000, repeats: int = 5) -> dict:
    """Rows per second of onnxruntime on ``rows`` rows (X repeated), best of ``repeats``."""
    if len(X) == 0:
        return {"threads": threads, "rows": 0, "rows_per_s": None}
    reps = -(-rows // len(X))
    batch = np.ascontiguousarray(np.tile(X, (reps, 1))[:rows], dtype=np.float32)
    s = session(onnx_bytes, threads)
    s.run(["probabilities"], {"features": batch[:1000]})
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        s.run(["probabilities"], {"features": batch})
        best = min(best, time.perf_counter() - t0)
    return {"threads": threads, "rows": int(len(batch)), "seconds": round(best, 4), "rows_per_s": int(len(batch) / best)}


def parity_rows(X: np.ndarray, y: np.ndarray, n: int, seed: int) -> np.ndarray:
    """Indices of about n real rows: up to a quarter positives, the rest negatives, seeded, sorted."""
    rng = np.random.default_rng(seed)
    pos = np.nonzero(y == 1)[0]
    neg = np.nonzero(y != 1)[0]
    n_pos = min(len(pos), max(n // 4, 1))
    n_neg = min(len(neg), n - n_pos)
    take = np.concatenate([rng.choice(pos, n_pos, replace=False) if n_pos else pos[:0], rng.choice(neg, n_neg, replace=False) if n_neg else neg[:0]])
    return np.sort(take)


def parity_fixture(model_file: str, feature_names: tuple[str, ...], model: RandomForestClassifier, X: np.ndarray) -> dict:
    X = np.asarray(X, dtype=np.float32)
    return {
        "model": model_file,
        "feature_names": list(feature_names),
        # float32 values written as the shortest decimal of their float64 widening: exact in float32.
        "rows": [[float(v) for v in row] for row in X],
        "probabilities": [float(v) for v in positive_proba(model, X)],
    }
