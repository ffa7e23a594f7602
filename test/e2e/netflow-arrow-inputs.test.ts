// NetFlow CSV (BotRecon's eight columns) and Arrow flow tables as inputs of `flows` and
// `features`, end to end: the real command on the fixtures of test/fixtures/flowfiles.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tableFromIPC, type Table } from 'apache-arrow';
import { beforeAll, describe, expect, it } from 'vitest';

import { buildPcap } from '../helpers/pcap-builder.js';
import { parseCsv, repoRoot, runCli, tempDir } from '../helpers/run-cli.js';
import { BEACON_PACKETS, SMALL_LAN_PACKETS } from '../helpers/small-lan.js';

const FIXTURES = join(repoRoot, 'test', 'fixtures', 'flowfiles');
const fixture = (name: string) => join(FIXTURES, name);
/** The CTU-13 excerpt the NetFlow fixtures were made from; times are CEST. */
const EXCERPT = fixture('ctu13-scenario6-excerpt.binetflow');
const NETFLOW_LINES = [2, 3, 4, 7, 11, 14, 17, 19];

let dir: string;
beforeAll(() => {
  dir = tempDir();
});

function flowsCsv(args: string[]): string {
  const run = runCli(['flows', ...args]);
  expect(run.status, run.stderr).toBe(0);
  return run.stdout;
}

/** A table's columns as plain arrays, without the ones naming the input file. */
function tableColumns(table: Table): Record<string, unknown[]> {
  const columns: Record<string, unknown[]> = {};
  for (const field of table.schema.fields) {
    if (field.name === 'input') continue;
    columns[field.name] = Array.from(table.getChild(field.name)!.toArray() as ArrayLike<unknown>);
  }
  return columns;
}

