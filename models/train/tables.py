"""Reading the flow and host tables that ``flowhound features`` writes.

A table is an Arrow IPC file (``.arrow``; an IPC stream is accepted too) or a CSV file
(``.csv``). Identity columns are checked by name and type, feature columns by name and
order against the schema (contract.py). Strings (input names, addresses) become integer
codes into vocabularies shared by all tables, so that flows and host rows can be joined.
"""

from __future__ import annotations

import fnmatch
import hashlib
from dataclasses import dataclass, field, replace
from pathlib import Path

import sys

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.ipc as ipc

from contract import (
    FLOW_CLASSES,
    FLOW_ID_COLUMNS,
    HOST_ID_COLUMNS,
    HOST_LABELS,
    ContractError,
    Schema,
    check_feature_columns,
)


@dataclass(frozen=True)
class TableFile:
    kind: str  # "flow" or "host"
    path: str
    sha256: str
    rows: int
    inputs: tuple[str, ...]


@dataclass
class Flows:
    input: np.ndarray  # int32 code into Dataset.inputs
    window_us: np.ndarray  # int64
    src: np.ndarray  # int32 code into Dataset.addrs
    dst: np.ndarray
    src_is_lan: np.ndarray  # bool
    dst_is_lan: np.ndarray
    flow_class: np.ndarray  # int8 index into FLOW_CLASSES
    X: np.ndarray  # float32 [n, F]

    def __len__(self) -> int:
        return len(self.input)

    def take(self, idx: np.ndarray) -> "Flows":
        return Flows(**{k: getattr(self, k)[idx] for k in self.__dataclass_fields__})

    @property
    def labelled(self) -> np.ndarray:
        return self.flow_class != FLOW_CLASSES.index("unlabelled")

    @property
    def y(self) -> np.ndarray:
        """1 for botnet, 0 for everything else (normal, background; unlabelled must be masked out)."""
        return (self.flow_class == FLOW_CLASSES.index("botnet")).astype(np.int8)


@dataclass
class Hosts:
    input: np.ndarray  # int32
    window_us: np.ndarray  # int64
    host: np.ndarray  # int32 code into Dataset.addrs
    host_label: np.ndarray  # int8 index into HOST_LABELS
    X: np.ndarray  # float32 [n, 26] native host features

    def __len__(self) -> int:
        return len(self.input)

    def take(self, idx: np.ndarray) -> "Hosts":
        return Hosts(**{k: getattr(self, k)[idx] for k in self.__dataclass_fields__})

    @property
    def y(self) -> np.ndarray:
        return (self.host_label == HOST_LABELS.index("infected")).astype(np.int8)


@dataclass
class Dataset:
    flows: Flows
    hosts: Hosts
    inputs: list[str]  # vocabulary of input names
    addrs: list[str]  # vocabulary of addresses
    files: list[TableFile] = field(default_factory=list)
    schema: Schema | None = None
    input_source: np.ndarray | None = None  # per input code: inputs with one source share a fold (splits.input_sources)

    def with_parts(self, flows: Flows, hosts: Hosts) -> "Dataset":
        return replace(self, flows=flows, hosts=hosts)


def sha256_file(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _read_table(path: str, kind: str, id_columns: dict[str, str]) -> pa.Table:
    p = Path(path)
    if not p.is_file():
        raise ContractError(f"{kind} table {path}: no such file")
    if p.suffix.lower() == ".csv":
        types = {}
        for name, family in id_columns.items():
            types[name] = {"string": pa.string(), "bool": pa.bool_(), "integer": pa.int32(), "number": pa.float64()}[family]
        try:
            return pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(column_types=types))
        except (pa.ArrowInvalid, pa.ArrowTypeError) as e:
            raise ContractError(f"{kind} table {path}: cannot read as CSV: {e}") from None
    try:
        with pa.memory_map(path) as source:
            return ipc.open_file(source).read_all()
    except pa.ArrowInvalid:
        pass
    try:
        with pa.memory_map(path) as source:
            return ipc.open_stream(source).read_all()
    except pa.ArrowInvalid as e:
        raise ContractError(f"{kind} table {path}: not an Arrow IPC file or stream, nor .csv ({e})") from None


def _type_ok(t: pa.DataType, family: str) -> bool:
    if family == "string":
        return pa.types.is_string(t) or pa.types.is_large_string(t) or (
            pa.types.is_dictionary(t) and (pa.types.is_string(t.value_type) or pa.types.is_large_string(t.value_type))
        )
    if family == "bool":
        return pa.types.is_boolean(t)
    if family == "integer":
        return pa.types.is_integer(t)
    if family == "number":
        return pa.types.is_integer(t) or pa.types.is_floating(t)
    raise AssertionError(family)


