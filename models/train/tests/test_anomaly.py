"""The host anomaly model (anomaly.py): tail scores against a clean reference, worked out by hand,
and the exported ONNX graph against them in onnxruntime.

Run: python -m pytest models/train/tests -q
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from anomaly import EXTRAPOLATION_PER_DOUBLING, MAX_KNOTS, Calibration, export_onnx, fit_reference, tail_scores  # noqa: E402

# Ten clean host-windows of one evidence: half show none of it.
REFERENCE = [0, 0, 0, 0, 0, 1, 1, 2, 5, 10]
# How many of them reach x (x > 0), counted by hand.
REACHING = {0.5: 5, 1: 5, 1.5: 3, 2: 3, 3: 2, 5: 2, 7: 1, 10: 1}


def share_score(reaching: int, n: int = len(REFERENCE)) -> float:
    """-log10 of the share of clean host-windows that reach the value, both counts plus one."""
    return -np.log10((reaching + 1) / (n + 1))


def one_column(values) -> np.ndarray:
    return np.array(values, dtype=np.float32).reshape(-1, 1)


def session(model: onnx.ModelProto) -> ort.InferenceSession:
    return ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])


def test_reference_of_ten_clean_host_windows():
    ref = fit_reference(np.array(REFERENCE, float), "smtp_servers", 0)
    assert ref.knots.tolist() == [1, 2, 5, 10]
    assert ref.knots.dtype == np.float32
    assert (ref.reference_size, ref.reference_max) == (10, 10.0)
    # One score per step, and the last for "past every clean value".
    np.testing.assert_allclose(ref.scores, [share_score(5), share_score(3), share_score(2), share_score(1), share_score(0)], rtol=1e-6)


def test_weighted_reference_counts_each_value_with_its_weight():
    # The same ten values; the two largest (5 and 10) weigh a quarter each, as two windows of a
    # host counted as half a window: 8.5 host-windows in all, 1.5 of them at 1 or more past 0.
    weights = np.array([1, 1, 1, 1, 1, 1, 1, 1, 0.25, 0.25])
    ref = fit_reference(np.array(REFERENCE, float), "smtp_servers", 0, weights)
    assert ref.knots.tolist() == [1, 2, 5, 10] and ref.reference_size == 10
    n = weights.sum()
    np.testing.assert_allclose(ref.scores, [share_score(3.5, n), share_score(1.5, n), share_score(0.5, n), share_score(0.25, n), share_score(0, n)], rtol=1e-6)
    # Weights of 1 are the unweighted reference.
    unweighted = fit_reference(np.array(REFERENCE, float), "smtp_servers", 0, np.ones(10))
    np.testing.assert_array_equal(unweighted.scores, fit_reference(np.array(REFERENCE, float), "smtp_servers", 0).scores)


def test_tail_scores_by_hand():
    ref = fit_reference(np.array(REFERENCE, float), "smtp_servers", 0)
    xs = list(REACHING)
    got = tail_scores([ref], one_column(xs))[:, 0]
    np.testing.assert_allclose(got, [share_score(REACHING[x]) for x in xs], rtol=1e-6)
    # 3 is reached by 2 of 10 (5 and 10): -log10(3/11) = 0.5643, "1 in 3.7".
    assert got[xs.index(3)] == pytest.approx(0.5643, abs=1e-4)
    # Past the largest clean value: none reaches it, then the extrapolation.
    beyond = tail_scores([ref], one_column([10.5]))[0, 0]
    assert beyond == pytest.approx(share_score(0) + EXTRAPOLATION_PER_DOUBLING * np.log2(11.5 / 11), rel=1e-6)


def test_zero_and_negative_stay_zero():
    ref = fit_reference(np.array(REFERENCE, float), "smtp_servers", 0)
    assert tail_scores([ref], one_column([0, -1, -0.0])).tolist() == [[0], [0], [0]]
    # An evidence no clean host-window shows: any of it is past the reference, none of it is 0.
    empty = fit_reference(np.zeros(99), "irc_connections", 0)
    assert empty.reference_max == 0.0
    got = tail_scores([empty], one_column([0, 1]))[:, 0]
    assert got[0] == 0
    assert got[1] == pytest.approx(2.0, abs=1e-6)  # -log10(1/100)


def test_values_past_the_reference_grow_by_a_fixed_step_per_doubling():
    ref = fit_reference(np.array(REFERENCE, float), "smtp_servers", 0)
    # x + 1 = (largest + 1) * 2^k
    xs = [11 * 2**k - 1 for k in range(1, 7)]
    got = tail_scores([ref], one_column(xs))[:, 0].astype(float)
    assert EXTRAPOLATION_PER_DOUBLING == 0.3
    assert got[0] == pytest.approx(share_score(0) + 0.3, abs=1e-6)
    np.testing.assert_allclose(np.diff(got), EXTRAPOLATION_PER_DOUBLING, atol=1e-5)


def test_thinned_reference_never_tells_a_value_rarer_than_it_is():
    """With more distinct clean values than MAX_KNOTS, the knots are quantiles of them: between
    two knots the score is never above the value's exact score."""
    rng = np.random.default_rng(5)
    values = np.concatenate([rng.integers(1, 5, 9000), np.arange(5, 2000), np.zeros(5000)]).astype(float)
    ref = fit_reference(values, "conns_one_outside_service", 0)
    assert len(ref.knots) <= MAX_KNOTS < len(np.unique(values[values > 0]))
    xs = np.arange(1, 2000, dtype=float)  # up to the largest clean value
    exact = share_score(np.array([(values >= x).sum() for x in xs]), len(values))
    got = tail_scores([ref], one_column(xs))[:, 0].astype(float)
    assert (got <= exact + 1e-5).all(), xs[got > exact + 1e-5][:5]
    # Right above a knot, exact.
    above = np.searchsorted(xs, ref.knots[:-1], side="right")
    np.testing.assert_allclose(got[above], exact[above], atol=1e-5)
    # Common values stay common: 2 is reached by most host-windows that show any of it.
    assert got[1] < 0.5


