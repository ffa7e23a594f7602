// `flowhound flows` end to end: real command, real files, exit codes and messages.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { tableFromIPC } from 'apache-arrow';
import { beforeAll, describe, expect, it } from 'vitest';

import { buildPcap, buildPcapng, buildPcapWithLink, TCP_FLAGS } from '../helpers/pcap-builder.js';
import { parseCsv, repoRoot, runCli, tempDir } from '../helpers/run-cli.js';
import { BEACON_PACKETS, SMALL_LAN_PACKETS } from '../helpers/small-lan.js';

const ALL_PACKETS = [...SMALL_LAN_PACKETS, ...BEACON_PACKETS].sort((a, b) => a.timeUs - b.timeUs);

/**
 * What Argus 3.0.8 made of the same capture (`argus -S 3600 -r small-lan.pcap`, then
 * `ra -n -Z b -c , -s stime dur proto saddr sport dir daddr dport state stos dtos pkts bytes
 * sbytes - ip` with TZ=UTC): the expected whole-capture records, from an independent tool.
 */
const ARGUS_RECORDS = `StartTime,Dur,Proto,SrcAddr,Sport,Dir,DstAddr,Dport,State,sTos,dTos,TotPkts,TotBytes,SrcBytes
2011/08/16 08:00:10.000000,0.140000,tcp,192.168.1.10,40000,   ->,93.184.216.34,80,FSPA_FSPA,0,0,8,1568,394
2011/08/16 08:00:11.000000,0.030000,udp,192.168.1.10,5353,  <->,8.8.8.8,53,CON,0,0,2,244,82
2011/08/16 08:00:12.000000,0.000000,udp,192.168.1.11,1234,   ->,10.0.0.1,9999,INT,0,,1,60,60
2011/08/16 08:00:13.000000,0.010000,icmp,192.168.1.10,0x0008,  <->,1.1.1.1,0x0700,ECO,0,0,2,196,98
2011/08/16 08:00:14.000000,0.000000,tcp,192.168.1.12,5555,   ->,203.0.113.5,25,S_,0,,1,60,60
2011/08/16 08:00:15.000000,0.010000,tcp,192.168.1.12,5556,   ->,203.0.113.6,25,S_RA,0,0,2,120,60
2011/08/16 08:00:20.000000,600.000000,udp,192.168.1.66,6666,   ->,198.51.100.7,443,INT,0,,31,2294,2294
`;

let dir: string;
let capture: string;

beforeAll(() => {
  dir = tempDir();
  capture = join(dir, 'small-lan.pcap');
  writeFileSync(capture, buildPcap(ALL_PACKETS));
});

