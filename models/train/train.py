#!/usr/bin/env python3
"""Train flowhound's flow and host models from `flowhound features` tables and export them to ONNX.

    python models/train/train.py --flows A.arrow B.arrow --hosts A.hosts.arrow B.hosts.arrow \
        --out models/ --seed 1 [--holdout NAME=GLOB[,GLOB][@YYYY-MM-DD[,...]] ...]

See models/train/README.md for every option.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402

import cards  # noqa: E402
import evaluate  # noqa: E402
import export  # noqa: E402
from contract import MODEL_FILES, ContractError, load_schema  # noqa: E402
from forest import ForestParams, TrainingError, node_count  # noqa: E402
from pipeline import TrainConfig, log, score, train  # noqa: E402
from splits import HoldoutSpecError, input_sources, matching, parse_holdout, split_holdout  # noqa: E402
from tables import load_dataset  # noqa: E402

LIMITATIONS = [
    "Trained on the labelled inputs listed above only (for CTU-13: botnets of 2011 on one university "
    "LAN). Other malware, other networks and encrypted or modern command-and-control traffic may look different.",
    "CTU-13 `background` flows are negatives although they are unverified traffic; `unknown` hosts are "
    "negatives although some may be infected. Precision and false-positive rates are measured against these labels.",
    "Windows overlap (a flow counts in two windows), so rows are not independent; folds and held-out sets "
    "are grouped by input, host or day, never by random rows.",
    "Benign test rows are unseen *days* of the benign input, not unseen hosts: the same clean hosts can "
    "appear, on other days, in training.",
    "Thresholds maximise F1 on out-of-fold scores; an operator who prefers fewer alerts or fewer misses should pick another.",
    "The host model depends on the flow model: both must be used together (same schema version and flow threshold).",
    "The held-out figures are only as good as the scenarios behind them. The shipped models' data holds two complete botnet scenarios (6 and 11) and 100-row samples of five others: each held-out test has one botnet scenario to train on and one to test, one to three bots, and a threshold chosen on the other scenario. That cannot show whether a model reaches host-window F1 >= 0.95 with <= 0.5% false positives and each bot first in >= 95% of its windows; the figures above are what was measured, short of those targets, not a split made to reach them.",
]


def parse_args(argv: list[str]) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        prog="train.py",
        description="Train the flow and host random forests from `flowhound features` tables, evaluate them on "
        "held-out scenarios, export ONNX models with cards and parity fixtures.",
    )
    ap.add_argument("--tables", metavar="DIR", help="take every DIR/*.arrow as a flow table and every DIR/*.hosts.arrow as a host table")
    ap.add_argument("--flows", nargs="+", default=[], metavar="TABLE", help="flow tables (.arrow IPC file/stream or .csv)")
    ap.add_argument("--hosts", nargs="+", default=[], metavar="TABLE", help="host tables (the .hosts.arrow files)")
    ap.add_argument("--out", required=True, metavar="DIR", help="where to write flow-rf-v2.*, host-rf-v2.* and host-anomaly-v2.*")
    ap.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    ap.add_argument("--schema", metavar="JSON", help="feature schema exported by the Rust side; default: the contract's lists")
    g = ap.add_argument_group("forests")
    g.add_argument("--flow-trees", type=int, default=32, help="trees of the flow model (default 32)")
    g.add_argument("--flow-max-depth", type=int, default=10, help="max depth of the flow model's trees (default 10)")
    g.add_argument("--flow-min-samples-leaf", type=int, default=2, help="min rows per leaf, flow model (default 2)")
    g.add_argument("--flow-max-samples", type=float, default=None, help="bootstrap sample per tree as a fraction of the rows, flow model (default: all)")
    g.add_argument("--host-trees", type=int, default=32, help="trees of the host model (default 32)")
    g.add_argument("--host-max-depth", type=int, default=8, help="max depth of the host model's trees (default 8)")
    g.add_argument("--host-min-samples-leaf", type=int, default=2, help="min rows per leaf, host model (default 2)")
    g.add_argument("--host-max-samples", type=float, default=None, help="bootstrap sample fraction, host model (default: all)")
    g.add_argument("--max-features", default="sqrt", help="features tried per split: sqrt, log2 or a fraction (default sqrt)")
    g.add_argument("--class-weight", choices=["balanced", "balanced_subsample", "none"], default="balanced", help="class weighting (default balanced)")
    g.add_argument("--n-jobs", type=int, default=2, help="threads for training (default 2)")
    g = ap.add_argument_group("folds, thresholds and evaluation")
    g.add_argument("--folds", type=int, default=5, help="grouped folds for out-of-fold scores (default 5; fewer if fewer groups)")
    g.add_argument("--group-by", choices=["auto", "input", "host"], default="auto", help="fold groups: whole inputs, or addresses (default auto: input when possible)")
    g.add_argument("--same-source", action="append", default=[], metavar="GLOB[,GLOB...]",
                   help="inputs that hold the same traffic (e.g. a flow file and the capture rebuilt from it) always share a fold (repeatable)")
    g.add_argument("--source-overlap", type=float, default=0.5, metavar="SHARE",
                   help="also link two inputs when this share of the smaller one's (window, host) rows appear in the other (default 0.5; 0 = off)")
    g.add_argument("--flow-threshold", type=float, default=None, help="fixed flow threshold instead of the out-of-fold F1 choice")
    g.add_argument("--host-threshold", type=float, default=None, help="fixed host threshold instead of the out-of-fold F1 choice")
    g.add_argument("--holdout", action="append", default=[], metavar="NAME=GLOB[,GLOB][@DAY[,DAY]]",
                   help="a held-out evaluation (repeatable): inputs matching a GLOB are test-only, and so are the benign input's rows on DAY (YYYY-MM-DD)")
    g.add_argument("--flow-only", action="append", default=[], metavar="GLOB", help="input name(s) that train the flow model only and have no host table (repeatable), e.g. small samples whose host rows say nothing of behaviour")
    g.add_argument("--benign", default="*benign*", metavar="GLOB", help="input name(s) of the benign input split by day (default '*benign*')")
    g.add_argument("--utc-offset", type=int, default=0, metavar="MINUTES", help="local time of the days in --holdout, minutes east of UTC (CTU-13: 120)")
    g = ap.add_argument_group("export")
    g.add_argument("--parity-rows", type=int, default=256, help="rows in each parity fixture (default 256)")
    g.add_argument("--bench-rows", type=int, default=200_000, help="rows for the onnxruntime speed measurement (default 200000; 0 to skip)")
    args = ap.parse_args(argv)
    args.manifest = None
    if args.tables:
        d = Path(args.tables)
        if not d.is_dir():
            ap.error(f"--tables {args.tables}: not a directory")
        if (d / "tables.json").is_file():
            # Tables made by make_tables.py: the sources say which tables train what.
            args.manifest = read_manifest(d)
            args.flows += [str(d / t["flows"]) for t in args.manifest["tables"]]
            args.hosts += [str(d / t["hosts"]) for t in args.manifest["tables"] if t["host_level"]]
            args.flow_only += [name for t in args.manifest["tables"] if not t["host_level"] for name in t["inputs"]]
            for views in args.manifest["same_source"]:
                args.same_source.append(",".join(views))
        else:
            args.flows += sorted(str(p) for p in d.glob("*.arrow") if not p.name.endswith(".hosts.arrow"))
            args.hosts += sorted(str(p) for p in d.glob("*.hosts.arrow"))
    if not args.flows or not args.hosts:
        ap.error("give the tables: --tables DIR, or --flows TABLE... and --hosts TABLE...")
    for name in ("flow_trees", "host_trees", "flow_max_depth", "host_max_depth", "flow_min_samples_leaf", "host_min_samples_leaf", "n_jobs", "parity_rows"):
        if getattr(args, name) < 1:
            ap.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.folds < 2:
        ap.error("--folds must be at least 2")
    for name in ("flow_max_samples", "host_max_samples"):
        v = getattr(args, name)
        if v is not None and not 0 < v <= 1:
            ap.error(f"--{name.replace('_', '-')} must be in (0, 1]")
    for name in ("flow_threshold", "host_threshold"):
        v = getattr(args, name)
        if v is not None and not 0 <= v <= 1:
            ap.error(f"--{name.replace('_', '-')} must be in [0, 1]")
    if args.max_features not in ("sqrt", "log2"):
        try:
            args.max_features = float(args.max_features)
            assert 0 < args.max_features <= 1
        except (ValueError, AssertionError):
            ap.error("--max-features must be sqrt, log2 or a fraction in (0, 1]")
    args.same_source_globs = [tuple(g for g in s.split(",") if g) for s in args.same_source]
    if any(not g for g in args.same_source_globs):
        ap.error("--same-source needs at least one GLOB")
    if not 0 <= args.source_overlap <= 1:
        ap.error("--source-overlap must be in [0, 1]")
    try:
        args.holdouts = [parse_holdout(h) for h in args.holdout]
    except HoldoutSpecError as e:
        ap.error(str(e))
    names = [h.name for h in args.holdouts]
    if len(set(names)) != len(names):
        ap.error("--holdout names must differ")
    return args


def read_manifest(tables_dir: Path) -> dict:
    """tables.json of make_tables.py, with each table's input names (the tables' `input` column)
    and, per source seen in two views, the inputs that hold the same traffic."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.ipc as ipc

    manifest = json.loads((tables_dir / "tables.json").read_text())
    by_source: dict[str, list[str]] = {}
    for table in manifest["tables"]:
        with pa.memory_map(str(tables_dir / table["flows"])) as f:
            inputs = pc.unique(ipc.open_file(f).read_all().column("input")).to_pylist()
        table["inputs"] = sorted(inputs)
        by_source.setdefault(table["source"], []).extend(table["inputs"])
    manifest["same_source"] = [sorted(names) for names in by_source.values() if len(names) > 1]
    return manifest