def _split_columns(table: pa.Table, path: str, kind: str, id_columns: dict[str, str], expected: tuple[str, ...], schema: Schema) -> list[str]:
    """Check identity columns; return the feature columns in table order (checked against ``expected``)."""
    names = table.column_names
    missing = [c for c in id_columns if c not in names]
    if missing:
        raise ContractError(f"{kind} table {path}: missing column(s) {', '.join(missing)} (identity/label columns of the contract)")
    for c, family in id_columns.items():
        t = table.schema.field(c).type
        if not _type_ok(t, family):
            raise ContractError(f"{kind} table {path}: column {c!r} has type {t}, the contract wants {family}")
    features = []
    for c in names:
        if c in id_columns:
            continue
        t = table.schema.field(c).type
        if pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t) or pa.types.is_null(t):
            features.append(c)
        # Other extra columns (strings, booleans) are identity columns this trainer does not use.
    check_feature_columns(kind, path, features, expected, schema.source)
    return features


def _feature_matrix(table: pa.Table, features: list[str], path: str, kind: str) -> np.ndarray:
    n = table.num_rows
    X = np.empty((n, len(features)), dtype=np.float32)
    for j, name in enumerate(features):
        col = table.column(name)
        if col.null_count:
            raise ContractError(f"{kind} table {path}: feature column {name!r} has {col.null_count} null value(s)")
        if col.type != pa.float32():
            col = pc.cast(col, pa.float32())
        X[:, j] = col.to_numpy()
    bad = ~np.isfinite(X)
    if bad.any():
        cols = sorted({features[j] for j in np.nonzero(bad.any(axis=0))[0]})
        raise ContractError(
            f"{kind} table {path}: non-finite values (NaN or infinity) in {int(bad.any(axis=1).sum())} row(s), "
            f"column(s) {', '.join(cols)}; the models need finite float32 features"
        )
    return X


def _strings(col: pa.ChunkedArray) -> pa.ChunkedArray:
    if pa.types.is_dictionary(col.type):
        col = pc.cast(col, pa.string())
    if pa.types.is_large_string(col.type):
        col = pc.cast(col, pa.string())
    return col


def _codes(col: pa.ChunkedArray, vocab: pa.Array) -> np.ndarray:
    codes = pc.index_in(_strings(col), value_set=vocab)
    if codes.null_count:
        raise ContractError("a string column has null values")  # callers check nulls first; kept as a guard
    return codes.to_numpy().astype(np.int32)


def _window_us(col: pa.ChunkedArray, path: str, kind: str, name: str = "window_start_us") -> np.ndarray:
    if col.null_count:
        raise ContractError(f"{kind} table {path}: column {name!r} has null values")
    v = col.to_numpy().astype(np.float64)
    w = np.rint(v)
    if not np.all(w == v) or not np.all(np.abs(v) < 2**62):
        raise ContractError(f"{kind} table {path}: column {name!r} must hold whole microseconds")
    return w.astype(np.int64)


def _class_codes(col: pa.ChunkedArray, allowed: tuple[str, ...], path: str, kind: str, name: str) -> np.ndarray:
    col = _strings(col)
    codes = pc.index_in(col, value_set=pa.array(list(allowed)))
    if codes.null_count:
        values = pc.unique(pc.filter(col, pc.is_null(codes))).to_pylist()
        shown = ", ".join(repr(v) for v in sorted(values, key=str)[:5])
        raise ContractError(f"{kind} table {path}: column {name!r} has value(s) {shown}; allowed: {', '.join(allowed)}")
    return codes.to_numpy().astype(np.int8)