describe('flowhound flows on a capture', () => {
  it('--whole gives exactly the records Argus gives', () => {
    const out = join(dir, 'whole.csv');
    const result = runCli(['flows', capture, '--whole', '--status-interval', '3600', '-o', out]);
    expect(result.stderr).toContain('flows: 7 records from 47 packets, whole capture');
    expect(result.status).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(ARGUS_RECORDS);
  });

  it('windowed mode counts every packet in both windows that hold it', () => {
    const result = runCli(['flows', capture]);
    expect(result.status).toBe(0);
    const rows = parseCsv(result.stdout);
    const totalPackets = rows.reduce((sum, row) => sum + Number(row.TotPkts), 0);
    expect(totalPackets).toBe(2 * ALL_PACKETS.length);
    const step = 150;
    for (const row of rows) {
      const windowStartS = Date.parse(`${row.WindowStart!.replace(/\//g, '-').replace(' ', 'T')}Z`) / 1000;
      expect(windowStartS % step).toBe(0);
      const startS = Date.parse(`${row.StartTime!.slice(0, 19).replace(/\//g, '-').replace(' ', 'T')}Z`) / 1000;
      expect(startS).toBeGreaterThanOrEqual(windowStartS);
      expect(startS + Number(row.Dur)).toBeLessThan(windowStartS + 300);
    }
    // The 600 s beacon is cut into its windows: it starts at 08:00:20, in the windows of
    // 07:57:30 and 08:00:00, and runs into those of 08:02:30 … 08:10:00.
    const beacon = rows.filter((row) => row.SrcAddr === '192.168.1.66');
    expect(beacon.map((row) => row.WindowStart!.slice(11, 19))).toEqual([
      '07:57:30', '08:00:00', '08:02:30', '08:05:00', '08:07:30', '08:10:00',
    ]);
    expect(beacon.reduce((sum, row) => sum + Number(row.TotPkts), 0)).toBe(2 * BEACON_PACKETS.length);
  });

  it('--window and --step change the windows; a window not a multiple of the step is refused', () => {
    const result = runCli(['flows', capture, '--window', '60', '--step', '30']);
    expect(result.status).toBe(0);
    const rows = parseCsv(result.stdout);
    expect(rows.reduce((sum, row) => sum + Number(row.TotPkts), 0)).toBe(2 * ALL_PACKETS.length);

    const refused = runCli(['flows', capture, '--window', '300', '--step', '140']);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/ERR_BAD_OPTION/);
    expect(refused.stderr).toContain('small-lan.pcap');
  });

  it('--max-active-flows emits the longest-idle flows early, says so, and loses no packet', () => {
    const result = runCli(['flows', capture, '--max-active-flows', '2']);
    expect(result.status).toBe(0);
    const early = /flows emitted early at the active-flow cap: (\d+)/.exec(result.stderr);
    expect(Number(early?.[1])).toBeGreaterThan(0);
    const rows = parseCsv(result.stdout);
    expect(rows.reduce((sum, row) => sum + Number(row.TotPkts), 0)).toBe(2 * ALL_PACKETS.length);
    expect(rows.reduce((sum, row) => sum + Number(row.TotBytes), 0)).toBe(
      2 * parseCsv(ARGUS_RECORDS).reduce((sum, row) => sum + Number(row.TotBytes), 0),
    );
  });

  it('--uncertain-direction: a connection seen mid-stream keeps its first sender, or under Argus 3.0.8 its client', () => {
    // CTU-13's `199.59.164.114:80 ?> 147.32.86.21:3609 A_R`: an ACK from port 80, a reset back.
    const midstream = join(dir, 'midstream.pcap');
    const server = { src: '199.59.164.114', dst: '147.32.86.21', proto: 6, srcPort: 80, dstPort: 3609 };
    const client = { src: server.dst, dst: server.src, proto: 6, srcPort: server.dstPort, dstPort: server.srcPort };
    writeFileSync(midstream, buildPcap([
      { ...server, timeUs: 1_313_483_413_165_535, tcpFlags: TCP_FLAGS.ACK },
      { ...client, timeUs: 1_313_483_413_165_600, tcpFlags: TCP_FLAGS.RST },
    ]));
    const record = (args: string[]) => {
      const result = runCli(['flows', midstream, '--whole', ...args]);
      expect(result.status).toBe(0);
      const rows = parseCsv(result.stdout);
      expect(rows).toHaveLength(1);
      const row = rows[0]!;
      return `${row.SrcAddr}:${row.Sport} ${row.Dir!.trim()} ${row.DstAddr}:${row.Dport} ${row.State}`;
    };
    expect(record([])).toBe('199.59.164.114:80 <?> 147.32.86.21:3609 A_R');
    expect(record(['--uncertain-direction', 'first-sender'])).toBe('199.59.164.114:80 <?> 147.32.86.21:3609 A_R');
    expect(record(['--uncertain-direction', 'service-port'])).toBe('147.32.86.21:3609 <?> 199.59.164.114:80 R_A');
    const wrong = runCli(['flows', midstream, '--uncertain-direction', 'server']);
    expect(wrong.status).toBe(2);
    expect(wrong.stderr).toContain("--uncertain-direction must be first-sender or service-port, got 'server'");
  });

  it('writes Arrow IPC that apache-arrow reads back with the same records', () => {
    const out = join(dir, 'flows.arrow');
    const result = runCli(['flows', capture, '--whole', '-o', out]);
    expect(result.status).toBe(0);
    const table = tableFromIPC(readFileSync(out));
    expect(table.numRows).toBe(7);
    const web = table.get(0)!.toJSON();
    expect(web.proto).toBe('tcp');
    expect(web.src_addr).toBe('192.168.1.10');
    expect(web.state).toBe('FSPA_FSPA');
    expect(Number(web.total_bytes)).toBe(1568);
    expect(Number(web.src_pkts)).toBe(5);
    expect(web.duration_s).toBeCloseTo(0.14, 6);
    expect(web.window_start).toBeNull();
  });
});

