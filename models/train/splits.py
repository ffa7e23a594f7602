"""Which rows train and which test: held-out scenarios and grouped folds (never random rows).

Held-out evaluation (``--holdout``)
    ``NAME=GLOB[,GLOB...][@YYYY-MM-DD[,YYYY-MM-DD...]]``

    Inputs (the ``input`` column: the file's base name) that match one of the GLOBs
    (fnmatch, whole name, case-sensitive; ``*capture20110818-2*`` = "contains") are test-only.
    Rows of the benign input(s) (``--benign GLOB``) whose window starts on one of the days
    (local dates at ``--utc-offset`` minutes east of UTC) are test-only too, so the test set
    has clean traffic that training never saw; the benign input's other days train. Every
    other row trains.

Grouped folds (out-of-fold probabilities and thresholds)
    ``input``: a fold holds whole inputs, and inputs of one source (input_sources: linked by
    ``--same-source`` or by shared (window, host) rows) share a fold. ``host``: a fold holds all rows of a set of
    addresses (a flow goes with its LAN source, else its LAN destination, else its source),
    across inputs. ``auto``: ``input`` if every fold then trains on both classes, else ``host``.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import re
import warnings
from dataclasses import dataclass

import numpy as np
from sklearn.model_selection import StratifiedGroupKFold

from forest import TrainingError
from tables import Dataset

US_PER_DAY = 86_400_000_000


class HoldoutSpecError(ValueError):
    pass


@dataclass(frozen=True)
class Holdout:
    name: str
    patterns: tuple[str, ...]
    benign_days: tuple[str, ...]  # YYYY-MM-DD

    def spec(self) -> str:
        s = f"{self.name}={','.join(self.patterns)}"
        return s + (f"@{','.join(self.benign_days)}" if self.benign_days else "")


_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")


def parse_holdout(text: str) -> Holdout:
    name, sep, rest = text.partition("=")
    if not sep or not _NAME.match(name):
        raise HoldoutSpecError(f"--holdout {text!r}: expected NAME=GLOB[,GLOB...][@YYYY-MM-DD[,...]] with NAME of letters, digits, _ . -")
    globs, _, days = rest.partition("@")
    patterns = tuple(g for g in globs.split(",") if g)
    if not patterns:
        raise HoldoutSpecError(f"--holdout {text!r}: no input pattern")
    day_list = tuple(d for d in days.split(",") if d) if days else ()
    for d in day_list:
        try:
            dt.date.fromisoformat(d)
        except ValueError:
            raise HoldoutSpecError(f"--holdout {text!r}: {d!r} is not a date YYYY-MM-DD") from None
    return Holdout(name, patterns, day_list)


def matching(names: list[str], patterns: tuple[str, ...] | list[str]) -> np.ndarray:
    """Boolean per input name: matches one of the globs."""
    return np.array([any(fnmatch.fnmatchcase(n, p) for p in patterns) for n in names], dtype=bool)


def local_day(window_us: np.ndarray, utc_offset_min: int) -> np.ndarray:
    """Day number (days since 1970-01-01, local time) of each window start."""
    return np.floor_divide(window_us + np.int64(utc_offset_min) * 60_000_000, US_PER_DAY)


def day_number(iso: str) -> int:
    return (dt.date.fromisoformat(iso) - dt.date(1970, 1, 1)).days


def day_iso(day: int) -> str:
    return (dt.date(1970, 1, 1) + dt.timedelta(days=int(day))).isoformat()


@dataclass
class HoldoutSplit:
    holdout: Holdout
    train: Dataset
    test: Dataset
    train_inputs: list[str]
    test_inputs: list[str]  # matched by the patterns
    benign_inputs: list[str]
    benign_test_days: list[str]
    notes: list[str]


def split_holdout(ds: Dataset, holdout: Holdout, benign_glob: str, utc_offset_min: int) -> HoldoutSplit:
    test_input = matching(ds.inputs, holdout.patterns)
    benign_input = matching(ds.inputs, [benign_glob]) & ~test_input
    notes: list[str] = []
    if not test_input.any():
        raise TrainingError(f"--holdout {holdout.spec()}: no input matches {', '.join(holdout.patterns)} (inputs: {', '.join(ds.inputs)})")
    days = np.array([day_number(d) for d in holdout.benign_days], dtype=np.int64)
    if len(days) and not benign_input.any():
        notes.append(f"no benign input matches {benign_glob!r}: the benign test days select nothing")

    def test_mask(input_code: np.ndarray, window_us: np.ndarray) -> np.ndarray:
        m = test_input[input_code]
        if len(days):
            m = m | (benign_input[input_code] & np.isin(local_day(window_us, utc_offset_min), days))
        return m

    f, h = ds.flows, ds.hosts
    ft = test_mask(f.input, f.window_us)
    ht = test_mask(h.input, h.window_us)
    train = ds.with_parts(f.take(np.nonzero(~ft)[0]), h.take(np.nonzero(~ht)[0]))
    test = ds.with_parts(f.take(np.nonzero(ft)[0]), h.take(np.nonzero(ht)[0]))
    if len(days) and benign_input.any():
        benign_test_rows = int((ft & benign_input[f.input]).sum())
        if benign_test_rows == 0:
            notes.append(f"the benign input(s) have no flow rows on {', '.join(holdout.benign_days)}")
    names = np.array(ds.inputs, dtype=object)
    return HoldoutSplit(
        holdout=holdout,
        train=train,
        test=test,
        train_inputs=sorted(set(names[np.unique(train.flows.input)])),
        test_inputs=sorted(names[test_input]),
        benign_inputs=sorted(names[benign_input]),
        benign_test_days=list(holdout.benign_days),
        notes=notes,
    )


# ---------------------------------------------------------------------------------------
# Grouped folds


def flow_host_groups(ds: Dataset) -> np.ndarray:
    """The address each flow row goes with for host-grouped folds."""
    f = ds.flows
    return np.where(f.src_is_lan, f.src, np.where(f.dst_is_lan, f.dst, f.src)).astype(np.int64)


def input_sources(ds: Dataset, same_source: list[tuple[str, ...]], overlap: float) -> tuple[np.ndarray, list[list[str]]]:
    """A source id per input code: inputs of one source always share a fold.

    Inputs are linked when they match the globs of one ``--same-source`` option, and, when
    ``overlap`` > 0, when at least that share of the (window, host) rows of the smaller one also
    appear in the other (e.g. a flow file and the capture rebuilt from it, or a benign sample
    drawn from a scenario's normal flows). Returns the ids and the linked groups (names).
    """
    n = len(ds.inputs)
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(a: int, b: int) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    for globs in same_source:
        members = np.nonzero(matching(ds.inputs, globs))[0]
        for m in members[1:]:
            union(int(members[0]), int(m))
    if overlap > 0 and len(ds.hosts):
        h = ds.hosts
        window_code = np.unique(h.window_us, return_inverse=True)[1].astype(np.int64)
        key = window_code * np.int64(len(ds.addrs)) + h.host.astype(np.int64)
        key_sets = {int(i): np.unique(key[h.input == i]) for i in np.unique(h.input)}
        codes = sorted(key_sets)
        for ai, a in enumerate(codes):
            for b in codes[ai + 1:]:
                ka, kb = key_sets[a], key_sets[b]
                small = min(len(ka), len(kb))
                if small and len(np.intersect1d(ka, kb, assume_unique=True)) / small >= overlap:
                    union(a, b)
    roots = np.array([find(i) for i in range(n)], dtype=np.int64)
    groups = {}
    for i, r in enumerate(roots):
        groups.setdefault(int(r), []).append(ds.inputs[i])
    linked = [sorted(g) for g in groups.values() if len(g) > 1]
    return roots, sorted(linked)


@dataclass
class Folds:
    grouping: str  # "input" or "host"
    n_splits: int
    test_fold: np.ndarray  # int per row: the fold in which the row is predicted

    def splits(self):
        for k in range(self.n_splits):
            yield k, np.nonzero(self.test_fold != k)[0], np.nonzero(self.test_fold == k)[0]


def _assign(groups: np.ndarray, y: np.ndarray, n_splits: int, seed: int) -> np.ndarray:
    uniq, inv = np.unique(groups, return_inverse=True)
    k = min(n_splits, len(uniq))
    if k < 2:
        return np.full(len(groups), -1)
    # One pseudo-row per group (label: any positive row) keeps StratifiedGroupKFold fast on big tables.
    group_pos = np.zeros(len(uniq), dtype=np.int64)
    np.maximum.at(group_pos, inv, y.astype(np.int64))
    counts = np.bincount(inv)
    # Expand groups by sqrt of their size so that big groups weigh more without millions of rows.
    reps = np.maximum(1, np.sqrt(counts).astype(np.int64))
    g_rows = np.repeat(np.arange(len(uniq)), reps)
    y_rows = np.repeat(group_pos, reps)
    cv = StratifiedGroupKFold(n_splits=k, shuffle=True, random_state=seed)
    fold_of_group = np.full(len(uniq), -1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "least populated class has only N members"
        for fold, (_, test_idx) in enumerate(cv.split(np.zeros(len(g_rows)), y_rows, g_rows)):
            fold_of_group[np.unique(g_rows[test_idx])] = fold
    return fold_of_group[inv]


def _usable(test_fold: np.ndarray, y: np.ndarray, usable_rows: np.ndarray) -> bool:
    folds = np.unique(test_fold)
    if len(folds) < 2 or (folds < 0).any():
        return False
    for k in folds:
        tr = (test_fold != k) & usable_rows
        if len(np.unique(y[tr])) < 2:
            return False
    return True


def make_folds(input_groups: np.ndarray, host_groups: np.ndarray, y: np.ndarray, usable_rows: np.ndarray, grouping: str, n_splits: int, seed: int, what: str,
               host_hour_groups: np.ndarray | None = None) -> Folds:
    """Grouped folds for ``what`` rows; every fold's training part must hold both classes.

    In auto mode, by input, else by host, else (when every positive is one host, as when a
    single scenario's bot is left for training) by host and hour of capture: adjacent windows
    of a host stay together, so only the thresholds chosen on these scores see a little of the
    host's other hours.
    """
    tried = ["input", "host"] if grouping == "auto" else [grouping]
    if grouping == "auto" and host_hour_groups is not None:
        tried.append("host-hour")
    for g in tried:
        groups = input_groups if g == "input" else host_groups if g == "host" else host_hour_groups
        test_fold = _assign(groups, np.where(usable_rows, y, 0), n_splits, seed)
        if _usable(test_fold, y, usable_rows):
            return Folds(g, int(test_fold.max()) + 1, test_fold)
    raise TrainingError(
        f"{what}: cannot make grouped folds by {' or '.join(tried)} in which every fold trains on both classes "
        f"(positives must come from at least two {'inputs or hosts' if grouping == 'auto' else grouping + 's'})"
    )
