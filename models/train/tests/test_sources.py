"""The registry of data sources (sources.py): each family can be held out with clean days of its
own, and what the registry says of each file agrees with itself.

Run: python -m pytest models/train/tests -q
"""

from __future__ import annotations

import ipaddress
import os
import sys
from dataclasses import replace
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sources  # noqa: E402
from sources import SOURCES, check, host_level_families  # noqa: E402

# ../shared/data beside the repository (make_tables.py's default), or FLOWHOUND_SHARED_DATA.
DATA = Path(os.environ.get("FLOWHOUND_SHARED_DATA", Path(__file__).resolve().parents[4] / "shared" / "data"))


def test_check_passes():
    check()


def test_every_normal_day_is_held_out_with_a_host_level_family():
    families = host_level_families()
    normal_days = [s for s in SOURCES if s.family == "normal" and s.host_level]
    assert normal_days
    for source in normal_days:
        assert source.held_out_with in families, source.name
        assert source.fold == source.held_out_with
        assert source.role == "normal"


def test_flow_only_sources_are_in_no_fold_and_botnet_sources_in_their_familys():
    for source in SOURCES:
        if source.family != "normal":
            assert source.fold == source.family and source.role == "botnet", source.name
        elif not source.host_level:
            assert source.fold is None, source.name
    flow_only_families = {s.family for s in SOURCES if s.role == "botnet" and not s.host_level}
    # The families seen only in 100-row samples are never held out: they have no host rows to judge.
    assert flow_only_families == {"neris", "virut"}
    assert not flow_only_families & set(host_level_families())


def test_host_level_families_in_registry_order():
    assert host_level_families() == ["menti", "rbot", "mirai", "sality", "windows-malware-2016", "test2-malicious",
                                     "test4-malicious", "test5-malicious"]


def test_infected_hosts_are_named_and_inside_the_sources_lan():
    names = [s.name for s in SOURCES]
    assert len(set(names)) == len(names)
    assert len({s.path for s in SOURCES}) == len(SOURCES)
    assert sources.BY_NAME == {s.name: s for s in SOURCES}
    for source in SOURCES:
        lan = [ipaddress.ip_network(cidr) for cidr in source.lan]
        assert lan, source.name
        if source.family == "normal":
            assert source.infected == (), source.name
        else:
            assert source.infected, source.name
        for host in source.infected:
            address = ipaddress.ip_address(host)
            assert any(address.version == net.version and address in net for net in lan), f"{source.name}: {host} outside {source.lan}"


def test_check_refuses_a_normal_day_held_out_with_no_host_level_family(monkeypatch):
    day = next(s for s in SOURCES if s.family == "normal" and s.host_level)
    for family in ("neris", "no-such-family", None):
        monkeypatch.setattr(sources, "SOURCES", tuple(replace(s, held_out_with=family) if s is day else s for s in SOURCES))
        with pytest.raises(ValueError, match=f"{day.name}: held out with {family!r}, which is no host-level family"):
            sources.check()


@pytest.mark.skipif(not DATA.is_dir(), reason=f"SKIPPED: {DATA} absent; the shared data is not in users' clones, set FLOWHOUND_SHARED_DATA")
def test_every_source_file_is_in_the_shared_data_folder():
    missing = [f"{s.name}: {s.path}" for s in SOURCES if not (DATA / s.path).is_file()]
    assert not missing