describe('flowhound flows on captures of other link layers', () => {
  const ppp = (etherType: number) => Uint8Array.from([0xff, 0x03, 0x00, etherType === 0x86dd ? 0x57 : 0x21]);
  // Radiotap (8 bytes, no fields), then an 802.11 data frame to the DS, then SNAP LLC.
  const radiotap = (etherType: number) =>
    Uint8Array.from([0, 0, 8, 0, 0, 0, 0, 0, 0x08, 0x01, 0, 0, ...new Array<number>(18).fill(2), 0, 0, 0xaa, 0xaa, 0x03, 0, 0, 0, etherType >> 8, etherType & 0xff]);
  // NFLOG: AF_INET, version 0, group 1, then the payload attribute (its length unchecked here).
  const nflog = () => Uint8Array.from([2, 0, 0, 1, 0xff, 0x0f, 9, 0]);
  const keys = (csv: string) => parseCsv(csv).map((row) => [row.StartTime, row.Proto, row.SrcAddr, row.Sport, row.DstAddr, row.Dport, row.State, row.TotPkts].join(' '));

  it('PPP, 802.11 behind radiotap and NFLOG give the records Argus gives on Ethernet (bytes counted as their frames)', () => {
    const ethernetKeys = keys(ARGUS_RECORDS);
    for (const [name, linkType, header] of [['ppp', 9, ppp], ['radiotap', 127, radiotap], ['nflog', 239, nflog]] as const) {
      const file = join(dir, `small-lan-${name}.pcap`);
      writeFileSync(file, buildPcapWithLink(ALL_PACKETS, linkType, header));
      const result = runCli(['flows', file, '--whole', '--status-interval', '3600']);
      expect(result.stderr, name).toContain('flows: 7 records from 47 packets, whole capture');
      expect(result.status).toBe(0);
      expect(keys(result.stdout), name).toEqual(ethernetKeys);
    }
  });

  it('a pcap of a link type flowhound does not decode: ERR_UNSUPPORTED_LINKTYPE at its header, never an empty result', () => {
    const file = join(dir, 'user0.pcap');
    writeFileSync(file, buildPcapWithLink(ALL_PACKETS, 147, () => new Uint8Array(4)));
    for (const command of ['flows', 'analyze']) {
      const result = runCli([command, file, '--no-db'].filter((arg) => command === 'analyze' || arg !== '--no-db'));
      expect(result.status, command).toBe(2);
      expect(result.stderr).toContain(`ERR_UNSUPPORTED_LINKTYPE: ${file} at byte 20: link type 147 is not one flowhound decodes`);
    }
  });
});

describe('a capture of which no packet can be decoded', () => {
  it('says so, rather than passing for a quiet network: a pcapng interface of another link type, or a snap length of 20', () => {
    // The pcapng file's interface made LINKTYPE_USER0 (147): walk the blocks to the IDB (type 1).
    const pcapng = buildPcapng(ALL_PACKETS);
    const view = new DataView(pcapng.buffer, pcapng.byteOffset, pcapng.byteLength);
    for (let at = 0; at < pcapng.length; at += view.getUint32(at + 4, true)) {
      if (view.getUint32(at, true) === 1) view.setUint16(at + 8, 147, true);
    }
    const user0 = join(dir, 'user0.pcapng');
    writeFileSync(user0, pcapng);
    const analyze = runCli(['analyze', user0, '--no-db']);
    expect(analyze.status).toBe(0);
    expect(analyze.stderr).toContain(`warning: no IP packet could be decoded: ${ALL_PACKETS.length} of ${ALL_PACKETS.length} packets are undecodable`);

    const cut = join(dir, 'snap20.pcap');
    writeFileSync(cut, buildPcap(ALL_PACKETS, 20));
    const flows = runCli(['flows', cut, '--whole']);
    expect(flows.stderr).toContain('warning: no IP packet could be decoded');
    expect(runCli(['flows', capture, '--whole']).stderr).not.toContain('no IP packet could be decoded');
  });
});

