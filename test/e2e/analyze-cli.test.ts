// `flowhound analyze` and `flowhound demo` end to end, with the shipped models: rankings,
// formats, filters, exit codes, bad input and interruption.
import { spawn } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { beforeAll, describe, expect, it } from 'vitest';

import { MAX_REASONS, REASON_MIN_TAIL } from '../../src/analysis/reasons.js';
import { HistoryStore } from '../../src/history/store.js';
import { featureSchema } from '../../src/pipeline/features.js';
import { parseCsv, repoRoot, runCli, tempDir, testDataHome } from '../helpers/run-cli.js';

const DEMO = join(repoRoot, 'models', 'demo', 'ctu13-scenario6-slice.pcap');
const FIXTURE = join(repoRoot, 'test', 'fixtures', 'synth', 'ctu13-round-trip.binetflow');
const CTU = ['--utc-offset', '120', '--lan', '147.32.0.0/16'];
const BOT = '147.32.84.165';

let dir: string;
beforeAll(() => {
  dir = tempDir();
});

/**
 * A long capture, made once for the tests that stop a run midway: generated traffic, 1 GB of
 * 64-byte snapshots (about 12.7 M packets, 17 windows, over a second of analysis even on a
 * quiet machine), so that the run is still going when the signal lands after its first windows.
 */
let longCapture: string | null = null;
function makeLongCapture(): string {
  if (longCapture === null) {
    longCapture = join(dir, 'long.pcap');
    expect(runCli(['synth', '--generate', '--size', '1GB', '--snaplen', '64', '--seed', '3', '-q', '-o', longCapture]).status).toBe(0);
  }
  return longCapture;
}

/** Starts analyze on the long capture; calls `onWindow` with the count of windows logged so far. */
function startLongRun(args: string[], onWindow: (windows: number, stop: (signal: NodeJS.Signals) => void) => void) {
  const child = spawn(process.execPath, [join(repoRoot, 'bin', 'flowhound.mjs'), 'analyze', makeLongCapture(), '--verbose', '--threads', '1', ...args], {
    env: { ...process.env, CI: 'true', XDG_DATA_HOME: testDataHome },
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    onWindow((stderr.match(/^window /gm) ?? []).length, (signal) => child.kill(signal));
  });
  return new Promise<{ status: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) =>
    child.on('close', (status, signal) => resolve({ status, signal, stderr })),
  );
}

/** An evidence entry of analyze's JSON. */
interface JsonEvidence {
  feature: string;
  value: number;
  rarity_among_clean_host_windows: number;
  subject: string | null;
  service: string | null;
  peers: string[];
  ports: number[];
}

