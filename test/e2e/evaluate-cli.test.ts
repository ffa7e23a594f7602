// `flowhound evaluate` end to end, with the shipped models. No score or rank is asserted (the
// models change); what is asserted follows from the inputs: counts of host-windows per ground
// truth, and the relations every result must keep.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

import { FeatureReader, featureSchema } from '../../src/pipeline/features.js';
import { repoRoot, runCli, tempDir } from '../helpers/run-cli.js';

/**
 * Ten flows of a small LAN, without a Label column (host-level truth only), 09:57:30 to
 * 10:12:30 UTC. Every flow is shorter than a second, so it lies whole in the two windows
 * holding its start. The bots .10 (SMTP attempts) and .40, per window:
 *
 *   window    .10                 .20 (web)  .30 (server)  .40
 *   09:57:30  infected (opens)    unknown    -             -
 *   10:00:00  infected (opens)    unknown    unknown       -
 *   10:02:30  infected (opens)    unknown    unknown       idle (only scanned)
 *   10:05:00  infected (opens)    unknown    -             infected (opens)
 *   10:07:30  idle (only answers) -          -             infected (opens)
 *
 * 5 windows, 14 host-windows: 6 positive, 6 negative, 2 infected_idle.
 */
const FIXTURE = join(repoRoot, 'test', 'fixtures', 'evaluate', 'small-lan-unlabelled.binetflow');
const BOTS = '192.168.1.10,192.168.1.40';
const SHARED_DATA = process.env.FLOWHOUND_SHARED_DATA ?? join(repoRoot, '..', 'shared', 'data');
const SCENARIO6 = join(SHARED_DATA, 'ctu13', 'capture20110816.binetflow.gz');
const DEMO = join(repoRoot, 'models', 'demo', 'ctu13-scenario6-slice.pcap');

interface Counts {
  tp: number;
  fp: number;
  tn: number;
  fn: number;
  counted: number;
  infected_idle: number;
  infected_idle_flagged: number;
}
interface ActiveWindow {
  window_start: string;
  score: number;
  rank: number;
  flagged: boolean;
}
interface HostResult {
  host: string;
  active_windows: number;
  ranked_first: number;
  flagged: number;
  median_rank: number | null;
  worst_rank: number | null;
  first_flagged: string | null;
  idle_windows: number;
  idle_flagged: number;
  active?: ActiveWindow[];
}
interface WindowResult {
  window_start: string;
  ordinal: number;
  weight: number;
  hosts: number;
  tp: number;
  fp: number;
  tn: number;
  fn: number;
  infected_idle: number;
  infected_idle_flagged: number;
}
interface Summary {
  windows: number;
  host_windows: Counts;
  metrics: Record<string, number | null>;
  time_weighted: Record<string, number | null>;
  infected_hosts: HostResult[];
}
interface Document {
  threshold: number;
  alpha: number;
  totals: Summary & { inputs: number };
  inputs: (Summary & { path: string; per_window: WindowResult[] })[];
  run: { models: { kind: string }[]; inputs: { sha256: string }[] };
}