def make_references():
    """Three evidence in columns 1, 3 and 4 of six host features."""
    rng = np.random.default_rng(3)
    clean = np.zeros((500, 6))
    clean[:, 0] = rng.poisson(20, 500)  # not an evidence
    clean[:, 1] = np.where(rng.random(500) < 0.2, rng.geometric(0.4, 500), 0)
    clean[:, 3] = np.where(rng.random(500) < 0.1, np.round(rng.random(500) * 64 * 3) / 64, 0)  # not whole
    clean[:, 4] = 0  # never shown by clean hosts
    names = ["scan_service_targets", "smtp_servers", "irc_connections"]
    return [fit_reference(clean[:, c], name, c) for name, c in zip(names, (1, 3, 4))]


def test_exported_onnx_equals_tail_scores_in_onnxruntime():
    references = make_references()
    calibration = Calibration(slope=1.25, intercept=-5.0)
    metadata = {"flowhound.model_kind": "anomaly", "flowhound.evidence_names": "scan_service_targets,smtp_servers,irc_connections"}
    model = export_onnx(references, calibration, 6, metadata)
    assert [i.name for i in model.graph.input] == ["features"]
    assert [o.name for o in model.graph.output] == ["tails", "anomaly", "probability"]
    assert {p.key: p.value for p in model.metadata_props} == metadata

    rng = np.random.default_rng(9)
    rows = np.zeros((400, 6), dtype=np.float32)
    rows[:, 0] = rng.poisson(20, 400)
    for ref in references:
        pool = np.concatenate([[0, -1], ref.knots, ref.knots + 0.25, ref.knots - 1 / 64, [ref.knots[-1] * 3, 1e4, 1e6]])
        rows[:, ref.column] = rng.choice(pool, 400).astype(np.float32)
    rows[:5, [1, 3, 4]] = 0  # no evidence at all
    tails, anomaly, probability = session(model).run(["tails", "anomaly", "probability"], {"features": rows})
    expected = tail_scores(references, rows)
    assert tails.shape == (400, 3) and anomaly.shape == (400,) and probability.shape == (400,)
    np.testing.assert_allclose(tails, expected, atol=1e-5)
    np.testing.assert_array_equal(anomaly, tails.max(axis=1))
    np.testing.assert_allclose(probability, calibration.probability(anomaly), atol=1e-6)
    # Zero stays zero, whatever the other columns hold; no evidence at all is anomaly 0.
    assert (tails[rows[:, [1, 3, 4]] <= 0] == 0).all()
    assert (anomaly[:5] == 0).all()
    assert probability[0] == pytest.approx(1 / (1 + np.exp(5.0)), rel=1e-5)
    # The column never shown by clean hosts scores past the reference whenever present.
    present = rows[:, 4] > 0
    assert (tails[present, 2] >= share_score(0, 500) - 1e-5).all()


def test_onnx_extrapolates_by_the_same_step_per_doubling():
    references = make_references()
    model = export_onnx(references, Calibration(1.0, 0.0), 6, {})
    last = float(references[0].knots[-1])
    rows = np.zeros((6, 6), dtype=np.float32)
    rows[:, 1] = [(last + 1) * 2**k - 1 for k in range(1, 7)]
    tails = session(model).run(["tails"], {"features": rows})[0]
    np.testing.assert_allclose(np.diff(tails[:, 0].astype(float)), EXTRAPOLATION_PER_DOUBLING, atol=1e-5)
    assert (tails[:, 1:] == 0).all()


def test_calibration_maps_anomaly_to_probability_and_back():
    calibration = Calibration(slope=1.5, intercept=-6.0)
    assert calibration.probability(np.array([4.0]))[0] == pytest.approx(0.5)
    assert calibration.anomaly_at(0.5) == pytest.approx(4.0)
    for p in (0.01, 0.39, 0.9):
        assert calibration.probability(np.array([calibration.anomaly_at(p)]))[0] == pytest.approx(p)
