// Times are checked where they enter (issue 15, item 2): a packet or a record whose time a
// date cannot hold (more than a day before 1970, or past 2100-01-01) is ERR_TIME_OUT_OF_RANGE
// with its place and exit 2; with --keep-going it is skipped, and nothing downstream ever
// sees it: never a NaN in an output, never a RangeError from a Date.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

import { buildPcap, buildPcapng } from '../helpers/pcap-builder.js';
import { runCli, tempDir } from '../helpers/run-cli.js';
import { SMALL_LAN_PACKETS } from '../helpers/small-lan.js';

let dir: string;
/** name → [path, what the error must say] */
const inputs: Record<string, { path: string; place: RegExp }> = {};

beforeAll(() => {
  dir = tempDir();
  // The reproduction: a pcapng whose second packet is stamped 10^19 µs (tshark reads
  // it, as the year 318857). Its block starts at byte 28 + 20 + 92 = 140.
  const pcapng = join(dir, 'far-future.pcapng');
  writeFileSync(pcapng, buildPcapng(SMALL_LAN_PACKETS, new Map([[1, 10n ** 19n]])));
  inputs.pcapng = { path: pcapng, place: /far-future\.pcapng at byte 140 \(packet 2\): packet timestamp 9223372036854\.775807 s since 1970 is past 2100-01-01/ };
  // Classic pcap: seconds past 2100 (its unsigned 32-bit seconds reach 2106).
  const pcap = join(dir, 'past-2100.pcap');
  const packets = SMALL_LAN_PACKETS.map((packet, i) => (i === 2 ? { ...packet, timeUs: 4_200_000_000 * 1e6 } : packet));
  writeFileSync(pcap, buildPcap(packets));
  inputs.pcap = { path: pcap, place: /past-2100\.pcap at byte \d+ \(packet 3\): packet timestamp 4200000000\.000000 s/ };
  // A binetflow row dated 2150, and a Zeek log whose ts is 10^10 s (the year 2286).
  const binetflow = join(dir, 'far-future.binetflow');
  writeFileSync(
    binetflow,
    'StartTime,Dur,Proto,SrcAddr,Sport,Dir,DstAddr,Dport,State,sTos,dTos,TotPkts,TotBytes,SrcBytes\n' +
      '2011/08/16 10:01:46.972101,0.5,udp,192.168.1.10,1000,   ->,8.8.8.8,53,INT,0,,1,60,60\n' +
      '2150/01/01 00:00:00.000000,0.5,udp,192.168.1.10,1001,   ->,8.8.8.8,53,INT,0,,1,60,60\n' +
      '2011/08/16 10:01:47.972101,0.5,udp,192.168.1.10,1002,   ->,8.8.8.8,53,INT,0,,1,60,60\n',
  );
  inputs.binetflow = { path: binetflow, place: /far-future\.binetflow:3: StartTime 5680281600\.000000 s since 1970 is past 2100-01-01/ };
  const zeek = join(dir, 'far-future.conn.log');
  writeFileSync(
    zeek,
    '#separator \\x09\n#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tduration\tconn_state\n' +
      '1545403816.962094\tC1\t192.168.1.10\t1000\t8.8.8.8\t53\tudp\t0.5\tS0\n' +
      '10000000000\tC2\t192.168.1.10\t1001\t8.8.8.8\t53\tudp\t0.5\tS0\n' +
      '1545403817.962094\tC3\t192.168.1.10\t1002\t8.8.8.8\t53\tudp\t0.5\tS0\n',
  );
  inputs.zeek = { path: zeek, place: /far-future\.conn\.log:4: ts 10000000000\.000000 s since 1970 is past 2100-01-01/ };
});

describe('a time a date cannot hold', () => {
  for (const kind of ['pcapng', 'pcap', 'binetflow', 'zeek']) {
    it(`${kind}: flows and analyze stop with ERR_TIME_OUT_OF_RANGE and its place, exit 2`, () => {
      const { path, place } = inputs[kind]!;
      const flows = runCli(['flows', path, '-o', join(dir, `${kind}.csv`)]);
      expect(flows.stderr).toMatch(/ERR_TIME_OUT_OF_RANGE: /);
      expect(flows.stderr).toMatch(place);
      expect(flows.status).toBe(2);
      const analyze = runCli(['analyze', path, '--no-db', '--lan', '192.168.0.0/16', '-o', join(dir, `${kind}.json`)]);
      expect(analyze.stderr).toMatch(/ERR_TIME_OUT_OF_RANGE: /);
      expect(analyze.stderr).toMatch(place);
      expect(analyze.stderr).not.toMatch(/RangeError|Invalid time value|at .*\.js:\d+/);
      expect(analyze.status).toBe(2);
    });

    it(`${kind}: with --keep-going it is skipped, exit 0 and no NaN anywhere`, () => {
      const { path } = inputs[kind]!;
      const csv = join(dir, `${kind}-kept.csv`);
      const flows = runCli(['flows', path, '--keep-going', '-o', csv]);
      expect(flows.status, flows.stderr).toBe(0);
      const written = readFileSync(csv, 'utf8');
      expect(written).not.toMatch(/NaN/);
      expect(written.trim().split('\n').length).toBeGreaterThan(1);
      const json = join(dir, `${kind}-kept.json`);
      const analyze = runCli(['analyze', path, '--keep-going', '--no-db', '--lan', '192.168.0.0/16', '-o', json]);
      expect(analyze.status, analyze.stderr).toBe(0);
      const result = readFileSync(json, 'utf8');
      expect(result).not.toMatch(/NaN/);
      const hosts = (JSON.parse(result) as { hosts: { host: string }[] }).hosts;
      expect(hosts.map((h) => h.host)).toContain('192.168.1.10');
    });
  }
});