function evaluateJson(args: string[]): Document {
  const run = runCli(['evaluate', ...args, '--format', 'json', '-q']);
  expect(run.status, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as Document;
}

/** What every result must keep, whatever the model: counts add up, ranks and flags agree with scores. */
function expectConsistent(document: Document): void {
  const { threshold } = document;
  for (const summary of [document.totals, ...document.inputs]) {
    const c = summary.host_windows;
    expect(c.counted).toBe(c.tp + c.fp + c.tn + c.fn);
    expect(c.infected_idle_flagged).toBeLessThanOrEqual(c.infected_idle);
    expect(c.tp + c.fn).toBe(summary.infected_hosts.reduce((sum, h) => sum + h.active_windows, 0));
    expect(c.infected_idle).toBe(summary.infected_hosts.reduce((sum, h) => sum + h.idle_windows, 0));
    expect(c.tp).toBe(summary.infected_hosts.reduce((sum, h) => sum + h.flagged, 0));
    for (const host of summary.infected_hosts) {
      expect(host.ranked_first).toBeLessThanOrEqual(host.active_windows);
      expect(host.flagged).toBeLessThanOrEqual(host.active_windows);
      if (host.active_windows > 0) expect(1).toBeLessThanOrEqual(host.median_rank!);
      if (host.active_windows > 0) expect(host.median_rank!).toBeLessThanOrEqual(host.worst_rank!);
    }
  }
  for (const input of document.inputs) {
    const windowsAt = new Map(input.per_window.map((w) => [w.window_start, w]));
    expect(input.per_window.map((w) => w.ordinal)).toEqual(input.per_window.map((_, i) => i + 1));
    for (const w of input.per_window) {
      expect(w.weight).toBeCloseTo(Math.exp(-document.alpha * w.ordinal) + 1, 12);
      expect(w.tp + w.fp + w.tn + w.fn + w.infected_idle).toBe(w.hosts);
    }
    for (const key of ['tp', 'fp', 'tn', 'fn', 'infected_idle'] as const) {
      expect(input.per_window.reduce((sum, w) => sum + w[key], 0)).toBe(input.host_windows[key]);
    }
    for (const host of input.infected_hosts) {
      const active = host.active!;
      expect(active).toHaveLength(host.active_windows);
      for (const w of active) {
        expect(w.flagged).toBe(w.score >= threshold);
        expect(w.rank).toBeGreaterThanOrEqual(1);
        expect(w.rank).toBeLessThanOrEqual(windowsAt.get(w.window_start)!.hosts);
      }
      expect(host.ranked_first).toBe(active.filter((w) => w.rank === 1).length);
      expect(host.worst_rank).toBe(active.length === 0 ? null : Math.max(...active.map((w) => w.rank)));
      expect(host.first_flagged).toBe(active.find((w) => w.flagged)?.window_start ?? null);
    }
    // The comparer's weights: TP and FN of a window share its weight, FP and TN share 1.
    const tw = input.time_weighted;
    const withPositives = input.per_window.filter((w) => w.tp + w.fn > 0);
    const withNegatives = input.per_window.filter((w) => w.fp + w.tn > 0);
    expect(tw.tp! + tw.fn!).toBeCloseTo(withPositives.reduce((sum, w) => sum + w.weight, 0), 9);
    expect(tw.fp! + tw.tn!).toBeCloseTo(withNegatives.length, 9);
  }
}

let dir: string;
beforeAll(() => {
  dir = tempDir();
});

describe('flowhound evaluate', () => {
  it('scores host-windows against --infected on a flow file without labels', () => {
    const document = evaluateJson([FIXTURE, '--infected', BOTS]);
    expectConsistent(document);
    const { totals } = document;
    expect(Object.keys(totals)).toEqual(['inputs', 'windows', 'host_windows', 'metrics', 'time_weighted', 'infected_hosts']);
    expect(Object.keys(totals.metrics)).toEqual(['precision', 'recall', 'f1', 'fpr', 'tnr', 'fnr', 'accuracy', 'error_rate']);
    expect(Object.keys(totals.time_weighted)).toEqual(['tp', 'fp', 'tn', 'fn', 'precision', 'recall', 'f1', 'fpr', 'tnr', 'fnr', 'accuracy', 'error_rate']);
    expect([totals.inputs, totals.windows]).toEqual([1, 5]);
    const c = totals.host_windows;
    expect([c.tp + c.fn, c.fp + c.tn, c.counted, c.infected_idle]).toEqual([6, 6, 12, 2]);
    expect(totals.infected_hosts.map((h) => [h.host, h.active_windows, h.idle_windows])).toEqual([
      ['192.168.1.10', 4, 1],
      ['192.168.1.40', 2, 1],
    ]);
    const input = document.inputs[0]!;
    expect(input.path).toBe(FIXTURE);
    expect(input.per_window.map((w) => [w.window_start, w.hosts, w.tp + w.fn, w.fp + w.tn, w.infected_idle])).toEqual([
      ['2024-03-01T09:57:30Z', 2, 1, 1, 0],
      ['2024-03-01T10:00:00Z', 3, 1, 2, 0],
      ['2024-03-01T10:02:30Z', 4, 1, 2, 1],
      ['2024-03-01T10:05:00Z', 3, 2, 1, 0],
      ['2024-03-01T10:07:30Z', 2, 1, 0, 1],
    ]);
    const bot = input.infected_hosts[0]!;
    expect(bot.active!.map((w) => w.window_start)).toEqual(['2024-03-01T09:57:30Z', '2024-03-01T10:00:00Z', '2024-03-01T10:02:30Z', '2024-03-01T10:05:00Z']);
    expect(document.run.models.map((m) => m.kind)).toEqual(['flow', 'host', 'anomaly']);
    expect(document.run.inputs[0]!.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('takes --infected as ranges, repeated, and from a file with comments', () => {
    const file = join(dir, 'bots.txt');
    writeFileSync(file, '# the bots of the small LAN\n192.168.1.40   # scanned, then phoning out\n\n');
    const byList = evaluateJson([FIXTURE, '--infected', BOTS]);
    const byRangeAndFile = evaluateJson([FIXTURE, '--infected', '192.168.1.8/29', '--infected', file]);
    expect(byRangeAndFile.totals.host_windows).toEqual(byList.totals.host_windows);
    expect(byRangeAndFile.totals.infected_hosts.map((h) => h.host)).toEqual(['192.168.1.10', '192.168.1.40']);
    // An address that is no LAN host of any window is probably a typo: said, not fatal.
    const typo = runCli(['evaluate', FIXTURE, '--infected', `${BOTS},192.168.1.99`, '-q']);
    expect(typo.status, typo.stderr).toBe(0);
    expect(typo.stderr).toBe('warning: --infected 192.168.1.99 is a LAN host in no window (is it inside --lan?)\n');
  });

  it('gives every input its figures and adds them up', () => {
    const one = evaluateJson([FIXTURE, '--infected', BOTS]);
    const two = evaluateJson([FIXTURE, FIXTURE, '--infected', BOTS]);
    expectConsistent(two);
    expect(two.inputs).toHaveLength(2);
    expect([two.totals.inputs, two.totals.windows]).toEqual([2, 10]);
    const c1 = one.totals.host_windows;
    expect(two.totals.host_windows).toEqual({
      tp: 2 * c1.tp, fp: 2 * c1.fp, tn: 2 * c1.tn, fn: 2 * c1.fn, counted: 2 * c1.counted,
      infected_idle: 2 * c1.infected_idle, infected_idle_flagged: 2 * c1.infected_idle_flagged,
    });
    expect(two.totals.infected_hosts.map((h) => h.active_windows)).toEqual([8, 4]);
    expect(two.totals.time_weighted.tp! + two.totals.time_weighted.fn!).toBeCloseTo(2 * (one.totals.time_weighted.tp! + one.totals.time_weighted.fn!), 9);
  });

  it('prints an aligned table by default', () => {
    const run = runCli(['evaluate', FIXTURE, '--infected', BOTS]);
    expect(run.status, run.stderr).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^evaluate: 1 input, 5 windows, threshold [\d.]+ \(anomaly model card\)$/);
    expect(lines[1]).toMatch(/^host-windows {3}TP \d+ {2}FP \d+ {2}TN \d+ {2}FN \d+ {2}\(infected-idle left out: 2, flagged anyway: \d\)$/);
    expect(lines[2]).toMatch(/^precision \S+ {2}recall \S+ {2}F1 \S+ {2}FPR \S+ {2}TNR \S+ {2}accuracy \S+ {2}error rate \S+$/);
    expect(lines[3]).toMatch(/^time-weighted \(α 0\.01\): t-precision \S+ {2}t-recall \S+ {2}t-F1 \S+/);
    const header = lines[4]!;
    expect(header).toMatch(/^infected host {2}active windows {2}ranked 1st {2}flagged {2}median rank {2}worst rank {2}idle \(flagged\) {2}first flagged$/);
    // Columns line up: each value starts under its heading.
    for (const [row, host, active] of [[lines[5]!, '192.168.1.10', '4'], [lines[6]!, '192.168.1.40', '2']] as const) {
      expect(row.startsWith(host)).toBe(true);
      expect(row.slice(header.indexOf('active windows')).startsWith(active)).toBe(true);
      expect(row.slice(header.indexOf('idle (flagged)')).startsWith('1 (')).toBe(true);
    }
    expect(run.stderr).toMatch(/^evaluate: 10 flow records from 1 input → 5 windows, 14 host-windows in [\d.]+ s$/m);
    expect(runCli(['evaluate', FIXTURE, '--infected', BOTS, '-q']).stderr).toBe('');
    const out = join(dir, 'eval.txt');
    expect(runCli(['evaluate', FIXTURE, '--infected', BOTS, '-q', '-o', out]).status).toBe(0);
    expect(existsSync(out)).toBe(true);
  });

  it('finds the truth in the labels of a CTU-13 flow file, and in the sidecar of a capture synth rebuilt', () => {
    const flows = join(repoRoot, 'test', 'fixtures', 'flowfiles', 'ctu13-scenario6-excerpt.binetflow');
    const CTU = ['--utc-offset', '120', '--lan', '147.32.0.0/16'];
    const fromLabels = evaluateJson([flows, ...CTU]);
    expectConsistent(fromLabels);
    expect(fromLabels.totals.infected_hosts.map((h) => h.host)).toContain('147.32.84.165');

    const capture = join(dir, 'excerpt.pcap');
    const synth = runCli(['synth', flows, '--utc-offset', '120', '-q', '-o', capture]);
    expect(synth.status, synth.stderr).toBe(0);
    expect(existsSync(join(dir, 'excerpt.labels.csv'))).toBe(true);
    const fromSidecar = evaluateJson([capture, '--lan', '147.32.0.0/16']);
    expectConsistent(fromSidecar);
    expect(fromSidecar.totals.infected_hosts.map((h) => h.host)).toContain('147.32.84.165');
  });

  it('refuses to run without truth, and bad --infected values, with exit 2 and a code', () => {
    const noTruth = runCli(['evaluate', FIXTURE]);
    expect(noTruth.status).toBe(2);
    expect(noTruth.stderr).toMatch(/ERR_USAGE: no truth to compare with: give --infected/);
    // A capture has no labels of its own: refused before any scoring.
    const capture = runCli(['evaluate', DEMO, '--lan', '147.32.0.0/16']);
    expect(capture.status).toBe(2);
    expect(capture.stderr).toMatch(/ERR_USAGE: no truth to compare with/);

    const missing = join(dir, 'absent-bots.txt');
    const unreadable = runCli(['evaluate', FIXTURE, '--infected', missing]);
    expect(unreadable.status).toBe(2);
    expect(unreadable.stderr).toContain(`ERR_IO: ${missing}: --infected: cannot read the range file`);

    const file = join(dir, 'bad-bots.txt');
    writeFileSync(file, '# bots\n192.168.1.10\n192.168.1.300\n');
    const badLine = runCli(['evaluate', FIXTURE, '--infected', file]);
    expect(badLine.status).toBe(2);
    expect(badLine.stderr).toContain(`ERR_USAGE: ${file}:3: --infected: '192.168.1.300' is not an address or CIDR range`);

    const badValue = runCli(['evaluate', FIXTURE, '--infected', '192.168.1.10,192.168.1.0/40']);
    expect(badValue.status).toBe(2);
    expect(badValue.stderr).toMatch(/ERR_USAGE: --infected: '192\.168\.1\.0\/40' has a bad prefix length/);

    const badFormat = runCli(['evaluate', FIXTURE, '--infected', BOTS, '--format', 'csv']);
    expect(badFormat.status).toBe(2);
    expect(badFormat.stderr).toMatch(/ERR_USAGE: --format must be table or json/);
  });

  it('has its own help, and is in the main help', () => {
    const help = runCli(['help', 'evaluate']);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^Usage: flowhound evaluate INPUT… --infected HOSTS\|FILE/);
    expect(help.stdout).toContain('c(n) = exp(-alpha*n) + 1');
    expect(runCli(['evaluate', '--help']).stdout).toBe(help.stdout);
    expect(runCli(['help']).stdout).toMatch(/^ {2}evaluate INPUT… /m);
  });

  const noSharedData = existsSync(SCENARIO6) ? '' : ` (SKIPPED: ${SCENARIO6} absent; the shared data is not in users' clones, set FLOWHOUND_SHARED_DATA)`;

  it.skipIf(!existsSync(SCENARIO6))(`on CTU-13 scenario 6, counts the host-windows the ground truth holds${noSharedData}`, async () => {
    const BOT = '147.32.84.165';
    const reader = { utcOffsetMinutes: 120, lan: ['147.32.0.0/16'], infected: [BOT] };
    // The truth, read by the feature reader alone (no model): per window, its hosts' labels.
    const labels = featureSchema().hostLabels;
    const truth: { start: number; labels: string[]; bot: string | undefined }[] = [];
    for await (const window of FeatureReader.open(SCENARIO6, { ...reader, flowColumns: false })) {
      const names = Array.from(window.hostLabel, (code) => labels[code]!);
      truth.push({ start: window.windowStartUs, labels: names, bot: names[window.hosts.indexOf(BOT)] });
    }
    const count = (label: string) => truth.reduce((sum, w) => sum + w.labels.filter((l) => l === label).length, 0);

    const document = evaluateJson([SCENARIO6, '--utc-offset', '120', '--lan', '147.32.0.0/16', '--infected', BOT]);
    expectConsistent(document);
    const { totals } = document;
    expect(totals.windows).toBe(truth.length);
    expect(totals.windows).toBe(54);
    const c = totals.host_windows;
    expect(c.tp + c.fn).toBe(count('infected'));
    expect(c.infected_idle).toBe(count('infected_idle'));
    expect(c.fp + c.tn).toBe(count('normal') + count('unknown'));
    expect(c.counted + c.infected_idle).toBe(truth.reduce((sum, w) => sum + w.labels.length, 0));
    // The bot is a LAN host in every window of the capture: active or idle, 54 in all.
    const bot = totals.infected_hosts.find((h) => h.host === BOT)!;
    const botWindows = truth.filter((w) => w.bot !== undefined);
    expect(botWindows).toHaveLength(54);
    expect(bot.active_windows + bot.idle_windows).toBe(54);
    expect(bot.active_windows).toBe(botWindows.filter((w) => w.bot === 'infected').length);
    expect(totals.infected_hosts.map((h) => h.host)).toEqual([BOT]);
    expect(document.inputs[0]!.per_window.map((w) => [w.hosts, w.tp + w.fn])).toEqual(truth.map((w) => [w.labels.length, w.labels.filter((l) => l === 'infected').length]));
  });
});