describe('a capture out of time order', () => {
  it('packets later than every window holding them are counted in a later window, and every command says so', () => {
    // The beacon's 600 s first, then the connections of 08:00:10 to 08:00:15: their windows
    // (up to 08:05:00) have closed by then.
    const file = join(dir, 'late.pcap');
    writeFileSync(file, buildPcap([...BEACON_PACKETS, ...SMALL_LAN_PACKETS]));
    const warning = `warning: ${SMALL_LAN_PACKETS.length} packets came after every window holding them had closed (the capture is out of time order)`;
    const flows = runCli(['flows', file, '-o', join(dir, 'late.csv')]);
    expect(flows.status).toBe(0);
    expect(flows.stderr).toContain(warning);
    expect(flows.stderr).toContain('`reordercap IN OUT` (Wireshark) sorts a capture by time');
    const analyze = runCli(['analyze', file, '--no-db']);
    expect(analyze.status).toBe(0);
    expect(analyze.stderr).toContain(warning);
    // In order, or read whole, nothing is said.
    expect(runCli(['flows', capture, '-o', join(dir, 'in-order.csv')]).stderr).not.toContain('came after every window');
    expect(runCli(['flows', file, '--whole', '-o', join(dir, 'late-whole.csv')]).stderr).not.toContain('came after every window');
  });
});

describe('flowhound flows on a gzip-compressed capture', () => {
  it('reads x.pcap.gz and x.pcapng.gz as the captures they hold, from a file or a pipe', () => {
    const pcapGz = join(dir, 'small-lan.pcap.gz');
    const pcapngGz = join(dir, 'small-lan.pcapng.gz');
    writeFileSync(pcapGz, gzipSync(buildPcap(ALL_PACKETS)));
    writeFileSync(pcapngGz, gzipSync(buildPcapng(ALL_PACKETS)));
    for (const file of [pcapGz, pcapngGz]) {
      const result = runCli(['flows', file, '--whole', '--status-interval', '3600']);
      expect(result.stderr).toContain('flows: 7 records from 47 packets, whole capture');
      expect(result.status).toBe(0);
      expect(result.stdout).toBe(ARGUS_RECORDS);
    }
    const piped = execFileSync('sh', ['-c', `node "${join(repoRoot, 'bin', 'flowhound.mjs')}" flows - --whole --status-interval 3600 < "${pcapGz}"`], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(piped).toBe(ARGUS_RECORDS);
  });

  it('a cut gzip capture: ERR_GZIP_CORRUPT naming the file; --keep-going keeps the packets before the cut', () => {
    const cut = join(dir, 'cut.pcap.gz');
    const compressed = gzipSync(buildPcap(ALL_PACKETS), { level: 0 });
    writeFileSync(cut, compressed.subarray(0, Math.floor(compressed.length * 0.6)));
    const failed = runCli(['flows', cut, '--whole']);
    expect(failed.status).toBe(2);
    expect(failed.stderr).toMatch(new RegExp(`flowhound: ERR_GZIP_CORRUPT: ${cut} at byte \\d+ \\(packet \\d+\\): gzip data is corrupt or ends early`));
    const kept = runCli(['flows', cut, '--whole', '--keep-going']);
    expect(kept.status).toBe(0);
    expect(kept.stderr).toContain('warning: stopped reading at damaged input (--keep-going): ERR_GZIP_CORRUPT');
    expect(parseCsv(kept.stdout).length).toBeGreaterThan(0);
  });
});

describe('flowhound flows output targets', () => {
  it('writes into a named pipe (or a device such as /dev/null) in place, never replacing it', async () => {
    const fifo = join(dir, 'flows.fifo');
    execFileSync('mkfifo', [fifo]);
    const reader = spawn('cat', [fifo]);
    let received = '';
    reader.stdout.on('data', (chunk: Buffer) => (received += chunk.toString()));
    const done = new Promise((resolve) => reader.on('close', resolve));
    const result = runCli(['flows', capture, '--whole', '-q', '-o', fifo]);
    await done;
    expect(result.status).toBe(0);
    expect(received).toBe(ARGUS_RECORDS);
    expect(statSync(fifo).isFIFO()).toBe(true);
  });
});

describe('flowhound flows on damaged or wrong input', () => {
  it('an empty file: ERR_EMPTY_FILE, exit 2, no output file', () => {
    const empty = join(dir, 'empty.pcap');
    writeFileSync(empty, '');
    const out = join(dir, 'never.csv');
    const result = runCli(['flows', empty, '-o', out]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`ERR_EMPTY_FILE: ${empty}`);
    expect(existsSync(out)).toBe(false);
    expect(existsSync(`${out}.partial`)).toBe(false);
  });

  it('binary garbage: ERR_NOT_A_CAPTURE at byte 0', () => {
    const garbage = join(dir, 'garbage.pcap');
    writeFileSync(garbage, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0, 0, 0]));
    const result = runCli(['flows', garbage]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`ERR_NOT_A_CAPTURE: ${garbage} at byte 0`);
  });

  it('a capture cut inside a record: ERR_PCAP_TRUNCATED with the byte offset; --keep-going keeps what came before', () => {
    const whole = buildPcap(ALL_PACKETS);
    const cut = join(dir, 'cut.pcap');
    // Keep the file header and the first 8 records (the TCP connection) whole, then half a record.
    const eightRecords = 24 + SMALL_LAN_PACKETS.slice(0, 8).reduce((sum, p) => sum + 16 + frameLength(p), 0);
    writeFileSync(cut, whole.subarray(0, eightRecords + 20));
    const out = join(dir, 'cut.csv');

    const failed = runCli(['flows', cut, '--whole', '-o', out]);
    expect(failed.status).toBe(2);
    expect(failed.stderr).toMatch(new RegExp(`ERR_PCAP_TRUNCATED: ${cut} at byte ${eightRecords}`));
    expect(existsSync(out)).toBe(false);

    const kept = runCli(['flows', cut, '--whole', '--keep-going', '-o', out]);
    expect(kept.status).toBe(0);
    expect(kept.stderr).toContain('warning: stopped reading at damaged input');
    const rows = parseCsv(readFileSync(out, 'utf8'));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ SrcAddr: '192.168.1.10', DstAddr: '93.184.216.34', State: 'FSPA_FSPA', TotPkts: '8' });
  });

  it('a file that does not exist: ERR_IO naming it', () => {
    const result = runCli(['flows', join(dir, 'missing.pcap')]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/ERR_IO: .*missing\.pcap/);
  });
});