def load_dataset(flow_paths: list[str], host_paths: list[str], schema: Schema, flow_only: tuple[str, ...] = ()) -> Dataset:
    """Read, check and join-encode all tables. Raises ContractError with a readable message."""
    if not flow_paths:
        raise ContractError("no flow tables given (--flows)")
    if not host_paths:
        raise ContractError("no host tables given (--hosts)")
    flow_tables = []
    for path in flow_paths:
        t = _read_table(path, "flow", FLOW_ID_COLUMNS)
        feats = _split_columns(t, path, "flow", FLOW_ID_COLUMNS, schema.flow, schema)
        flow_tables.append((path, t, feats))
    host_tables = []
    for path in host_paths:
        t = _read_table(path, "host", HOST_ID_COLUMNS)
        feats = _split_columns(t, path, "host", HOST_ID_COLUMNS, schema.host, schema)
        host_tables.append((path, t, feats))

    # Shared vocabularies, sorted so that codes do not depend on the order of the files.
    input_values: set[str] = set()
    addr_values: set[str] = set()
    for _, t, _ in flow_tables:
        input_values.update(pc.unique(_strings(t.column("input"))).to_pylist())
        addr_values.update(pc.unique(_strings(t.column("src_addr"))).to_pylist())
        addr_values.update(pc.unique(_strings(t.column("dst_addr"))).to_pylist())
    for _, t, _ in host_tables:
        input_values.update(pc.unique(_strings(t.column("input"))).to_pylist())
        addr_values.update(pc.unique(_strings(t.column("host"))).to_pylist())
    if None in input_values:
        raise ContractError("a table has null values in column 'input'")
    addr_values.discard(None)
    inputs = sorted(input_values)
    addrs = sorted(addr_values)
    input_vocab = pa.array(inputs, pa.string())
    addr_vocab = pa.array(addrs, pa.string())

    files: list[TableFile] = []
    parts = []
    for path, t, feats in flow_tables:
        for c in ("input", "src_addr", "dst_addr", "src_is_lan", "dst_is_lan", "flow_class"):
            if t.column(c).null_count:
                raise ContractError(f"flow table {path}: column {c!r} has null values")
        parts.append(
            Flows(
                input=_codes(t.column("input"), input_vocab),
                window_us=_window_us(t.column("window_start_us"), path, "flow"),
                src=_codes(t.column("src_addr"), addr_vocab),
                dst=_codes(t.column("dst_addr"), addr_vocab),
                src_is_lan=t.column("src_is_lan").to_numpy(zero_copy_only=False).astype(bool),
                dst_is_lan=t.column("dst_is_lan").to_numpy(zero_copy_only=False).astype(bool),
                flow_class=_class_codes(t.column("flow_class"), FLOW_CLASSES, path, "flow", "flow_class"),
                X=_feature_matrix(t, feats, path, "flow"),
            )
        )
        files.append(TableFile("flow", path, sha256_file(path), t.num_rows, tuple(sorted(set(pc.unique(_strings(t.column("input"))).to_pylist())))))
    flows = Flows(**{k: np.concatenate([getattr(p, k) for p in parts]) for k in Flows.__dataclass_fields__})

    parts = []
    for path, t, feats in host_tables:
        hosts_col = t.column("host")
        for c in ("input", "host", "host_label"):
            if t.column(c).null_count:
                raise ContractError(f"host table {path}: column {c!r} has null values")
        parts.append(
            Hosts(
                input=_codes(t.column("input"), input_vocab),
                window_us=_window_us(t.column("window_start_us"), path, "host"),
                host=_codes(hosts_col, addr_vocab),
                host_label=_class_codes(t.column("host_label"), HOST_LABELS, path, "host", "host_label"),
                X=_feature_matrix(t, feats, path, "host"),
            )
        )
        files.append(TableFile("host", path, sha256_file(path), t.num_rows, tuple(sorted(set(pc.unique(_strings(t.column("input"))).to_pylist())))))
    hosts = Hosts(**{k: np.concatenate([getattr(p, k) for p in parts]) for k in Hosts.__dataclass_fields__})
    # An infected host's quiet windows are neither positives nor negatives.
    idle = hosts.host_label == HOST_LABELS.index("infected_idle")
    if idle.any():
        print(f"train: leaving out {int(idle.sum())} host rows of infected hosts in windows where no botnet label names them (infected_idle)", file=sys.stderr)
        hosts = hosts.take(np.flatnonzero(~idle))

    _check_inputs_once(files, flow_only)
    ds = Dataset(flows=flows, hosts=hosts, inputs=inputs, addrs=addrs, files=files, schema=schema)
    _check_host_keys_unique(ds)
    return ds


def _check_inputs_once(files: list[TableFile], flow_only: tuple[str, ...] = ()) -> None:
    """An input name must come from one flow table and one host table, else rows would be counted twice."""
    for kind in ("flow", "host"):
        seen: dict[str, str] = {}
        for f in files:
            if f.kind != kind:
                continue
            for name in f.inputs:
                if name in seen:
                    raise ContractError(f"input {name!r} appears in two {kind} tables: {seen[name]} and {f.path}")
                seen[name] = f.path
    flow_inputs = {n for f in files if f.kind == "flow" for n in f.inputs}
    host_inputs = {n for f in files if f.kind == "host" for n in f.inputs}
    # Inputs that --flow-only names train the flow model alone: they need no host table.
    only_flows = sorted(n for n in flow_inputs - host_inputs if not any(fnmatch.fnmatchcase(n, g) for g in flow_only))
    if only_flows:
        raise ContractError(f"no host table rows for input(s) {', '.join(only_flows)}: give their .hosts.arrow tables with --hosts")
    only_hosts = sorted(host_inputs - flow_inputs)
    if only_hosts:
        raise ContractError(f"no flow table rows for input(s) {', '.join(only_hosts)}: give their flow tables with --flows")


def _check_host_keys_unique(ds: Dataset) -> None:
    h = ds.hosts
    order = np.lexsort((h.host, h.window_us, h.input))
    k = np.stack([h.input[order], h.window_us[order], h.host[order]], axis=1)
    dup = np.nonzero(np.all(k[1:] == k[:-1], axis=1))[0]
    if len(dup):
        i = order[dup[0]]
        raise ContractError(
            f"host tables: {len(dup)} duplicate (input, window_start_us, host) row(s), e.g. "
            f"({ds.inputs[h.input[i]]}, {h.window_us[i]}, {ds.addrs[h.host[i]]})"
        )
