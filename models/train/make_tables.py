#!/usr/bin/env python3
"""Builds the training tables from every source of sources.py: `flowhound features` of each
file as it is and, for CTU-13's flow files, of the capture `flowhound synth` rebuilds from it.
Each table's rows get three columns more: ``source``, ``family`` and ``view`` (``flowfile`` or
``packets``), and ``OUT_DIR/tables.json`` lists the tables.

    python models/train/make_tables.py OUT_DIR [--data DIR] [--only NAME ...]

It needs the built flowhound (``npm install``) and ~6 GB free in OUT_DIR while a rebuilt
capture exists (each is deleted once its table is written).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import pyarrow as pa  # noqa: E402
import pyarrow.ipc as ipc  # noqa: E402

from sources import SOURCES, Source, check  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
FLOWHOUND = [os.environ.get("NODE", "node"), str(ROOT / "bin" / "flowhound.mjs")]


def log(message: str) -> None:
    print(f"make_tables: {message}", file=sys.stderr, flush=True)


def run(args: list[str]) -> None:
    result = subprocess.run(FLOWHOUND + args, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"make_tables: flowhound {' '.join(args)} failed ({result.returncode}):\n{result.stderr.strip()}")


def sorted_copy(path: Path, folder: Path) -> Path:
    """The file with its data rows sorted by StartTime (windows close as time passes)."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    out = folder / path.name
    out.write_text(lines[0] + "".join(sorted(lines[1:], key=lambda line: line.split(",", 1)[0])), encoding="utf-8")
    return out


def tag(table_path: Path, source: Source, view: str) -> int:
    """Adds the source, family and view columns to a table; returns its rows."""
    with pa.memory_map(str(table_path)) as f:
        table = ipc.open_file(f).read_all()
    n = table.num_rows
    for name, value in (("source", source.name), ("family", source.family), ("view", view)):
        table = table.append_column(name, pa.array([value] * n, pa.string()))
    tmp = table_path.with_suffix(".tmp")
    with pa.OSFile(str(tmp), "wb") as sink, ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)
    tmp.replace(table_path)
    return n


def features(input_path: Path, source: Source, out: Path, utc: bool) -> None:
    args = ["features", str(input_path), "-q", "-o", str(out)]
    for lan in source.lan:
        args += ["--lan", lan]
    for host in source.infected:
        args += ["--infected", host]
    if utc and source.utc_offset:
        args += ["--utc-offset", str(source.utc_offset)]
    run(args)


def build(source: Source, data: Path, out_dir: Path) -> list[dict]:
    path = data / source.path
    if not path.exists():
        raise SystemExit(f"make_tables: {source.name}: {path} is missing")
    entries = []
    with tempfile.TemporaryDirectory(dir=out_dir) as scratch:
        scratch_dir = Path(scratch)
        input_path = sorted_copy(path, scratch_dir) if source.sort else path
        views = [("flowfile", input_path, True)]
        if source.rebuild:
            capture = scratch_dir / f"{source.name}.pcap"
            args = ["synth", str(input_path), "-q", "-o", str(capture)]
            if source.utc_offset:
                args += ["--utc-offset", str(source.utc_offset)]
            run(args)
            views.append(("packets", capture, False))
        for view, view_input, utc in views:
            table = out_dir / f"{source.name}.{view}.arrow"
            features(view_input, source, table, utc)
            hosts = table.with_name(f"{source.name}.{view}.hosts.arrow")
            rows = {"flows": tag(table, source, view), "hosts": tag(hosts, source, view)}
            entries.append({"flows": table.name, "hosts": hosts.name, "source": source.name, "family": source.family,
                            "view": view, "host_level": source.host_level, "fold": source.fold,
                            "infected": list(source.infected), "rows": rows})
            log(f"{table.name}: {rows['flows']} flow rows, {rows['hosts']} host rows")
    return entries


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="make_tables.py", description=__doc__.split("\n\n")[0])
    ap.add_argument("out", metavar="OUT_DIR")
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data"), help="the data folder (default ../shared/data)")
    ap.add_argument("--only", nargs="+", metavar="NAME", help="only these sources (names from sources.py)")
    args = ap.parse_args(argv)
    check()
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    chosen = [s for s in SOURCES if not args.only or s.name in args.only]
    unknown = set(args.only or ()) - {s.name for s in SOURCES}
    if unknown:
        ap.error(f"no such source: {', '.join(sorted(unknown))}")
    manifest_path = out_dir / "tables.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() and args.only else {"tables": []}
    kept = [t for t in manifest["tables"] if t["source"] not in {s.name for s in chosen}]
    for source in chosen:
        kept += build(source, Path(args.data), out_dir)
    manifest = {"data": str(Path(args.data).resolve()), "tables": sorted(kept, key=lambda t: (t["source"], t["view"]))}
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n")
    log(f"{len(manifest['tables'])} tables listed in {manifest_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
