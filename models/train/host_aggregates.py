"""The four flow-score aggregates of the host model, exactly as the contract defines them.

Per (input, window_start_us, host), over every flow row of that window in which the host is
a LAN end (src_addr == host with src_is_lan, or dst_addr == host with dst_is_lan; a flow
whose two ends are the same host counts once), with p = flow probability of class 1:

    flow_score_max = max(p), flow_score_mean = mean(p),
    botnet_flows = count(p >= flow_threshold), botnet_flow_share = botnet_flows / count.

A host row with no flows gets 0 for all four. src/analysis/host-aggregates.ts computes the same
when flowhound scores; both are held to test/fixtures/host-aggregates/golden.json.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

import numpy as np

from tables import Flows, Hosts


@dataclass
class Aggregates:
    values: np.ndarray  # float32 [n_hosts, 4] in the contract's order
    flow_count: np.ndarray  # int64 [n_hosts]: flows in which the host is a LAN end
    unmatched_lan_ends: int  # LAN ends of flows with no host row (should be 0)


def _keys(input_code: np.ndarray, window_us: np.ndarray, addr: np.ndarray, window_vocab: np.ndarray, n_addrs: int) -> np.ndarray:
    """One int64 per (input, window, address); -1 where the window is not in ``window_vocab``."""
    if len(window_vocab) == 0:
        return np.full(len(window_us), -1, dtype=np.int64)
    w_clip = np.minimum(np.searchsorted(window_vocab, window_us), len(window_vocab) - 1)
    found = window_vocab[w_clip] == window_us
    key = (input_code.astype(np.int64) * len(window_vocab) + w_clip) * n_addrs + addr
    return np.where(found, key, -1)


def host_row_index(flows: Flows, hosts: Hosts, n_addrs: int) -> tuple[np.ndarray, np.ndarray, int]:
    """For each flow, the host row of its LAN source and of its LAN destination (-1 if none).

    A flow whose two LAN ends are the same host row gets it once (destination set to -1).
    Also returns the number of LAN ends (src_is_lan / dst_is_lan) with no host row.
    """
    window_vocab = np.unique(hosts.window_us)
    n_inputs = int(max(hosts.input.max(initial=0), flows.input.max(initial=0))) + 1
    if n_inputs * max(len(window_vocab), 1) * max(n_addrs, 1) >= 2**62:
        raise ValueError("too many inputs x windows x addresses to index")
    hkey = _keys(hosts.input, hosts.window_us, hosts.host, window_vocab, n_addrs)
    order = np.argsort(hkey, kind="stable")
    sorted_keys = hkey[order]

    def lookup(addr: np.ndarray, is_lan: np.ndarray) -> np.ndarray:
        k = _keys(flows.input, flows.window_us, addr, window_vocab, n_addrs)
        pos = np.searchsorted(sorted_keys, k)
        pos_clip = np.minimum(pos, len(sorted_keys) - 1)
        hit = (k >= 0) & (len(sorted_keys) > 0) & (sorted_keys[pos_clip] == k) & is_lan
        return np.where(hit, order[pos_clip], -1)

    if len(hosts) == 0:
        src_row = np.full(len(flows), -1)
        dst_row = np.full(len(flows), -1)
    else:
        src_row = lookup(flows.src, flows.src_is_lan)
        dst_row = lookup(flows.dst, flows.dst_is_lan)
    unmatched = int(((src_row < 0) & flows.src_is_lan).sum() + ((dst_row < 0) & flows.dst_is_lan).sum())
    dst_row = np.where(dst_row == src_row, -1, dst_row)
    return src_row, dst_row, unmatched


def compute(flows: Flows, hosts: Hosts, p: np.ndarray, flow_threshold: float, n_addrs: int) -> Aggregates:
    """The aggregates of every host row from the flow probabilities ``p`` (one per flow row)."""
    if len(p) != len(flows):
        raise ValueError("one probability per flow row is needed")
    src_row, dst_row, unmatched = host_row_index(flows, hosts, n_addrs)
    rows = np.concatenate([src_row, dst_row])
    probs = np.concatenate([p, p]).astype(np.float64)
    keep = rows >= 0
    rows, probs = rows[keep], probs[keep]
    n = len(hosts)
    count = np.bincount(rows, minlength=n).astype(np.int64)
    total = np.bincount(rows, weights=probs, minlength=n)
    over = np.bincount(rows, weights=(probs >= flow_threshold).astype(np.float64), minlength=n)
    mx = np.zeros(n, dtype=np.float64)
    np.maximum.at(mx, rows, probs)
    has = count > 0
    mean = np.where(has, total / np.maximum(count, 1), 0.0)
    share = np.where(has, over / np.maximum(count, 1), 0.0)
    values = np.stack([mx, mean, over, share], axis=1).astype(np.float32)
    return Aggregates(values=values, flow_count=count, unmatched_lan_ends=unmatched)


def warn_unmatched(agg: Aggregates, what: str) -> None:
    if agg.unmatched_lan_ends:
        print(
            f"train: warning: {agg.unmatched_lan_ends} LAN flow end(s) in {what} have no host row "
            "(input, window_start_us, host); they are left out of the host aggregates",
            file=sys.stderr,
        )