def make_config(args: argparse.Namespace, seed: int) -> TrainConfig:
    cw = None if args.class_weight == "none" else args.class_weight
    flow = ForestParams(args.flow_trees, args.flow_max_depth, args.flow_min_samples_leaf, args.max_features, cw, args.flow_max_samples, args.n_jobs)
    host = ForestParams(args.host_trees, args.host_max_depth, args.host_min_samples_leaf, args.max_features, cw, args.host_max_samples, args.n_jobs)
    return TrainConfig(flow, host, args.folds, args.group_by, seed, args.flow_threshold, args.host_threshold)


def _threshold_dict(choice) -> dict:
    def clean(x):
        return None if x != x else round(x, 6)

    return {"rule": choice.rule, "f1": clean(choice.f1), "precision": clean(choice.precision), "recall": clean(choice.recall)}


def run_holdout(ds, holdout, args, cfg) -> dict:
    split = split_holdout(ds, holdout, args.benign, args.utc_offset)
    log(f"holdout {holdout.name}: train on {', '.join(split.train_inputs)}; test on {', '.join(split.test_inputs)}"
        + (f" + benign days {', '.join(split.benign_test_days)}" if split.benign_test_days else ""))
    trained = train(split.train, cfg, f"holdout {holdout.name}")
    scored = score(split.test, trained)
    tf = split.test.flows
    lab = tf.labelled
    return {
        "name": holdout.name,
        "spec": holdout.spec(),
        "train_inputs": split.train_inputs,
        "test_inputs": split.test_inputs,
        "benign_inputs": split.benign_inputs,
        "benign_test_days": split.benign_test_days,
        "utc_offset_minutes": args.utc_offset,
        "train_rows": {"flows": len(split.train.flows), "hosts": len(split.train.hosts)},
        "test_rows": {"flows": len(tf), "flows_labelled": int(lab.sum()), "hosts": len(split.test.hosts)},
        "flow_grouping": trained.flow_folds.grouping,
        "host_grouping": trained.host_folds.grouping,
        "flow_threshold": trained.flow_threshold.threshold,
        "host_threshold": trained.host_threshold.threshold,
        "flow": evaluate.binary_metrics(tf.y[lab], scored.flow_p[lab], trained.flow_threshold.threshold),
        "host": evaluate.binary_metrics(split.test.hosts.y, scored.host_p, trained.host_threshold.threshold),
        "infected_host_ranks": evaluate.infected_host_ranks(split.test, scored.host_p, scored.aggregates.flow_count),
        "notes": split.notes,
    }


