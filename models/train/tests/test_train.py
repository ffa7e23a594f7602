"""End-to-end tests of models/train on small synthetic tables (tests/make_fake_tables.py).

Run: python -m pytest models/train/tests -q
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pyarrow as pa
import pyarrow.ipc as ipc
import pytest

HERE = Path(__file__).resolve().parent
TRAIN_DIR = HERE.parent
sys.path.insert(0, str(TRAIN_DIR))
sys.path.insert(0, str(HERE))

import make_fake_tables  # noqa: E402
import train  # noqa: E402
from contract import FLOW_FEATURES, HOST_FEATURES, HOST_SCORE_AGGREGATES, MODEL_FILES, SCHEMA_VERSION  # noqa: E402

HOLDOUTS = [
    "--holdout", "scenario11=*capture20110818-2*,*scenario11*@2011-08-18",
    "--holdout", "scenario6=capture20110816.*,scenario6.*@2011-08-16",
    "--utc-offset", "120",
]
FAST = ["--flow-trees", "6", "--flow-max-depth", "6", "--host-trees", "6", "--host-max-depth", "5", "--folds", "3", "--bench-rows", "20000"]


@pytest.fixture(scope="module")
def tables(tmp_path_factory):
    return make_fake_tables.make_all(tmp_path_factory.mktemp("tables"), seed=7)


def table_args(t, schema=True):
    args = ["--flows", *map(str, t["flows"]), "--hosts", *map(str, t["hosts"])]
    return args + (["--schema", str(t["schema"][0])] if schema else [])


def run_train(args):
    return train.main(args)


@pytest.fixture(scope="module")
def trained(tables, tmp_path_factory):
    out = tmp_path_factory.mktemp("out1")
    assert run_train(table_args(tables) + ["--out", str(out), "--seed", "3"] + HOLDOUTS + FAST) == 0
    return out


def sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def test_model_files_are_version_2():
    assert SCHEMA_VERSION == 2
    assert MODEL_FILES == {"flow": "flow-rf-v2", "host": "host-rf-v2", "anomaly": "host-anomaly-v2"}


@pytest.mark.parametrize("stem", ["flow-rf-v2", "host-rf-v2"])
def test_files_exist(trained, stem):
    for suffix in (".onnx", ".card.json", ".card.md", ".parity.json"):
        assert (trained / f"{stem}{suffix}").stat().st_size > 0


def test_no_anomaly_model_without_a_manifest(trained):
    """Tables given one by one carry no sources or families: the anomaly model needs tables.json."""
    assert not list(trained.glob("host-anomaly-v2.*"))


@pytest.mark.parametrize("stem,kind,names", [
    ("flow-rf-v2", "flow", list(FLOW_FEATURES)),
    ("host-rf-v2", "host", list(HOST_FEATURES) + list(HOST_SCORE_AGGREGATES)),
])
def test_onnx_graph_and_metadata(trained, stem, kind, names):
    m = onnx.load(str(trained / f"{stem}.onnx"))
    meta = {p.key: p.value for p in m.metadata_props}
    card = json.loads((trained / f"{stem}.card.json").read_text())
    assert meta["flowhound.model_kind"] == kind
    assert meta["flowhound.schema_version"] == str(SCHEMA_VERSION)
    assert meta["flowhound.feature_names"].split(",") == names
    assert float(meta["flowhound.threshold"]) == card["threshold"]
    assert 0 < card["threshold"] < 1
    assert [i.name for i in m.graph.input] == ["features"]
    dims = m.graph.input[0].type.tensor_type.shape.dim
    assert m.graph.input[0].type.tensor_type.elem_type == onnx.TensorProto.FLOAT
    assert not dims[0].HasField("dim_value") and dims[1].dim_value == len(names)
    assert [o.name for o in m.graph.output] == ["label", "probabilities"]
    for key in ("model_kind", "schema_version", "feature_names", "threshold", "onnx_sha256", "training_inputs", "hyperparameters", "metrics", "seed"):
        assert key in card, key
    assert card["onnx_sha256"] == sha(trained / f"{stem}.onnx")
    assert card["feature_names"] == names and card["seed"] == 3
    assert all({"path", "sha256", "rows"} <= set(t) for t in card["training_inputs"])


@pytest.mark.parametrize("stem", ["flow-rf-v2", "host-rf-v2"])
def test_parity_fixture_matches_onnxruntime(trained, stem):
    fx = json.loads((trained / f"{stem}.parity.json").read_text())
    assert fx["model"] == f"{stem}.onnx"
    X = np.array(fx["rows"], dtype=np.float64)
    assert 200 <= len(X) <= 256
    assert np.array_equal(X.astype(np.float32).astype(np.float64), X), "rows must be float32-representable"
    sess = ort.InferenceSession(str(trained / f"{stem}.onnx"), providers=["CPUExecutionProvider"])
    p = sess.run(["probabilities"], {"features": X.astype(np.float32)})[0][:, 1]
    assert np.max(np.abs(p - np.array(fx["probabilities"]))) <= 1e-5
    threshold = json.loads((trained / f"{stem}.card.json").read_text())["threshold"]
    assert (np.array(fx["probabilities"]) >= threshold).any(), "the fixture should hold positives"


def test_cards_hold_holdout_metrics(trained):
    card = json.loads((trained / "host-rf-v2.card.json").read_text())
    by_name = {h["name"]: h for h in card["metrics"]["holdouts"]}
    assert set(by_name) == {"scenario11", "scenario6"}
    s11 = by_name["scenario11"]
    assert s11["test_inputs"] == ["capture20110818-2.botnet.binetflow.gz"]
    assert "capture20110818-2.botnet.binetflow.gz" not in s11["train_inputs"]
    assert s11["benign_test_days"] == ["2011-08-18"]
    for part in ("flow", "host"):
        for k in ("precision", "recall", "f1", "roc_auc"):
            assert k in s11[part]
    assert "false_positive_rate" in s11["host"]
    ranks = s11["infected_host_ranks"]
    assert {r["host"] for r in ranks} == {"147.32.86.15", "147.32.86.16", "147.32.86.17"}
    for r in ranks:
        assert 0 <= r["share_ranked_first"] <= r["share_ranked_first_among_clean"] <= 1
        assert all(w["rank_among_clean"] <= w["rank"] for w in r["windows"])
    md = (trained / "host-rf-v2.card.md").read_text()
    assert "scenario11" in md and "2011-08-18" in md and "| precision |" in md.replace("precision | recall", "precision |")


def test_benign_test_day_is_not_trained_on(tables):
    from contract import load_schema
    from splits import local_day, day_number, parse_holdout, split_holdout
    from tables import load_dataset

    ds = load_dataset([str(p) for p in tables["flows"]], [str(p) for p in tables["hosts"]], load_schema(None))
    split = split_holdout(ds, parse_holdout("s11=*capture20110818-2*@2011-08-18"), "*benign*", 120)
    benign = ds.inputs.index("benign-sample.binetflow.gz")
    d = day_number("2011-08-18")
    tr, te = split.train.flows, split.test.flows
    assert not ((tr.input == benign) & (local_day(tr.window_us, 120) == d)).any()
    assert ((te.input == benign) & (local_day(te.window_us, 120) == d)).any()
    assert not (te.input == ds.inputs.index("capture20110816.binetflow.gz")).any()


def test_same_seed_same_onnx_bytes(tables, trained, tmp_path):
    out = tmp_path / "again"
    assert run_train(table_args(tables) + ["--out", str(out), "--seed", "3"] + HOLDOUTS + FAST) == 0
    for stem in ("flow-rf-v2", "host-rf-v2"):
        assert sha(out / f"{stem}.onnx") == sha(trained / f"{stem}.onnx")


def test_aggregates_follow_the_contract():
    """Max, mean, count >= threshold and share over the flows where the host is a LAN end; self-flows once."""
    import host_aggregates
    from tables import Flows, Hosts

    # hosts: 0 = A, 1 = B (codes into an address list [A, B, X])
    hosts = Hosts(input=np.array([0, 0, 0], np.int32), window_us=np.array([0, 0, 150], np.int64), host=np.array([0, 1, 0], np.int32),
                  host_label=np.zeros(3, np.int8), X=np.zeros((3, len(HOST_FEATURES)), np.float32))
    flows = Flows(
        input=np.zeros(4, np.int32),
        window_us=np.array([0, 0, 0, 0], np.int64),
        src=np.array([0, 2, 0, 1], np.int32),
        dst=np.array([1, 0, 0, 2], np.int32),
        src_is_lan=np.array([True, False, True, True]),
        dst_is_lan=np.array([True, True, True, False]),
        flow_class=np.zeros(4, np.int8),
        X=np.zeros((4, len(FLOW_FEATURES)), np.float32),
    )
    p = np.array([0.9, 0.2, 0.6, 0.1])
    agg = host_aggregates.compute(flows, hosts, p, 0.5, 3)
    # A: flows 0 (src), 1 (dst), 2 (both ends: once) -> p = .9 .2 .6
    np.testing.assert_allclose(agg.values[0], [0.9, (0.9 + 0.2 + 0.6) / 3, 2, 2 / 3], rtol=1e-6)
    # B: flows 0 (dst), 3 (src) -> p = .9 .1
    np.testing.assert_allclose(agg.values[1], [0.9, 0.5, 1, 0.5], rtol=1e-6)
    # A in the window at 150: no flows
    assert agg.values[2].tolist() == [0, 0, 0, 0] and agg.flow_count.tolist() == [3, 2, 0]


def _rewrite(src: Path, dst: Path, fn) -> Path:
    t = ipc.open_file(pa.memory_map(str(src))).read_all()
    t = fn(t)
    with pa.OSFile(str(dst), "wb") as sink, ipc.new_file(sink, t.schema) as w:
        w.write_table(t)
    return dst


def _error_of(args, capsys) -> str:
    assert run_train(args) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err


def test_missing_feature_column_is_a_clear_error(tables, tmp_path, capsys):
    bad = _rewrite(tables["flows"][0], tmp_path / "bad.arrow", lambda t: t.drop_columns(["dst_silent"]))
    flows = [str(bad)] + [str(p) for p in tables["flows"][1:]]
    err = _error_of(["--flows", *flows, "--hosts", *map(str, tables["hosts"]), "--out", str(tmp_path / "o")] + FAST, capsys)
    assert "bad.arrow" in err and "missing feature column(s): dst_silent" in err


def test_renamed_and_reordered_features_are_clear_errors(tables, tmp_path, capsys):
    renamed = _rewrite(tables["hosts"][0], tmp_path / "renamed.hosts.arrow", lambda t: t.rename_columns(["beacon_contacts_x" if c == "beacon_contacts" else c for c in t.column_names]))
    hosts = [str(renamed)] + [str(p) for p in tables["hosts"][1:]]
    err = _error_of(["--flows", *map(str, tables["flows"]), "--hosts", *hosts, "--out", str(tmp_path / "o")] + FAST, capsys)
    assert "missing feature column(s): beacon_contacts" in err and "beacon_contacts_x" in err

    def swap(t):
        names = t.column_names
        i, j = names.index("src_bytes"), names.index("dst_bytes")
        order = list(range(len(names)))
        order[i], order[j] = order[j], order[i]
        return t.select(order)

    swapped = _rewrite(tables["flows"][0], tmp_path / "swapped.arrow", swap)
    flows = [str(swapped)] + [str(p) for p in tables["flows"][1:]]
    err = _error_of(["--flows", *flows, "--hosts", *map(str, tables["hosts"]), "--out", str(tmp_path / "o")] + FAST, capsys)
    assert "another order" in err and "src_bytes" in err


def test_schema_file_disagreeing_with_tables(tables, tmp_path, capsys):
    schema = json.loads(Path(tables["schema"][0]).read_text())
    schema["flow"].append("new_feature")
    path = tmp_path / "schema.json"
    path.write_text(json.dumps(schema))
    err = _error_of(table_args(tables, schema=False) + ["--schema", str(path), "--out", str(tmp_path / "o")] + FAST, capsys)
    assert "missing feature column(s): new_feature" in err and str(path) in err


def test_missing_identity_column_is_a_clear_error(tables, tmp_path, capsys):
    bad = _rewrite(tables["hosts"][1], tmp_path / "nolabel.hosts.arrow", lambda t: t.drop_columns(["host_label"]))
    hosts = [str(tables["hosts"][0]), str(bad)] + [str(p) for p in tables["hosts"][2:]]
    err = _error_of(["--flows", *map(str, tables["flows"]), "--hosts", *hosts, "--out", str(tmp_path / "o")] + FAST, capsys)
    assert "nolabel.hosts.arrow" in err and "host_label" in err


def test_command_line_usage_error_has_no_traceback(tables, tmp_path):
    r = subprocess.run([sys.executable, str(TRAIN_DIR / "train.py"), *table_args(tables), "--out", str(tmp_path), "--holdout", "no-equals-sign"],
                       capture_output=True, text=True)
    assert r.returncode == 2 and "Traceback" not in r.stderr and "--holdout" in r.stderr


def test_inputs_with_the_same_traffic_share_a_fold(tables, tmp_path):
    """A copy of an input under another name (like a capture rebuilt from a flow file) is linked to it."""
    from contract import load_schema
    from splits import input_sources
    from tables import load_dataset

    def rename(t):
        return t.set_column(t.column_names.index("input"), "input", pa.array(["scenario6.pcap"] * t.num_rows, pa.string()))

    fcopy = _rewrite(tables["flows"][1], tmp_path / "scenario6.packets.arrow", rename)
    hcopy = _rewrite(tables["hosts"][1], tmp_path / "scenario6.packets.hosts.arrow", rename)
    ds = load_dataset([*map(str, tables["flows"]), str(fcopy)], [*map(str, tables["hosts"]), str(hcopy)], load_schema(None))
    source, linked = input_sources(ds, [], 0.5)
    assert linked == [["capture20110816.binetflow.gz", "scenario6.pcap"]]
    assert source[ds.inputs.index("scenario6.pcap")] == source[ds.inputs.index("capture20110816.binetflow.gz")]
    assert len(set(source.tolist())) == len(ds.inputs) - 1
    _, linked = input_sources(ds, [("capture20110815.*", "benign-*")], 0.0)
    assert linked == [["benign-sample.binetflow.gz", "capture20110815.binetflow.gz"]]
