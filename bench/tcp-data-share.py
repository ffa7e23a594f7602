#!/usr/bin/env python3
"""How many of a TCP side's packets carry data, in real captures and in synth's layouts.

`flowhound synth` knows only a record's packets and bytes per side, and must choose which
packets carry the data (native/synth/src/from_records/wire_lengths.rs). This reads real
Ethernet/IPv4 pcaps, and for every (connection, side) of at least 10 packets compares the
share of packets with a TCP payload with the share two layouts would give the same packets
and bytes:
  - full frames: as few data packets as the bytes need at 1514 bytes, the rest 60-byte ACKs
    (synth's layout before 2026-12-01);
  - taking turns: every other packet carries data, or more when full frames need more (now).

Usage: bench/tcp-data-share.py [PCAP ...]
  (default: ../shared/data/pcaps/*/*.pcap and ../shared/data/parser-corpus/tcpdump/*.pcap)
Writes bench/results/tcp-data-share.json.
"""
import collections
import glob
import json
import os
import struct
import sys
from datetime import datetime, timezone

SMALL, FULL, MIN_PACKETS = 60, 1514, 10
BANDS = [(60, 80), (80, 150), (150, 300), (300, 600), (600, 1000), (1000, 100000)]


def frames(path):
    data = open(path, 'rb').read()
    if len(data) < 24:
        return
    endian = {b'\xd4\xc3\xb2\xa1': '<', b'\x4d\x3c\xb2\xa1': '<', b'\xa1\xb2\xc3\xd4': '>', b'\xa1\xb2\x3c\x4d': '>'}.get(data[:4])
    if endian is None or struct.unpack(endian + 'I', data[20:24])[0] != 1:  # pcap, Ethernet only
        return
    at = 24
    while at + 16 <= len(data):
        _, _, captured, wire = struct.unpack(endian + 'IIII', data[at:at + 16])
        yield wire, data[at + 16:at + 16 + captured]
        at += 16 + captured


def tcp_sides(path):
    sides = collections.defaultdict(list)
    for wire, frame in frames(path):
        ether_type, ip_at = struct.unpack('>H', frame[12:14])[0] if len(frame) >= 14 else 0, 14
        if ether_type == 0x8100 and len(frame) >= 18:
            ether_type, ip_at = struct.unpack('>H', frame[16:18])[0], 18
        if ether_type != 0x0800 or len(frame) < ip_at + 20:
            continue
        ip_len, proto = (frame[ip_at] & 15) * 4, frame[ip_at + 9]
        tcp_at = ip_at + ip_len
        if proto != 6 or len(frame) < tcp_at + 13:
            continue
        total = struct.unpack('>H', frame[ip_at + 2:ip_at + 4])[0]
        payload = total - ip_len - (frame[tcp_at + 12] >> 4) * 4
        src, dst = (frame[ip_at + 12:ip_at + 16], frame[tcp_at:tcp_at + 2]), (frame[ip_at + 16:ip_at + 20], frame[tcp_at + 2:tcp_at + 4])
        sides[(min(src, dst), max(src, dst), src)].append((wire, payload > 0))
    return sides.values()


def data_packets(pkts, wire_bytes, taking_turns):
    extra = wire_bytes - SMALL * pkts
    if extra <= 0:
        return 0
    needed = -(-extra // (FULL - SMALL))
    if taking_turns:
        needed = min(max(needed, -(-pkts // 2)), extra)
    return max(1, min(needed, pkts))


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    shared = os.environ.get('FLOWHOUND_SHARED_DATA', os.path.join(here, '..', '..', 'shared', 'data'))
    paths = sys.argv[1:] or sorted(glob.glob(os.path.join(shared, 'pcaps', '*', '*.pcap')) + glob.glob(os.path.join(shared, 'parser-corpus', 'tcpdump', '*.pcap')))
    if not paths:
        sys.exit(f'tcp-data-share: no captures given and none under {shared}')
    rows, files = [], collections.Counter()
    for path in paths:
        for side in tcp_sides(path):
            if len(side) >= MIN_PACKETS:
                pkts, wire_bytes = len(side), sum(wire for wire, _ in side)
                rows.append((wire_bytes / pkts, pkts, sum(carries for _, carries in side), data_packets(pkts, wire_bytes, False), data_packets(pkts, wire_bytes, True)))
                files[os.path.basename(path)] += 1
    bands = []
    for low, high in BANDS:
        band = [row for row in rows if low <= row[0] < high]
        if band:
            pkts = sum(row[1] for row in band)
            share = lambda column: round(sum(row[column] for row in band) / pkts, 3)
            bands.append({'meanFrameBytes': [low, high], 'sides': len(band), 'packets': pkts, 'real': share(2), 'fullFrames': share(3), 'takingTurns': share(4)})
            print(f"mean frame {low:>4}-{high:<6} B: {len(band):4} sides, {pkts:6} packets; share carrying data: real {share(2):.2f}, full frames {share(3):.2f}, taking turns {share(4):.2f}")
    print(f"{len(rows)} sides of >= {MIN_PACKETS} packets from {len(files)} captures")
    result = {'date': datetime.now(timezone.utc).isoformat(), 'captures': len(files), 'sides': len(rows), 'sidesPerCapture': dict(files.most_common()), 'bands': bands}
    with open(os.path.join(here, 'results', 'tcp-data-share.json'), 'w') as out:
        out.write(json.dumps(result, indent=2) + '\n')


main()