def software_versions() -> dict:
    import onnx
    import onnxruntime
    import pyarrow
    import skl2onnx
    import sklearn

    return {
        "python": sys.version.split()[0],
        "scikit-learn": sklearn.__version__,
        "skl2onnx": skl2onnx.__version__,
        "onnx": onnx.__version__,
        "onnxruntime": onnxruntime.__version__,
        "numpy": np.__version__,
        "pyarrow": pyarrow.__version__,
    }


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    try:
        schema = load_schema(args.schema)
        ds = load_dataset(args.flows, args.hosts, schema, tuple(args.flow_only))
        log(f"read {len(ds.flows)} flow rows and {len(ds.hosts)} host rows from {len(ds.inputs)} input(s): {', '.join(ds.inputs)}")
        for globs in args.same_source_globs:
            if not matching(ds.inputs, globs).any():
                raise TrainingError(f"--same-source {','.join(globs)}: no input matches")
        ds.input_source, linked = input_sources(ds, args.same_source_globs, args.source_overlap)
        for group in linked:
            log(f"same source (share folds): {', '.join(group)}")
        args.linked_sources = linked
        cfg = make_config(args, args.seed)
        holdouts = [run_holdout(ds, h, args, cfg) for h in args.holdouts]
        final = train(ds, cfg, "all inputs")
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        write_models(ds, final, holdouts, args, cfg, out, argv)
        if args.manifest is not None:
            import anomaly_protocol

            anomaly_protocol.run(Path(args.tables), ds.schema, out, args, argv, software_versions(), log)
    except (ContractError, TrainingError) as e:
        print(f"train: error: {e}", file=sys.stderr)
        return 2
    return 0


