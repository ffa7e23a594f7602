"""The host anomaly model: how rare each evidence value of a host-window is among clean ones.

For every evidence feature (the schema's ``evidence`` block of host features: scans, floods,
spam, failed retries, polling, beacons, DNS abuse), the reference is the values that clean
host-windows of the training data reach. A host-window's *tail score* for an evidence is

    -log10((number of clean reference values >= x, plus 1) / (reference size, plus 1))

so 4 means "at most one clean host-window in ten thousand shows this much", whatever the
network: a threshold on it says how rare, not how many. (The counts can be weighted, for the
variant that counts a long-lived clean host as a few windows: ``families.HOST_WINDOWS_COUNTED``.) Beyond the largest clean value the score
keeps growing with the logarithm of the excess (``EXTRAPOLATION_PER_DOUBLING`` per doubling), so
that two hosts past every clean one are still told apart. A value of 0 (no evidence) scores 0.

The host's anomaly is its largest tail score: the most unusual thing it did. The model is
exported to ONNX as one decision tree per evidence (the step function of the clean reference,
with one split per knot), followed by the extrapolation, the maximum, and a logistic map to a
probability whose two parameters the leave-one-family-out protocol fits (``calibrate``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import onnx
from onnx import TensorProto, helper

# Knots per evidence at most: every distinct reference value when there are fewer, else
# quantiles of them (the step function is then conservative between knots).
MAX_KNOTS = 255
EXTRAPOLATION_PER_DOUBLING = 0.3


@dataclass
class EvidenceReference:
    """The clean reference of one evidence: step-function knots and the tail score past each."""

    name: str
    column: int
    knots: np.ndarray  # ascending, float32, all > 0
    # tail score for x in (knots[i-1], knots[i]] is scores[i]; for x > knots[-1] it is scores[-1]
    # plus the extrapolation; scores[0] is for 0 < x <= knots[0].
    scores: np.ndarray
    reference_size: int
    reference_max: float


def fit_reference(values: np.ndarray, name: str, column: int, weights: np.ndarray | None = None) -> EvidenceReference:
    """The reference of one evidence from the clean host-windows' values, each counted with its
    weight (1 each when none are given)."""
    values = np.asarray(values, dtype=np.float64)
    weights = np.ones(len(values)) if weights is None else np.asarray(weights, dtype=np.float64)
    finite = np.isfinite(values)
    values, weights = values[finite], weights[finite]
    order = np.argsort(values, kind="stable")
    ordered, ordered_weights = values[order], weights[order]
    n = float(ordered_weights.sum())
    # weight of the values at or before each position: the weight at or above x is n minus it
    cumulative = np.concatenate([[0.0], np.cumsum(ordered_weights)])
    positive = np.unique(ordered[ordered > 0])
    if len(positive) > MAX_KNOTS:
        positive = np.unique(np.quantile(positive, np.linspace(0, 1, MAX_KNOTS), method="higher"))
    if len(positive) == 0:
        positive = np.array([1.0])
    # Rounded to float32 before counting, as onnxruntime compares in float32.
    knots = positive.astype(np.float32)
    # x in (knots[i-1], knots[i]] (0 before the first knot) scores the clean values above
    # knots[i-1]: exactly those that reach x when every distinct value is a knot, and never fewer
    # than reach x when the knots are quantiles of them, so that x is never told rarer than it is.
    below = np.concatenate([[0.0], knots[:-1].astype(np.float64)])
    at_least = n - cumulative[np.searchsorted(ordered, below, side="right")]
    scores = -np.log10((at_least + 1.0) / (n + 1.0))
    # Past the last knot no clean value reaches: the smallest count, zero.
    past_max = -np.log10(1.0 / (n + 1.0))
    scores = np.append(scores, past_max).astype(np.float32)
    return EvidenceReference(name, column, knots, scores, len(ordered), float(ordered[-1]) if len(ordered) else 0.0)


def tail_scores(references: list[EvidenceReference], host_rows: np.ndarray) -> np.ndarray:
    """Tail score per evidence for each row of ``host_rows`` (the schema's host features),
    exactly as the exported model computes it (float32 comparisons)."""
    rows = np.asarray(host_rows, dtype=np.float32)
    out = np.zeros((len(rows), len(references)), dtype=np.float32)
    for k, ref in enumerate(references):
        x = rows[:, ref.column]
        # index of the first knot >= x: scores for x in (knots[i-1], knots[i]]
        index = np.searchsorted(ref.knots, x, side="left")
        score = ref.scores[np.minimum(index, len(ref.knots))]
        last = ref.knots[-1]
        beyond = x > last
        excess = np.log2((x[beyond].astype(np.float64) + 1.0) / (float(last) + 1.0))
        score = score.astype(np.float64)
        score[beyond] = ref.scores[-1] + EXTRAPOLATION_PER_DOUBLING * excess
        score[x <= 0] = 0.0
        out[:, k] = score.astype(np.float32)
    return out


@dataclass
class Calibration:
    """probability = 1 / (1 + exp(-(slope * anomaly + intercept)))."""

    slope: float
    intercept: float

    def probability(self, anomaly: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-(self.slope * np.asarray(anomaly, dtype=np.float64) + self.intercept)))

    def anomaly_at(self, probability: float) -> float:
        return (np.log(probability / (1 - probability)) - self.intercept) / self.slope


def _tree_nodes(knots: np.ndarray, scores: np.ndarray):
    """A balanced binary tree over the knots: leaf i holds scores[i] (x in (knots[i-1], knots[i]])."""
    nodes = []  # (node_id, mode, value, true_id, false_id, leaf_value)

    def build(low: int, high: int) -> int:
        # leaves low..high inclusive (leaf i: between knots[i-1] and knots[i])
        node_id = len(nodes)
        nodes.append(None)
        if low == high:
            nodes[node_id] = (node_id, "LEAF", 0.0, 0, 0, float(scores[low]))
            return node_id
        middle = (low + high) // 2
        # x <= knots[middle] goes to leaves low..middle
        true_id = build(low, middle)
        false_id = build(middle + 1, high)
        nodes[node_id] = (node_id, "BRANCH_LEQ", float(knots[middle]), true_id, false_id, None)
        return node_id

    build(0, len(knots))
    return nodes


def export_onnx(references: list[EvidenceReference], calibration: Calibration, input_width: int, metadata: dict[str, str]) -> onnx.ModelProto:
    """The anomaly model: input ``features`` float32 [N, input_width] (the host features);
    outputs ``tails`` [N, K], ``anomaly`` [N] (their maximum) and ``probability`` [N]."""
    k_count = len(references)
    attrs = {key: [] for key in (
        "nodes_treeids", "nodes_nodeids", "nodes_featureids", "nodes_values", "nodes_modes",
        "nodes_truenodeids", "nodes_falsenodeids", "nodes_missing_value_tracks_true",
        "target_treeids", "target_nodeids", "target_ids", "target_weights")}
    for tree, ref in enumerate(references):
        for node_id, mode, value, true_id, false_id, leaf in _tree_nodes(ref.knots, ref.scores):
            attrs["nodes_treeids"].append(tree)
            attrs["nodes_nodeids"].append(node_id)
            attrs["nodes_featureids"].append(ref.column)
            attrs["nodes_values"].append(value)
            attrs["nodes_modes"].append(mode)
            attrs["nodes_truenodeids"].append(true_id)
            attrs["nodes_falsenodeids"].append(false_id)
            attrs["nodes_missing_value_tracks_true"].append(0)
            if mode == "LEAF":
                attrs["target_treeids"].append(tree)
                attrs["target_nodeids"].append(node_id)
                attrs["target_ids"].append(tree)
                attrs["target_weights"].append(leaf)
    nodes = [
        helper.make_node("TreeEnsembleRegressor", ["features"], ["steps"], domain="ai.onnx.ml",
                         n_targets=k_count, aggregate_function="SUM", post_transform="NONE", **attrs),
        # The evidence columns, to extrapolate past the reference and to zero empty evidence.
        helper.make_node("Gather", ["features", "evidence_columns"], ["evidence"], axis=1),
        helper.make_node("Add", ["evidence", "one"], ["evidence_plus_one"]),
        helper.make_node("Div", ["evidence_plus_one", "last_knot_plus_one"], ["ratio"]),
        helper.make_node("Log", ["ratio"], ["log_ratio"]),
        helper.make_node("Relu", ["log_ratio"], ["excess_nats"]),
        helper.make_node("Mul", ["excess_nats", "per_nat"], ["extrapolated"]),
        helper.make_node("Add", ["steps", "extrapolated"], ["unmasked"]),
        helper.make_node("Greater", ["evidence", "zero"], ["present"]),
        helper.make_node("Cast", ["present"], ["present_float"], to=TensorProto.FLOAT),
        helper.make_node("Mul", ["unmasked", "present_float"], ["tails"]),
        helper.make_node("ReduceMax", ["tails"], ["anomaly_column"], axes=[1], keepdims=1),
        helper.make_node("Flatten", ["anomaly_column"], ["anomaly_2d"], axis=1),
        helper.make_node("Squeeze", ["anomaly_2d", "squeeze_axes"], ["anomaly"]),
        helper.make_node("Mul", ["anomaly", "slope"], ["scaled"]),
        helper.make_node("Add", ["scaled", "intercept"], ["logit"]),
        helper.make_node("Sigmoid", ["logit"], ["probability"]),
    ]
    last = np.array([float(ref.knots[-1]) + 1.0 for ref in references], dtype=np.float32)
    initializers = [
        helper.make_tensor("evidence_columns", TensorProto.INT64, [k_count], [ref.column for ref in references]),
        helper.make_tensor("one", TensorProto.FLOAT, [], [1.0]),
        helper.make_tensor("zero", TensorProto.FLOAT, [], [0.0]),
        helper.make_tensor("last_knot_plus_one", TensorProto.FLOAT, [k_count], last.tolist()),
        helper.make_tensor("per_nat", TensorProto.FLOAT, [], [EXTRAPOLATION_PER_DOUBLING / float(np.log(2.0))]),
        helper.make_tensor("squeeze_axes", TensorProto.INT64, [1], [1]),
        helper.make_tensor("slope", TensorProto.FLOAT, [], [calibration.slope]),
        helper.make_tensor("intercept", TensorProto.FLOAT, [], [calibration.intercept]),
    ]
    graph = helper.make_graph(
        nodes, "flowhound_host_anomaly",
        [helper.make_tensor_value_info("features", TensorProto.FLOAT, [None, input_width])],
        [
            helper.make_tensor_value_info("tails", TensorProto.FLOAT, [None, k_count]),
            helper.make_tensor_value_info("anomaly", TensorProto.FLOAT, [None]),
            helper.make_tensor_value_info("probability", TensorProto.FLOAT, [None]),
        ],
        initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 15), helper.make_opsetid("ai.onnx.ml", 1)],
                              producer_name="flowhound models/train")
    model.ir_version = 8
    for key, value in metadata.items():
        entry = model.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.checker.check_model(model)
    return model
