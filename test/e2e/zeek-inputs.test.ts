// Zeek conn.log (TSV, JSON, gzip, IoT-23's variant) as input of `flows` and `features`, end to
// end: the real command on the fixtures of test/fixtures/zeek.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { beforeAll, describe, expect, it } from 'vitest';

import { parseCsv, repoRoot, runCli, tempDir } from '../helpers/run-cli.js';

const fixture = (name: string) => join(repoRoot, 'test', 'fixtures', 'zeek', name);

let dir: string;
beforeAll(() => {
  dir = tempDir();
});

function flowsCsv(args: string[]): string {
  const run = runCli(['flows', ...args]);
  expect(run.status, run.stderr).toBe(0);
  return run.stdout;
}

describe('flowhound flows on Zeek conn.log', () => {
  it('maps each connection to a record with Argus\'s columns, with no option', () => {
    const rows = parseCsv(flowsCsv([fixture('conn-hand.log')]));
    expect(rows).toHaveLength(15);
    // conn-hand.log line 9: SF, history ShADdFf, 5 + 3 packets, 205 + 132 IP bytes.
    expect(rows[0]).toMatchObject({
      StartTime: '2020/09/13 12:26:40.006000',
      Dur: '0.007000',
      Proto: 'tcp',
      SrcAddr: '10.1.3.2',
      Sport: '4444',
      Dir: '   ->',
      DstAddr: '10.1.3.1',
      Dport: '80',
      State: 'FSPA_FSPA',
      TotPkts: '8',
      TotBytes: '337',
      SrcBytes: '205',
      Label: 'flow=From-Normal-Zeek-Benign-Web',
    });
    // Line 18: an answered ping, in Argus's ICMP notation.
    expect(rows[9]).toMatchObject({ Proto: 'icmp', Sport: '0x0008', Dir: '  <->', State: 'ECO' });
    // Line 21: `icmp` between IPv6 addresses is ICMPv6.
    expect(rows[12]).toMatchObject({ Proto: 'ipv6-icmp', Sport: '135', State: 'NNS', Label: '' });
  });

  it('TSV, JSON, gzip give the same records; IoT-23\'s three-space variant reads', () => {
    const tsv = flowsCsv([fixture('conn-hand.log')]);
    expect(flowsCsv([fixture('conn-hand.json')])).toBe(tsv);
    expect(flowsCsv([fixture('conn-hand.log.gz')])).toBe(tsv);
    const iot = parseCsv(flowsCsv([fixture('iot23-excerpt.conn.log.labeled')]));
    expect(iot).toHaveLength(14);
    expect(iot[6]).toMatchObject({ Dport: '6667', State: 'SPA_FSPA', Label: 'flow=From-Botnet-Zeek-Malicious-C&C' });
  });

  it('a bad row: ERR_FLOWFILE_BAD_ROW with its line, exit 2; --keep-going skips and counts', () => {
    const path = fixture('bad-rows.conn.log');
    const run = runCli(['flows', path]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(`ERR_FLOWFILE_BAD_ROW: ${path}:8: expected 15 fields as in #fields, found 14`);
    const kept = runCli(['flows', path, '--keep-going']);
    expect(kept.status, kept.stderr).toBe(0);
    expect(parseCsv(kept.stdout)).toHaveLength(3);
    expect(kept.stderr).toContain('warning: 8 flow-file rows skipped (--keep-going); the first: ERR_');
  });
});

describe('flowhound features on Zeek conn.log', () => {
  it('names the IoT-23 device infected from its Malicious connections', () => {
    const out = join(dir, 'iot23.arrow');
    const run = runCli(['features', fixture('iot23-excerpt.conn.log.labeled'), '--lan', '192.168.0.0/16', '-q', '-o', out]);
    expect(run.status, run.stderr).toBe(0);
    const hosts = tableFromIPC(readFileSync(join(dir, 'iot23.hosts.arrow')));
    const names = Array.from(hosts.getChild('host')!.toArray() as ArrayLike<string>);
    const labels = Array.from(hosts.getChild('host_label')!.toArray() as ArrayLike<string>);
    const device = labels.filter((_, i) => names[i] === '192.168.1.195');
    expect(device.length).toBeGreaterThan(0);
    expect(device).toContain('infected');
  });
});