/** The parts of analyze's JSON document the tests read. */
interface JsonRanking {
  threshold: number;
  hosts: {
    host: string;
    rank: number;
    peak_score: number;
    flows: number;
    model_botnet_flows: number;
    reasons: string[];
    evidence: JsonEvidence[];
    resemblance_to_known_families: number;
  }[];
  windows: unknown[];
  run: { interrupted: boolean; inputs: { sha256: string }[]; models: { kind: string; threshold: number }[] };
}

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
    const document = JSON.parse(readFileSync(out, 'utf8')) as JsonRanking;
    const first = document.hosts[0]!;
    expect(Object.keys(first)).toEqual(
      expect.arrayContaining(['host', 'rank', 'score', 'peak_score', 'peak_window_start', 'flows', 'model_botnet_flows', 'reasons', 'first_suspicious_window', 'last_suspicious_window', 'inputs', 'flows_commands', 'evidence', 'resemblance_to_known_families']),
    );
    expect([first.host, first.rank]).toEqual([BOT, 1]);
    expect(first.peak_score).toBeGreaterThanOrEqual(document.threshold);
    expect(first.model_botnet_flows).toBeGreaterThan(0);
    expect(first.model_botnet_flows).toBeLessThanOrEqual(first.flows);
    expect(document.windows.length).toBeGreaterThan(1);
    expect(document.hosts.every((h: { host: string }) => h.host.startsWith('147.32.'))).toBe(true);
    expect(document.run.models.map((m) => m.kind)).toEqual(['flow', 'host', 'anomaly']);
    // The threshold is the anomaly model's: it decides.
    expect(document.threshold).toBe(document.run.models[2]!.threshold);
    expect(document.run.inputs[0]!.sha256).toMatch(/^[0-9a-f]{64}$/);

    // The bot's evidence: schema evidence features, rare among clean host-windows, rarest
    // first, each told in its reason with its number and its peers (addresses).
    const evidenceNames = featureSchema().host.filter((f) => f.evidence).map((f) => f.name);
    const evidence: JsonEvidence[] = first.evidence;
    expect(evidence.length).toBeGreaterThan(0);
    expect(evidence.length).toBeLessThanOrEqual(MAX_REASONS);
    expect(evidence.map((e) => e.feature)).toContain('smtp_servers'); // Menti sends spam
    expect(first.reasons).toHaveLength(evidence.length);
    evidence.forEach((e, i) => {
      expect(evidenceNames).toContain(e.feature);
      expect(e.value).toBeGreaterThan(0);
      expect(e.rarity_among_clean_host_windows).toBeGreaterThan(0);
      expect(e.rarity_among_clean_host_windows).toBeLessThanOrEqual(10 ** -REASON_MIN_TAIL);
      if (i > 0) expect(e.rarity_among_clean_host_windows).toBeGreaterThanOrEqual(evidence[i - 1]!.rarity_among_clean_host_windows);
      expect(e.subject === null || isIP(e.subject) !== 0, `${e.feature} subject ${e.subject}`).toBe(true);
      expect(e.service === null || /^(tcp|udp|icmp|icmpv6|ip-proto-\d+)(\/\d+)?$/.test(e.service), `${e.feature} service ${e.service}`).toBe(true);
      expect(e.peers.length).toBeLessThanOrEqual(5);
      expect(e.peers.every((peer) => isIP(peer) !== 0), e.peers.join(' ')).toBe(true);
      const reason = first.reasons[i]!;
      expect(reason).toContain(Math.round(e.value).toLocaleString('en-US'));
      for (const peer of e.peers) expect(reason).toContain(peer);
    });
    expect(evidence.some((e) => e.peers.length > 0)).toBe(true);
    // Every host has its evidence list (empty when nothing is rare enough to tell) and its resemblance.
    for (const host of document.hosts as { evidence: JsonEvidence[]; reasons: string[]; resemblance_to_known_families: number }[]) {
      expect(host.evidence.length).toBe(host.reasons.length);
      expect(host.resemblance_to_known_families).toBeGreaterThanOrEqual(0);
      expect(host.resemblance_to_known_families).toBeLessThanOrEqual(1);
    }
    expect(first.resemblance_to_known_families).toBeGreaterThan(0.5);
  });

  it('-v tells the time per stage, and how many flow rows were scored and how many repeated rows reused', () => {
    const run = runCli(['analyze', DEMO, '--lan', '147.32.0.0/16', '-v', '-o', join(dir, 'demo-verbose.json')]);
    expect(run.status, run.stderr).toBe(0);
    // 27,056 flow rows in 5 windows, of which 13,361 are bit for bit a row of the window before.
    expect(run.stderr).toMatch(/^ {2}stages: waiting for features [\d.]+ s, waiting for scores [\d.]+ s; per window, summed \(windows are scored while the next is read\): flow inference [\d.]+ s \(13,695 rows scored, 13,361 repeated rows reused\), host inference/m);
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
    const { hosts } = JSON.parse(filtered.stdout) as JsonRanking;
    expect(hosts.length).toBeGreaterThan(0);
    expect(hosts.length).toBeLessThan(rows.length);
    expect(hosts.every((h) => h.host.startsWith('147.32.84.') && h.flows >= 20)).toBe(true);
  });

  it('reads flow files too, and several inputs in one run', () => {
    const run = runCli(['analyze', FIXTURE, DEMO, ...CTU, '--format', 'json', '-q']);
    expect(run.status, run.stderr).toBe(0);
    const document = JSON.parse(run.stdout) as JsonRanking;
    expect(document.run.inputs).toHaveLength(2);
    expect(document.hosts.length).toBeGreaterThan(0);
  });

  it('reads NetFlow CSV with BotRecon\'s eight columns and Arrow flow tables', () => {
    const flowfiles = join(repoRoot, 'test', 'fixtures', 'flowfiles');
    for (const input of ['netflow-header.csv', 'netflow-no-header.csv.gz', 'flowhound-scenario6-excerpt.arrow']) {
      const run = runCli(['analyze', join(flowfiles, input), '--lan', '147.32.0.0/16', '--no-db', '--format', 'json', '-q']);
      expect(run.status, `${input}: ${run.stderr}`).toBe(0);
      const document = JSON.parse(run.stdout) as JsonRanking;
      expect(document.windows.length, input).toBeGreaterThan(0);
      expect(document.hosts.map((h: { host: string }) => h.host), input).toContain(BOT);
    }
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
    // The history keeps the windows finished before the damage, and calls the run interrupted.
    const db = join(dir, 'damaged.sqlite');
    expect(runCli(['analyze', truncated, '-q', '--db', db]).status).toBe(2);
    const store = HistoryStore.open(db, { mode: 'read' });
    try {
      expect(store.runs().map((run) => run.interrupted)).toEqual([true]);
    } finally {
      store.close();
    }

    const usage = runCli(['analyze', DEMO, '--threshold', '2']);
    expect(usage.status).toBe(2);
    expect(usage.stderr).toContain('ERR_USAGE');
  });

  it('on SIGINT reports the windows finished before it and exits 130', async () => {
    const out = join(dir, 'interrupted.json');
    let signalled = false;
    const run = await startLongRun(['--no-db', '-o', out], (windows, stop) => {
      if (!signalled && windows >= 1) {
        signalled = true;
        stop('SIGINT');
      }
    });
    expect(signalled, run.stderr).toBe(true);
    expect(run.status, run.stderr).toBe(130);
    expect(run.stderr).toContain('interrupted; the ranking covers the windows finished before that');
    const document = JSON.parse(readFileSync(out, 'utf8')) as JsonRanking;
    expect(document.run.interrupted).toBe(true);
    expect(document.windows.length).toBeGreaterThan(0);
  }, 180_000);

  it('killed with SIGKILL, leaves a history that opens, is intact and holds every window it had committed', async () => {
    const db = join(dir, 'killed.sqlite');
    let committed = 0;
    const run = await startLongRun(['--db', db, '--format', 'json'], (windows, stop) => {
      // A window's line is written after its transaction has committed.
      if (committed === 0 && windows >= 2) {
        committed = windows;
        stop('SIGKILL');
      }
    });
    expect(run.signal, run.stderr).toBe('SIGKILL');
    const store = HistoryStore.open(db, { mode: 'read' });
    try {
      expect(store.integrityCheck()).toBe('ok');
      expect(store.counts().windows).toBeGreaterThanOrEqual(committed);
      const [stored] = store.runs();
      expect(stored!.finishedAt ?? null).toBeNull();
    } finally {
      store.close();
    }
  }, 180_000);

  it('records the run in the history, and the same input twice adds no rows', () => {
    const db = join(dir, 'history.sqlite');
    for (let i = 0; i < 2; i++) expect(runCli(['analyze', DEMO, '--lan', '147.32.0.0/16', '-q', '--db', db]).status).toBe(0);
    const store = HistoryStore.open(db, { mode: 'read' });
    try {
      const counts = store.counts();
      expect(store.runs()).toHaveLength(2);
      const once = runCli(['analyze', DEMO, '--lan', '147.32.0.0/16', '-q', '--db', join(dir, 'once.sqlite')]);
      expect(once.status).toBe(0);
      const single = HistoryStore.open(join(dir, 'once.sqlite'), { mode: 'read' });
      expect([counts.windows, counts.hostScores]).toEqual([single.counts().windows, single.counts().hostScores]);
      single.close();
    } finally {
      store.close();
    }
  });
});