describe('flowhound flows on a flow file', () => {
  it('converts a CTU-13 binetflow excerpt back to the same text, labels included', () => {
    const excerpt = join(repoRoot, 'test', 'fixtures', 'flowfiles', 'ctu13-scenario6-excerpt.binetflow');
    const result = runCli(['flows', excerpt, '--utc-offset', '0']);
    expect(result.status).toBe(0);
    const input = readFileSync(excerpt, 'utf8').trim().split('\n');
    const output = result.stdout.trim().split('\n');
    expect(output).toHaveLength(input.length);
    expect(output[0]).toBe(input[0]);
    // Every line is reproduced exactly but two kinds, whose difference is documented:
    // IPv6-ICMP rows where Argus left Dport (the code) empty come back with code 0, and ESP's
    // 32-bit SPI, which Argus prints in Dport, does not fit a port and comes back empty.
    const differing = input.filter((line, i) => line !== output[i] && !/,(ipv6-icmp|esp),/.test(line));
    expect(differing).toEqual([]);
  });
});

describe('flowhound usage', () => {
  it('help shows examples and exits 0; unknown options exit 2', () => {
    const help = runCli(['help', 'flows']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('Examples:');
    const bad = runCli(['flows', capture, '--bogus']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('ERR_USAGE');
    const none = runCli([]);
    expect(none.status).toBe(2);
    expect(none.stdout).toContain('Usage: flowhound');
  });
});

function frameLength(spec: (typeof SMALL_LAN_PACKETS)[number]): number {
  const transport = spec.proto === 6 ? 20 : spec.proto === 17 || spec.proto === 1 ? 8 : 0;
  return Math.max(14 + 20 + transport + (spec.payloadBytes ?? 0), 60);
}