describe('flowhound flows on NetFlow CSV with BotRecon\'s eight columns', () => {
  it('reads the eight columns: no destination, no packet count, one untimed window', () => {
    const rows = parseCsv(flowsCsv([fixture('netflow-header.csv')]));
    const source = readFileSync(EXCERPT, 'utf8').trim().split('\n');
    const binetflow = parseCsv([source[0], ...NETFLOW_LINES.map((n) => source[n - 1])].join('\n'));
    expect(rows).toHaveLength(8);
    rows.forEach((row, i) => {
      const original = binetflow[i]!;
      expect(row).toMatchObject({
        SrcAddr: original.SrcAddr,
        Proto: original.Proto,
        Sport: original.Sport,
        Dport: original.Dport,
        State: original.State,
        Dur: original.Dur,
        TotBytes: original.TotBytes,
        SrcBytes: original.SrcBytes,
        DstAddr: '',
        TotPkts: '0',
        StartTime: '1970/01/01 00:00:00.000000',
      });
    });
  });

  it('finds the columns by other spellings and order, by position without a header, and in gzip', () => {
    const expected = flowsCsv([fixture('netflow-header.csv')]);
    for (const name of ['netflow-odd-header.csv', 'netflow-no-header.csv', 'netflow-no-header.csv.gz']) {
      expect(flowsCsv([fixture(name)]), name).toBe(expected);
    }
  });

  it('reads NetFlow CSV as pandas writes it: float ports, nan, epoch times, a destination', () => {
    const rows = parseCsv(flowsCsv([fixture('netflow-pandas.csv')]));
    expect(rows.map((r) => r.StartTime)[0]).toBe('2011/08/16 08:01:46.972101');
    expect(rows[0]).toMatchObject({ SrcAddr: '88.176.79.163', Sport: '49213', DstAddr: '147.32.84.172', Dport: '18250' });
    expect(rows[3]).toMatchObject({ Proto: 'icmp', Sport: '', Dport: '' });
  });

  it('a missing column: ERR_FLOWFILE_BAD_HEADER naming the file, the line and the column; exit 2', () => {
    const path = fixture('bad-netflow-missing-column.csv');
    const run = runCli(['flows', path]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(`ERR_FLOWFILE_BAD_HEADER: ${path}:1: missing column(s) SrcBytes (NetFlow CSV needs BotRecon's eight: SrcAddr, Proto, Dport, Sport, State, Dur, TotBytes, SrcBytes;`);
  });

  it('unknown columns only: a clear message, not a guess', () => {
    const path = join(dir, 'unknown.csv');
    writeFileSync(path, 'host,when,what\n10.0.0.1,today,web\n');
    const run = runCli(['flows', path]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(`ERR_FLOWFILE_BAD_HEADER: ${path}:1: no known column in the first line`);
    expect(run.stderr).toContain('found: "host", "when", "what"');
  });

  it('a bad row: ERR_FLOWFILE_BAD_ROW with its line; --keep-going skips and counts it', () => {
    const path = fixture('bad-netflow-row.csv');
    const run = runCli(['flows', path]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(`ERR_FLOWFILE_BAD_ROW: ${path}:3: field SrcBytes (column 8) "7744511": above TotBytes`);
    const kept = runCli(['flows', path, '--keep-going']);
    expect(kept.status, kept.stderr).toBe(0);
    expect(parseCsv(kept.stdout)).toHaveLength(2);
    expect(kept.stderr).toContain('warning: 2 flow-file rows skipped (--keep-going); the first: ERR_');
  });
});

describe('flowhound features on NetFlow CSV', () => {
  it('puts a file without times in one window; only sources get host rows', () => {
    const out = join(dir, 'netflow.arrow');
    const run = runCli(['features', fixture('netflow-no-header.csv.gz'), '--lan', '147.32.0.0/16', '-o', out]);
    expect(run.status, run.stderr).toBe(0);
    const flows = tableFromIPC(readFileSync(out));
    expect(flows.numRows).toBe(8);
    expect(new Set(Array.from(flows.getChild('window_start_us')!.toArray() as ArrayLike<unknown>).map(Number))).toEqual(new Set([0]));
    const hosts = tableFromIPC(readFileSync(join(dir, 'netflow.hosts.arrow')));
    expect(Array.from(hosts.getChild('host')!.toArray() as ArrayLike<string>)).toEqual(['147.32.84.165', '147.32.84.229', '147.32.85.112']);
    // BotRecon's columns have no destination address: 147.32.84.165's two unanswered SYNs to
    // TCP 25 go to one unknown server, its DNS query to one resolver outside.
    const evidence = (name: string) => Array.from(hosts.getChild(name)!.toArray() as ArrayLike<number>);
    expect(evidence('smtp_servers')).toEqual([1, 0, 0]);
    expect(evidence('failed_retries_one_service')).toEqual([2, 0, 0]);
    expect(evidence('conns_one_outside_service')).toEqual([2, 0, 0]);
    expect(evidence('dns_queries_outside')).toEqual([1, 0, 0]);
    expect(Array.from(hosts.getChild('pkts_total')!.toArray() as ArrayLike<number>)).toEqual([0, 0, 0]);
  });
});

describe('Arrow flow tables as input', () => {
  it('flows X.binetflow -o X.arrow (and .arrows), then flows X.arrow, gives the same records', () => {
    const direct = flowsCsv([EXCERPT, '--utc-offset', '120']);
    for (const name of ['excerpt.arrow', 'excerpt.arrows']) {
      const table = join(dir, name);
      flowsCsv([EXCERPT, '--utc-offset', '120', '-q', '-o', table]);
      expect(flowsCsv([table]), name).toBe(direct);
    }
  });

  it('features on X.arrow give the same rows as on X.binetflow', () => {
    const table = join(dir, 'for-features.arrow');
    flowsCsv([EXCERPT, '--utc-offset', '120', '-q', '-o', table]);
    const fromText = join(dir, 'text-features.arrow');
    const fromArrow = join(dir, 'arrow-features.arrow');
    const lan = ['--lan', '147.32.0.0/16'];
    expect(runCli(['features', EXCERPT, '--utc-offset', '120', ...lan, '-o', fromText]).status).toBe(0);
    const run = runCli(['features', table, ...lan, '-o', fromArrow]);
    expect(run.status, run.stderr).toBe(0);
    for (const suffix of ['', '.hosts']) {
      const a = tableFromIPC(readFileSync(fromText.replace('.arrow', `${suffix}.arrow`)));
      const b = tableFromIPC(readFileSync(fromArrow.replace('.arrow', `${suffix}.arrow`)));
      expect(b.numRows).toBeGreaterThan(0);
      expect(tableColumns(b)).toEqual(tableColumns(a));
    }
  });

  it('a capture\'s windowed flows through Arrow keep their windows: same records, same features', () => {
    const pcap = join(dir, 'small-lan.pcap');
    writeFileSync(pcap, buildPcap([...SMALL_LAN_PACKETS, ...BEACON_PACKETS].sort((a, b) => a.timeUs - b.timeUs)));
    const table = join(dir, 'capture.arrow');
    flowsCsv([pcap, '-q', '-o', table]);
    const direct = parseCsv(flowsCsv([pcap]));
    const again = parseCsv(flowsCsv([table]));
    expect(again.length).toBeGreaterThan(0);
    // The CSV of a flow file has no WindowStart column: the records are compared without it.
    const key = (r: Record<string, string>) =>
      [r.StartTime, r.Dur, r.Proto, r.SrcAddr, r.Sport, r.Dir, r.DstAddr, r.Dport, r.State, r.TotPkts, r.TotBytes, r.SrcBytes].join(' ');
    expect(again.map(key)).toEqual(direct.map(key));

    const fromPcap = join(dir, 'pcap-features.arrow');
    const fromArrow = join(dir, 'pcap-arrow-features.arrow');
    expect(runCli(['features', pcap, '-o', fromPcap]).status).toBe(0);
    expect(runCli(['features', table, '-o', fromArrow]).status).toBe(0);
    for (const suffix of ['', '.hosts']) {
      const a = tableFromIPC(readFileSync(fromPcap.replace('.arrow', `${suffix}.arrow`)));
      const b = tableFromIPC(readFileSync(fromArrow.replace('.arrow', `${suffix}.arrow`)));
      expect(b.numRows).toBeGreaterThan(0);
      expect(tableColumns(b)).toEqual(tableColumns(a));
    }
  });

  it('reads a table pyarrow wrote, with other column types', () => {
    const rows = parseCsv(flowsCsv([fixture('pyarrow-flows.arrows')]));
    expect(rows).toHaveLength(7);
    expect(rows[0]).toMatchObject({ StartTime: '2011/08/16 08:01:46.972101', SrcAddr: '88.176.79.163', Proto: 'tcp', TotBytes: '415389446' });
  });

  it('--columns maps a CSV with other column names onto the fields', () => {
    // The NetFlow fixture under names no reader knows, in another order, as a tool of one's own writes them.
    const [header, ...rows] = readFileSync(fixture('netflow-header.csv'), 'utf8').trim().split('\n');
    expect(header).toBe('SrcAddr,Proto,Dport,Sport,State,Dur,TotBytes,SrcBytes');
    const renamed = join(dir, 'renamed.csv');
    writeFileSync(renamed, `${['client', 'l4', 'svc', 'cport', 'flags', 'seconds', 'octets', 'octets_out'].join(',')}\n${rows.join('\n')}\n`);
    const mapping = 'SrcAddr=client,Proto=l4,Dport=svc,Sport=cport,State=flags,Dur=seconds,TotBytes=octets,src_bytes=OCTETS_OUT';
    expect(flowsCsv([renamed, '--columns', mapping])).toBe(flowsCsv([fixture('netflow-header.csv')]));
    // Items may also come one per option.
    const items = mapping.split(',').flatMap((item) => ['--columns', item]);
    expect(flowsCsv([renamed, ...items])).toBe(flowsCsv([fixture('netflow-header.csv')]));

    let run = runCli(['flows', renamed, '--columns', 'SrcAddr=source']);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(`ERR_FLOWFILE_BAD_HEADER: ${renamed}:1: --columns SrcAddr=source: the header has no column "source"; found: "client", "l4"`);
    run = runCli(['flows', renamed, '--columns', 'Source=client']);
    expect(run.stderr).toContain('ERR_BAD_OPTION');
    expect(run.stderr).toContain('--columns: "Source" is no flow field; the fields: StartTime, LastTime, Dur');
  });

  it('reads compressed tables as pandas and pyarrow write them: Feather (LZ4), a ZSTD stream', () => {
    const plain = flowsCsv([fixture('pyarrow-flows.arrows')]);
    expect(flowsCsv([fixture('pyarrow-flows-lz4.feather')])).toBe(plain);
    expect(flowsCsv([fixture('pyarrow-flows-zstd.arrows')])).toBe(plain);
    // flowhound's own table after pandas: float64 counts where a column has nulls.
    expect(flowsCsv([fixture('pandas-flows.feather')])).toBe(flowsCsv([fixture('flowhound-scenario6-excerpt.arrow')]));
  });

  it('tables that cannot be read: a code, the file, and why', () => {
    const missing = fixture('bad-arrow-missing-columns.arrow');
    let run = runCli(['flows', missing]);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(new RegExp(`ERR_FLOWFILE_BAD_HEADER: ${missing} at byte \\d+: missing column\\(s\\) start_time, `));
    expect(run.stderr).toContain('found: src_addr, proto, bytes');

    const fraction = fixture('bad-arrow-fraction.arrow');
    run = runCli(['flows', fraction]);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(new RegExp(`ERR_FLOWFILE_BAD_ROW: ${fraction} at byte \\d+: Arrow record batch 1: row 1: total_bytes 1.5 is not a whole number`));

    const whole = readFileSync(fixture('flowhound-scenario6-excerpt.arrow'));
    const cut = join(dir, 'cut.arrow');
    writeFileSync(cut, whole.subarray(0, whole.length - 100));
    run = runCli(['flows', cut]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(`ERR_FLOWFILE_BAD_HEADER: ${cut} at byte`);
    expect(run.stderr).toContain('Arrow file without its footer');
  });
});