def write_models(ds, final, holdouts, args, cfg, out: Path, argv: list[str]) -> None:
    f, h = ds.flows, ds.hosts
    lab = f.labelled
    cv = {
        "linked_sources": args.linked_sources,
        "flow_grouping": final.flow_folds.grouping,
        "flow_folds": final.flow_folds.n_splits,
        "host_grouping": final.host_folds.grouping,
        "host_folds": final.host_folds.n_splits,
        "flow": evaluate.binary_metrics(f.y[lab], final.flow_oof[lab], final.flow_threshold.threshold),
        "host": evaluate.binary_metrics(h.y, final.host_oof, final.host_threshold.threshold),
    }
    metrics = {"holdouts": holdouts, "cross_validated": cv}
    training_rows = {
        "flows": len(f),
        "flows_labelled": int(lab.sum()),
        "flows_botnet": int(f.y[lab].sum()),
        "hosts": len(h),
        "hosts_infected": int(h.y.sum()),
    }
    files = [{"path": t.path, "sha256": t.sha256, "rows": t.rows, "kind": t.kind, "inputs": list(t.inputs)} for t in ds.files]
    software = software_versions()
    command = "python models/train/train.py " + " ".join(shlex.quote(a) for a in argv)

    parts = {
        "flow": (final.flow_model, ds.schema.flow, final.flow_threshold, f.X[lab], f.y[lab], cfg.flow),
        "host": (final.host_model, ds.schema.host_model_inputs, final.host_threshold, final.host_X, h.y, cfg.host),
    }
    for kind, (model, names, choice, X, y, params) in parts.items():
        stem = MODEL_FILES[kind]
        onx = export.to_onnx(model, names, kind, choice.threshold)
        data = export.serialize(onx)
        rows = export.parity_rows(X, y, args.parity_rows, args.seed)
        check_idx = np.unique(np.concatenate([rows, export.parity_rows(X, y, 20_000, args.seed + 7)]))
        diff = export.check_parity(data, model, X[check_idx], kind)
        bench = []
        if args.bench_rows > 0:
            bench = [export.benchmark(data, X[rows], t, args.bench_rows) for t in (1, 2)]
            # On a busy machine two threads can be slower than one; the better of the two says what the model can do.
            best = max((b["rows_per_s"] or 0) for b in bench)
            if kind == "flow" and best < 500_000:
                log(f"warning: flow model scores {best} rows/s at best on 1-2 threads (< 500000); use fewer or shallower trees")
        (out / f"{stem}.onnx").write_bytes(data)
        fixture_name = f"{stem}.parity.json"
        cards.write_json(out / fixture_name, export.parity_fixture(f"{stem}.onnx", names, model, X[rows]))
        card = {
            "model": f"{stem}.onnx",
            "model_kind": kind,
            "schema_version": ds.schema.version,
            "feature_names": list(names),
            "threshold": choice.threshold,
            "threshold_text": export.format_threshold(choice.threshold),
            "threshold_choice": _threshold_dict(choice),
            "flow_threshold_used_for_aggregates": final.flow_threshold.threshold if kind == "host" else None,
            "onnx_sha256": export.sha256_bytes(data),
            "onnx_bytes": len(data),
            "training_inputs": files,
            "training_rows": training_rows,
            "trained_on": "all inputs of training_inputs (held-out results come from separate models trained without the held-out rows)",
            "hyperparameters": {**params.as_dict(), "folds": cfg.folds, "group_by": cfg.group_by, "bootstrap": True, "criterion": "gini",
                                "split_thresholds": "rounded down to float32 (same decisions on float32 inputs)"},
            "metrics": metrics,
            "size_and_speed": {"trees": params.n_estimators, "max_depth": params.max_depth, "nodes": node_count(model), "onnx_bytes": len(data), "onnxruntime": bench,
                               "load_average_1min": round(os.getloadavg()[0], 2), "cpus": os.cpu_count()},
            "parity": {"max_abs_diff": diff, "rows_checked": int(len(check_idx)), "fixture": fixture_name},
            "seed": args.seed,
            "schema_source": ds.schema.source,
            "software": software,
            "command": command,
            "limitations": LIMITATIONS,
        }
        cards.write_json(out / f"{stem}.card.json", card)
        (out / f"{stem}.card.md").write_text(cards.markdown(card), encoding="utf-8")
        log(f"wrote {out / stem}.onnx (sha256 {card['onnx_sha256'][:16]}…, threshold {card['threshold_text']}, parity {diff:.2g})")


if __name__ == "__main__":
    sys.exit(main())
