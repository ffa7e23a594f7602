"""train.py in manifest mode (--tables DIR with tables.json, as make_tables.py writes it), end to
end on the fake sources of make_fake_tables.make_manifest: the two forests and the host anomaly
model, with their cards and parity fixtures.

Run: python -m pytest models/train/tests -q
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import make_fake_tables  # noqa: E402
import train  # noqa: E402
from anomaly import Calibration  # noqa: E402
from contract import HOST_EVIDENCE, HOST_FEATURES, MODEL_FILES, SCHEMA_VERSION  # noqa: E402

FAST = ["--flow-trees", "6", "--flow-max-depth", "6", "--host-trees", "6", "--host-max-depth", "5", "--folds", "3", "--bench-rows", "0",
        "--parity-rows", "200"]
FAMILIES = ["beaconer", "scanner", "spambot"]


@pytest.fixture(scope="module")
def tables_dir(tmp_path_factory) -> Path:
    return make_fake_tables.make_manifest(tmp_path_factory.mktemp("manifest"), seed=11)


@pytest.fixture(scope="module")
def out(tables_dir, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("models")
    assert train.main(["--tables", str(tables_dir), "--out", str(out), "--seed", "3", *FAST]) == 0
    return out


def card(out: Path, kind: str) -> dict:
    return json.loads((out / f"{MODEL_FILES[kind]}.card.json").read_text())


def test_writes_the_three_models_with_cards_and_parity_fixtures(out):
    for stem in MODEL_FILES.values():
        for suffix in (".onnx", ".card.json", ".card.md", ".parity.json"):
            assert (out / f"{stem}{suffix}").stat().st_size > 0, f"{stem}{suffix}"
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{stem}{suffix}" for stem in MODEL_FILES.values()
                                                          for suffix in (".onnx", ".card.json", ".card.md", ".parity.json"))


def test_the_sources_say_which_tables_train_what(out):
    flow, host = card(out, "flow"), card(out, "host")
    flow_paths = {Path(t["path"]).name for t in flow["training_inputs"] if t["kind"] == "flow"}
    host_paths = {Path(t["path"]).name for t in flow["training_inputs"] if t["kind"] == "host"}
    # Every table trains the flow model; the flow-only sample has no host rows.
    assert "sample.flowfile.arrow" in flow_paths and len(flow_paths) == 8
    assert "sample.flowfile.hosts.arrow" not in host_paths and len(host_paths) == 7
    assert host["training_inputs"] == flow["training_inputs"]
    # The two views of one source share a fold.
    assert ["spam-1.binetflow", "spam-1.pcap"] in host["metrics"]["cross_validated"]["linked_sources"]


def test_anomaly_model_metadata_and_card(out):
    path = out / f"{MODEL_FILES['anomaly']}.onnx"
    model = onnx.load(str(path))
    meta = {p.key: p.value for p in model.metadata_props}
    c = card(out, "anomaly")
    assert meta["flowhound.model_kind"] == "anomaly" == c["model_kind"]
    assert meta["flowhound.schema_version"] == str(SCHEMA_VERSION) and c["schema_version"] == SCHEMA_VERSION
    assert meta["flowhound.feature_names"].split(",") == list(HOST_FEATURES) == c["feature_names"]
    assert meta["flowhound.evidence_names"].split(",") == list(HOST_EVIDENCE) == c["evidence"]
    assert float(meta["flowhound.threshold"]) == c["threshold"]
    assert float(meta["flowhound.anomaly_threshold"]) == c["anomaly_threshold"]
    assert [o.name for o in model.graph.output] == ["tails", "anomaly", "probability"]
    assert c["onnx_sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    # The probability threshold is the anomaly threshold's image rounded down to four decimals: a
    # host-window at exactly the anomaly threshold is flagged by either.
    calibration = Calibration(c["calibration"]["slope"], c["calibration"]["intercept"])
    at_threshold = float(np.float32(calibration.probability(np.array([c["anomaly_threshold"]]))[0]))
    assert c["threshold"] <= at_threshold < c["threshold"] + 1e-4
    assert c["threshold"] == round(c["threshold"], 4)
    # Trained on the host-level tables only.
    assert sorted(Path(t["path"]).name for t in c["training_inputs"]) == sorted(
        f"{s}.{v}.hosts.arrow" for s, v in [("beacon-1", "flowfile"), ("normal-a", "flowfile"), ("normal-b", "flowfile"), ("normal-c", "flowfile"),
                                           ("scan-1", "flowfile"), ("spam-1", "flowfile"), ("spam-1", "packets")])
    assert c["reference"]["clean_host_windows"] > 0 and len(c["reference"]["evidence"]) == len(HOST_EVIDENCE)


def test_anomaly_card_holds_leave_one_family_out(out):
    c = card(out, "anomaly")
    lofo = c["leave_one_family_out"]
    assert [row["family"] for row in lofo["families"]] == FAMILIES
    assert {row["family"]: row["held_out_sources"] for row in lofo["families"]} == {
        "beaconer": ["beacon-1", "normal-c"], "scanner": ["normal-b", "scan-1"], "spambot": ["normal-a", "spam-1"]}
    for row in lofo["families"]:
        assert row["active_windows"] > 0 and row["ranked_first_share"] == 1.0, row["family"]
        assert 0 <= row["flagged_share"] <= 1 and row["false_positives"] <= row["clean_host_windows"]
    assert [row["family"] for row in lofo["supervised_baseline"]] == FAMILIES
    pooled = lofo["pooled"]
    assert pooled["clean_host_windows"] == sum(row["clean_host_windows"] for row in lofo["families"])
    md = (out / f"{MODEL_FILES['anomaly']}.card.md").read_text()
    assert "## Leave-one-family-out" in md and all(f"| {family} |" in md for family in FAMILIES)


def test_anomaly_parity_fixture_matches_onnxruntime(out):
    fixture = json.loads((out / f"{MODEL_FILES['anomaly']}.parity.json").read_text())
    assert fixture["model"] == f"{MODEL_FILES['anomaly']}.onnx"
    assert fixture["evidence_names"] == list(HOST_EVIDENCE)
    X = np.array(fixture["rows"], dtype=np.float32)
    assert len(X) == 256
    session = ort.InferenceSession(str(out / fixture["model"]), providers=["CPUExecutionProvider"])
    tails, anomaly, probability = session.run(["tails", "anomaly", "probability"], {"features": X})
    tolerance = fixture["tolerance"]
    assert tolerance <= 1e-5
    assert np.abs(tails - np.array(fixture["tails"])).max() <= tolerance
    assert np.abs(anomaly - np.array(fixture["anomaly"])).max() <= tolerance
    assert np.abs(probability - np.array(fixture["probability"])).max() <= tolerance
    threshold = card(out, "anomaly")["anomaly_threshold"]
    assert (anomaly >= threshold).any() and (anomaly < threshold).any()
