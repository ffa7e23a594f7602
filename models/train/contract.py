"""The feature/model contract: the schema the native core exports (models/feature-schema.json).

Everything else in models/train reads the feature names from here, or from a
``--schema schema.json`` file exported by the Rust side
(``{"version":2,"flow":[...],"host":[...],"host_score_aggregates":[...]}``, each feature a name or
``{"name", "description", "evidence"}``),
and checks that the tables' columns agree with them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

# The schema is written once, in the native core; `flowhound models --schema` exports it to
# models/feature-schema.json (a test keeps that file equal to the build's schema).
SCHEMA_FILE = Path(__file__).resolve().parent.parent / "feature-schema.json"
_SCHEMA = json.loads(SCHEMA_FILE.read_text())

SCHEMA_VERSION = int(_SCHEMA["version"])
FLOW_FEATURES = tuple(f["name"] for f in _SCHEMA["flow"])
HOST_FEATURES = tuple(f["name"] for f in _SCHEMA["host"])
# The evidence block of the host features: what the host anomaly model compares with clean hosts.
HOST_EVIDENCE = tuple(f["name"] for f in _SCHEMA["host"] if f.get("evidence"))
HOST_SCORE_AGGREGATES = tuple(f["name"] for f in _SCHEMA["host_score_aggregates"])

# Identity and label columns (not model inputs), with the Arrow type family each must have.
FLOW_ID_COLUMNS = {
    "input": "string",
    "window_start_us": "number",
    "start_us": "number",
    "src_addr": "string",
    "dst_addr": "string",
    "proto": "string",
    "src_port": "integer",
    "dst_port": "integer",
    "src_is_lan": "bool",
    "dst_is_lan": "bool",
    "label": "string",
    "flow_class": "string",
}
HOST_ID_COLUMNS = {
    "input": "string",
    "window_start_us": "number",
    "host": "string",
    "host_label": "string",
}

FLOW_CLASSES = tuple(_SCHEMA["flow_classes"])
# infected_idle: an infected host in a window where no botnet label names it (it does nothing
# a detector could see); such rows are left out of training and evaluation (tables.py).
HOST_LABELS = tuple(_SCHEMA["host_labels"])

MODEL_FILES = {"flow": "flow-rf-v2", "host": "host-rf-v2", "anomaly": "host-anomaly-v2"}


class ContractError(Exception):
    """A table or schema file does not follow the contract; the message says how."""


@dataclass(frozen=True)
class Schema:
    version: int
    flow: tuple[str, ...]
    host: tuple[str, ...]
    host_score_aggregates: tuple[str, ...]
    source: str  # "contract" or the schema file's path
    host_evidence: tuple[str, ...] = HOST_EVIDENCE

    @property
    def host_model_inputs(self) -> tuple[str, ...]:
        return self.host + self.host_score_aggregates


def contract_schema() -> Schema:
    return Schema(SCHEMA_VERSION, FLOW_FEATURES, HOST_FEATURES, HOST_SCORE_AGGREGATES, "contract", HOST_EVIDENCE)


def load_schema(path: str | None) -> Schema:
    """The schema from ``path`` (the Rust side's export), or the contract's lists."""
    if path is None:
        return contract_schema()
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as e:
        raise ContractError(f"cannot read schema file {path}: {e.strerror}") from None
    except json.JSONDecodeError as e:
        raise ContractError(f"schema file {path} is not JSON: {e}") from None
    if not isinstance(raw, dict):
        raise ContractError(f"schema file {path}: expected a JSON object")
    for key in ("version", "flow", "host", "host_score_aggregates"):
        if key not in raw:
            raise ContractError(f"schema file {path}: missing key {key!r}")
    if raw["version"] != SCHEMA_VERSION:
        raise ContractError(
            f"schema file {path}: version {raw['version']!r}, this trainer knows version {SCHEMA_VERSION}"
        )
    lists = {}
    evidence = tuple(f["name"] for f in raw["host"] if isinstance(f, dict) and f.get("evidence"))
    raw = {key: [f["name"] if isinstance(f, dict) else f for f in raw[key]] if key in ("flow", "host", "host_score_aggregates") else value
           for key, value in raw.items()}
    for key in ("flow", "host", "host_score_aggregates"):
        value = raw[key]
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise ContractError(f"schema file {path}: {key!r} must be a list of non-empty strings")
        if len(set(value)) != len(value):
            raise ContractError(f"schema file {path}: {key!r} has duplicate names")
        lists[key] = tuple(value)
    if len(lists["host_score_aggregates"]) != len(HOST_SCORE_AGGREGATES):
        raise ContractError(
            f"schema file {path}: 'host_score_aggregates' has {len(lists['host_score_aggregates'])} names; "
            f"the trainer computes {len(HOST_SCORE_AGGREGATES)} ({', '.join(HOST_SCORE_AGGREGATES)})"
        )
    return Schema(raw["version"], lists["flow"], lists["host"], lists["host_score_aggregates"], str(path), evidence)


def check_feature_columns(kind: str, table_path: str, found: list[str], expected: tuple[str, ...], schema_source: str) -> None:
    """Raise ContractError unless ``found`` (the table's feature columns, in order) == ``expected``."""
    if list(found) == list(expected):
        return
    where = "the contract" if schema_source == "contract" else f"schema file {schema_source}"
    missing = [n for n in expected if n not in found]
    extra = [n for n in found if n not in expected]
    parts = []
    if missing:
        parts.append(f"missing feature column(s): {', '.join(missing)}")
    if extra:
        parts.append(f"column(s) not in {where}: {', '.join(extra)}")
    if not missing and not extra:
        first = next(i for i, (a, b) in enumerate(zip(found, expected)) if a != b)
        parts.append(
            f"feature columns are in another order (position {first}: table has {found[first]!r}, "
            f"{where} has {expected[first]!r})"
        )
    raise ContractError(f"{kind} table {table_path}: " + "; ".join(parts) + f" (expected the {len(expected)} {kind} features of {where})")
