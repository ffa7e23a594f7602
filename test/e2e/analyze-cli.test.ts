// `flowhound analyze` and `flowhound demo` end to end, with the shipped models: rankings,
// formats, filters, exit codes, bad input and interruption.
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { beforeAll, describe, expect, it } from 'vitest';

import { parseCsv, repoRoot, runCli, tempDir } from '../helpers/run-cli.js';

const DEMO = join(repoRoot, 'models', 'demo', 'ctu13-scenario6-slice.pcap');
const FIXTURE = join(repoRoot, 'test', 'fixtures', 'synth', 'ctu13-round-trip.binetflow');
const CTU = ['--utc-offset', '120', '--lan', '147.32.0.0/16'];
const BOT = '147.32.84.165';

let dir: string;
beforeAll(() => {
  dir = tempDir();
});

/** The hosts of the terminal table, in rank order. */
function tableHosts(stdout: string): string[] {
  return [...stdout.matchAll(/^\s+\d+\s+(\S+)\s+\d\.\d{3}/gm)].map((match) => match[1]!);
}

describe('flowhound demo', () => {
  it('ranks the Menti bot of CTU-13 scenario 6 first, suspicious now, with its reasons', () => {
    const run = runCli(['demo']);
    expect(run.status, run.stderr).toBe(0);
    expect(tableHosts(run.stdout)[0]).toBe(BOT);
    expect(run.stdout).toMatch(new RegExp(`^\\s+1\\s+${BOT.replaceAll('.', '\\.')}.*NOW`, 'm'));
    // Its reasons, in words, under its row.
    expect(run.stdout).toMatch(/^\s+· .*(SMTP|TCP connections|botnet traffic)/m);
    expect(run.stderr).toMatch(/analyze: \d+ packets from 1 input → \d+ windows, \d+ hosts ranked/);
  });
});

