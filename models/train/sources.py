"""Every labelled source in ../shared/data the models learn from and are judged on, written once.

Each source names its file, the botnet family it shows (or ``normal``), the LAN and time zone
its flows need, the hosts that are infected, and which family's held-out part takes it when it
is a normal day (leave-one-family-out: a family is held out together with the normal days
assigned to it, so that its test has clean traffic that training never saw).

``host_level`` says whether the source's (host, window) rows mean anything: a random sample of
flows (the benign sample, the 100-row scenario samples) leaves each host one or two flows per
window, nothing like a host's behaviour, so such sources train the flow model only.

Sources left out, and why (see ../shared/data/README.md):
- ``flows/stratosphere/Malicious__CTU-Malware-Capture-Botnet-207-1.gz``: several LAN hosts,
  the infected one unknown ("do not use as truth").
- ``flows/stratosphere/test3-mixed.binetflow.gz``: an outside host scanning the LAN; no
  infected LAN host is named.
- ``flows/stratosphere/test11-portscan.binetflow.gz``: not in the README's table of infected
  hosts (66 rows of one port scan by 10.8.0.69).
- ``flows/stratosphere/test5-mixed.binetflow.gz``: an excerpt of test5-old (same capture, same
  rows), which is used instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field

CTU_LAN = ("147.32.0.0/16",)
PRIVATE = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")


@dataclass(frozen=True)
class Source:
    name: str
    path: str  # relative to the data folder
    family: str  # the botnet family, or "normal"
    lan: tuple[str, ...]
    infected: tuple[str, ...] = ()
    utc_offset: int = 0  # minutes east of UTC of the file's times (CTU-13: 120)
    host_level: bool = True
    rebuild: bool = False  # also as the capture `flowhound synth` rebuilds from it
    held_out_with: str | None = None  # normal sources: the family whose test takes them
    sort: bool = False  # rows in random order (the 100-row samples): sort by StartTime first
    note: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def role(self) -> str:
        return "normal" if self.family == "normal" else "botnet"

    @property
    def fold(self) -> str | None:
        """The leave-one-family-out fold whose held-out part holds this source."""
        return self.held_out_with if self.family == "normal" else self.family


CTU = dict(lan=CTU_LAN, utc_offset=120)
NINE_BOTS = tuple(f"147.32.84.{h}" for h in (165, 191, 192, 193, 204, 205, 206, 207, 208, 209))

SOURCES: tuple[Source, ...] = (
    # CTU-13 (García et al. 2014): complete scenarios 6 and 11, and the samples.
    Source("scenario6", "ctu13/capture20110816.binetflow.gz", "menti", infected=("147.32.84.165",), rebuild=True,
           note="complete: the bot (SMTP spam, C&C) among 1,112 LAN hosts of the university network", **CTU),
    Source("scenario11", "ctu13/capture20110818-2.botnet.binetflow.gz", "rbot",
           infected=("147.32.84.165", "147.32.84.191", "147.32.84.192"), rebuild=True,
           note="the botnet rows only (ICMP DDoS, IRC C&C, DNS): no normal traffic besides the victims", **CTU),
    Source("benign-sample", "ctu13/benign-sample.binetflow.gz", "normal", host_level=False,
           note="a random sample of clean flows of all 13 scenarios: flow rows only", **CTU),
    Source("scenario1-sample", "ctu13/samples/scenario1-capture20110810.sample.binetflow", "neris",
           infected=("147.32.84.165",), host_level=False, sort=True, **CTU),
    Source("scenario2-sample", "ctu13/samples/scenario2-capture20110811.sample.binetflow", "neris",
           infected=("147.32.84.165",), host_level=False, sort=True, **CTU),
    Source("scenario9-sample", "ctu13/samples/scenario9-capture20110817.sample.binetflow", "neris",
           infected=NINE_BOTS, host_level=False, sort=True, **CTU),
    Source("scenario5-sample", "ctu13/samples/scenario5-capture20110815-2.sample.binetflow", "virut",
           infected=("147.32.84.165",), host_level=False, sort=True, **CTU),
    Source("scenario13-sample", "ctu13/samples/scenario13-capture20110815-3.sample.binetflow", "virut",
           infected=("147.32.84.165",), host_level=False, sort=True, **CTU),
    # IoT-23 and the Stratosphere captures whose infected host the data README names.
    Source("iot23-mirai", "zeek/IoT-23_CTU-IoT-Malware-Capture-34-1_Mirai.conn.log.labeled.gz", "mirai",
           lan=PRIVATE, infected=("192.168.1.195",), note="one Mirai-infected IoT device, a day of Zeek's conn.log"),
    Source("sality", "flows/stratosphere/test-sality.binetflow.gz", "sality", lan=PRIVATE, infected=("192.168.1.128",)),
    Source("win-2016-09-09", "flows/stratosphere/Malicious__2016-09-09_win1.binetflow.gz", "windows-malware-2016",
           lan=PRIVATE, infected=("192.168.1.112", "fd2d:ab8c:225:0:1d3:35e9:7d97:2325"),
           note="its command-and-control client polls one server every 1.4 s"),
    Source("test2-malicious", "flows/stratosphere/test2-malicious.binetflow.gz", "test2-malicious", lan=PRIVATE,
           infected=("10.8.0.69",), note="a phone's apps (Facebook, Telegram, Google push) over HTTPS"),
    Source("test4-malicious", "flows/stratosphere/test4-malicious.binetflow.gz", "test4-malicious", lan=PRIVATE,
           infected=("192.168.2.12",), note="telnet scans (TCP 23 and 81) and BitTorrent DHT"),
    Source("test5-old", "flows/stratosphere/test5-old.binetflow.gz", "test5-malicious", lan=PRIVATE,
           infected=("10.0.2.15",), note="thousands of DNS queries to 8.8.8.8, then one long HTTP connection"),
    # Normal days: every host clean.
    Source("normal-2013-10-21", "flows/stratosphere/Normal__2013-10-21_capture-1.binetflow.gz", "normal", lan=CTU_LAN,
           held_out_with="mirai"),
    Source("normal-2015-03-24-dns", "flows/stratosphere/Normal__2015-03-24_capture1-only-dns.binetflow.gz", "normal",
           lan=PRIVATE, held_out_with="sality"),
    Source("normal-ctu-7", "flows/stratosphere/Normal__CTU-Normal-7-2013-13-07.binetflow.gz", "normal", lan=PRIVATE,
           held_out_with="rbot"),
    Source("normal-40-day1", "zeek/CTU-Normal-40_day1_host-147.32.81.167.conn.log.labeled.gz", "normal", lan=CTU_LAN,
           held_out_with="windows-malware-2016", note="outside scanners hit the host: their rows are labelled Malicious"),
    Source("normal-42-day1", "zeek/CTU-Normal-42-probably_day1_host-147.32.83.234.conn.log.labeled.gz", "normal",
           lan=CTU_LAN, held_out_with="test2-malicious"),
    Source("normal-42-day2", "zeek/CTU-Normal-42_day2_host-147.32.83.234.conn.log.labeled.gz", "normal", lan=CTU_LAN,
           held_out_with="test4-malicious"),
)

BY_NAME = {source.name: source for source in SOURCES}


def host_level_families() -> list[str]:
    """The families held out in turn: those with host-level rows."""
    seen: list[str] = []
    for source in SOURCES:
        if source.role == "botnet" and source.host_level and source.family not in seen:
            seen.append(source.family)
    return seen


def check() -> None:
    families = host_level_families()
    for source in SOURCES:
        if source.family == "normal" and source.host_level and source.held_out_with not in families:
            raise ValueError(f"{source.name}: held out with {source.held_out_with!r}, which is no host-level family")