describe('flowhound analyze', () => {
  it('writes the JSON document: hosts with rank, scores, peak, flows, reasons; and windows', () => {
    const out = join(dir, 'demo.json');
    const run = runCli(['analyze', DEMO, '--lan', '147.32.0.0/16', '-o', out]);
    expect(run.status, run.stderr).toBe(0);
    const document = JSON.parse(readFileSync(out, 'utf8'));
    const first = document.hosts[0];
    expect(Object.keys(first)).toEqual(expect.arrayContaining(['host', 'rank', 'score', 'peak_score', 'peak_window_start', 'flows', 'botnet_flows', 'reasons']));
    expect([first.host, first.rank]).toEqual([BOT, 1]);
    expect(first.peak_score).toBeGreaterThanOrEqual(document.threshold);
    expect(first.botnet_flows).toBeGreaterThan(0);
    expect(first.botnet_flows).toBeLessThanOrEqual(first.flows);
    expect(document.windows.length).toBeGreaterThan(1);
    expect(document.hosts.every((h: { host: string }) => h.host.startsWith('147.32.'))).toBe(true);
    expect(document.run.models.map((m: { kind: string }) => m.kind)).toEqual(['flow', 'host']);
    expect(document.run.inputs[0].sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('writes CSV and Arrow, and ranks only the hosts --ip and --min-flows keep', () => {
    const csv = join(dir, 'demo.csv');
    expect(runCli(['analyze', DEMO, '--lan', '147.32.0.0/16', '-q', '-o', csv]).status).toBe(0);
    const rows = parseCsv(readFileSync(csv, 'utf8'));
    expect(rows[0]!.host).toBe(BOT);
    const arrow = join(dir, 'demo.arrow');
    expect(runCli(['analyze', DEMO, '--lan', '147.32.0.0/16', '-q', '-o', arrow]).status).toBe(0);
    const table = tableFromIPC(readFileSync(arrow));
    expect(table.numRows).toBe(rows.length);
    expect(table.getChild('host')!.get(0)).toBe(BOT);

    const filtered = runCli(['analyze', DEMO, '--lan', '147.32.0.0/16', '--ip', '147.32.84.0/24', '--min-flows', '20', '--format', 'json', '-q']);
    const hosts = JSON.parse(filtered.stdout).hosts as { host: string; flows: number }[];
    expect(hosts.length).toBeGreaterThan(0);
    expect(hosts.length).toBeLessThan(rows.length);
    expect(hosts.every((h) => h.host.startsWith('147.32.84.') && h.flows >= 20)).toBe(true);
  });

  it('reads flow files too, and several inputs in one run', () => {
    const run = runCli(['analyze', FIXTURE, DEMO, ...CTU, '--format', 'json', '-q']);
    expect(run.status, run.stderr).toBe(0);
    const document = JSON.parse(run.stdout);
    expect(document.run.inputs).toHaveLength(2);
    expect(document.hosts.length).toBeGreaterThan(0);
  });

  it('exits 1 with --fail-on-detection when a host scores above the threshold, 0 when none can', () => {
    expect(runCli(['analyze', DEMO, '--lan', '147.32.0.0/16', '-q', '--fail-on-detection']).status).toBe(1);
    const clean = runCli(['analyze', DEMO, '--lan', '147.32.84.134', '-q', '--fail-on-detection', '--threshold', '1']);
    expect(clean.status, clean.stderr).toBe(0);
  });

  it('refuses unknown columns, a model with the wrong inputs and unreadable input with a code and exit 2', () => {
    const columns = runCli(['analyze', join(repoRoot, 'test', 'fixtures', 'flowfiles', 'bad-missing-columns.binetflow')]);
    expect(columns.status).toBe(2);
    expect(columns.stderr).toMatch(/ERR_FLOWFILE_BAD_HEADER: .*bad-missing-columns\.binetflow/);

    const model = runCli(['analyze', DEMO, '--model', join(repoRoot, 'test', 'fixtures', 'models', 'mismatched-12-inputs.onnx')]);
    expect(model.status).toBe(2);
    expect(model.stderr).toMatch(/ERR_MODEL_SCHEMA: .*mismatched-12-inputs\.onnx/);

    const missing = runCli(['analyze', join(dir, 'absent.pcap')]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/ERR_IO: .*absent\.pcap/);

    const cut = join(dir, 'cut.pcap');
    copyFileSync(DEMO, cut);
    const bytes = readFileSync(cut).subarray(0, 100_000);
    const truncated = join(dir, 'truncated.pcap');
    writeFileSync(truncated, bytes);
    const damaged = runCli(['analyze', truncated, '-q']);
    expect(damaged.status).toBe(2);
    expect(damaged.stderr).toMatch(/ERR_PCAP_TRUNCATED: .*truncated\.pcap at byte \d+/);

    const usage = runCli(['analyze', DEMO, '--threshold', '2']);
    expect(usage.status).toBe(2);
    expect(usage.stderr).toContain('ERR_USAGE');
  });

  it('on SIGINT reports the windows finished before it and exits 130', async () => {
    const capture = join(dir, 'long.pcap');
    expect(runCli(['synth', '--generate', '--size', '400MB', '--seed', '3', '-q', '-o', capture]).status).toBe(0);
    const out = join(dir, 'interrupted.json');
    const child = spawn(process.execPath, [join(repoRoot, 'bin', 'flowhound.mjs'), 'analyze', capture, '--verbose', '--threads', '1', '-o', out], {
      env: { ...process.env, CI: 'true' },
    });
    let stderr = '';
    let signalled = false;
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (!signalled && /^window /m.test(stderr)) {
        signalled = true;
        child.kill('SIGINT');
      }
    });
    const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(signalled, stderr).toBe(true);
    expect(status, stderr).toBe(130);
    expect(stderr).toContain('interrupted; the ranking covers the windows finished before that');
    expect(existsSync(out)).toBe(true);
    const document = JSON.parse(readFileSync(out, 'utf8'));
    expect(document.run.interrupted).toBe(true);
    expect(document.windows.length).toBeGreaterThan(0);
  }, 180_000);
});
