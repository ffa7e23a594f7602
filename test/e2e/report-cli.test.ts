// `flowhound report` end to end through reportCommand (what src/cli.ts runs): formats,
// selections, --compare, --list, and errors with their codes. The history holds the scenario 6
// fixture (real host rows, fixture-rule scores) until analyze writes real runs.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';

import { runCommand, terminalContext } from '../../src/cli/command.js';
import { reportCommand } from '../../src/commands/report/command.js';
import { FlowhoundError } from '../../src/errors.js';
import { HistoryStore } from '../../src/history/store.js';
import { hostRow, runInfo, scenario6, sha, writeScenario6Run } from '../helpers/history.js';
import { tempDir } from '../helpers/run-cli.js';

let dir: string;
let db: string;
let firstRun: number;
let secondRun: number;
let secondRunBotFlows: number;

beforeAll(() => {
  dir = tempDir();
  db = join(dir, 'history.sqlite');
  const store = HistoryStore.open(db);
  firstRun = writeScenario6Run(store);
  // A second, later run on another input: the bot again, and a new host.
  secondRun = store.beginRun(runInfo({ inputs: [{ path: 'next-day.pcap', sizeBytes: 10, sha256: sha('9') }], startedAt: '2026-01-02T00:00:00.000Z' }));
  const bot = scenario6().windows.flatMap((w) => w.hosts).find((h) => h.host === '147.32.84.165' && h.score > 0.9)!;
  const day2 = 1_313_580_000_000_000;
  secondRunBotFlows = bot.flows;
  store.commitWindow(secondRun, { input: 'next-day.pcap', windowStartUs: day2, hosts: [{ ...bot, windowStartUs: day2 }, hostRow('147.32.86.7', day2, 0.2, bot.behaviour, 3)] }, 0.5);
  store.finishRun(secondRun, { interrupted: false });
  store.close();
});

/** The parts of the JSON report the tests read (flowhound's JSON naming: snake_case, ISO 8601 times). */
interface ReportJson {
  format: string;
  format_version: number;
  selection: { run_ids: number[] | null; from: string | null; to: string | null };
  runs: { id: number; started_at: string; now_window_start: string | null; inputs: { path: string; size_bytes: number }[] }[];
  hosts: {
    host: string;
    rank: number;
    score: number;
    peak_score: number;
    peak_window_start: string;
    flows: number;
    suspicious_now: boolean;
    suspicious_before: boolean;
    reasons: string[];
    scores: number[];
    group: number | null;
  }[];
  windows: { window_start: string; suspicious_hosts: number }[];
  groups: { id: number; hosts: string[] }[];
  comparison: { earlier_run_id: number; later_run_id: number; suspicious: { common: number; hosts: string[] }; scored: { left: number; right: number; common: number } } | null;
}

const signal = new AbortController().signal;
let stdout: string;
afterEach(() => vi.restoreAllMocks());

async function report(...args: string[]): Promise<number> {
  stdout = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    return await runCommand(reportCommand, args, terminalContext(signal));
  } finally {
    vi.restoreAllMocks();
  }
}

async function failure(...args: string[]): Promise<FlowhoundError> {
  try {
    await report(...args);
  } catch (error) {
    expect(error).toBeInstanceOf(FlowhoundError);
    return error as FlowhoundError;
  }
  throw new Error(`report ${args.join(' ')} did not fail`);
}

describe('flowhound report', () => {
  it('covers the latest run by default, and says so', async () => {
    const out = join(dir, 'latest.json');
    const lines: string[] = [];
    vi.spyOn(process.stderr, 'write');
    expect(await runCommand(reportCommand, ['--db', db, '-o', out], { ...terminalContext(signal), log: (line) => lines.push(line) })).toBe(0);
    const json = JSON.parse(readFileSync(out, 'utf8')) as ReportJson;
    expect(json.runs.map((r) => r.id)).toEqual([secondRun]);
    expect(json.selection.run_ids).toEqual([secondRun]);
    expect(json.windows).toHaveLength(1);
    expect(json.hosts.map((h) => h.host)).toEqual(['147.32.84.165', '147.32.86.7']);
    expect(lines.join('\n')).toMatch(new RegExp(`run ${secondRun}, the latest of the history's 2 \\(--run ID or --all-runs`));
    expect((await failure('--db', db, '--all-runs', '--run', '1')).code).toBe('ERR_USAGE');
  });

  it('writes the JSON report: ranking, windows, groups, runs (--all-runs: each run\'s "now" its own last window)', async () => {
    const out = join(dir, 'all.json');
    expect(await report('--db', db, '--all-runs', '-o', out)).toBe(0);
    const json = JSON.parse(readFileSync(out, 'utf8')) as ReportJson;
    expect(json.format).toBe('flowhound-report');
    expect(json.format_version).toBe(2);
    expect(json.runs.map((r) => r.id)).toEqual([firstRun, secondRun]);
    expect(json.runs.map((r) => r.now_window_start)).toEqual([json.windows[53]!.window_start, json.windows[54]!.window_start]);
    expect(json.runs[0]!.inputs[0]).toMatchObject({ path: 'capture20110816.binetflow.gz', size_bytes: scenario6().input.sizeBytes });
    expect(json.hosts).toHaveLength(61);
    expect(json.windows).toHaveLength(55);
    expect(json.windows[0]!.window_start).toMatch(/^2011-08-16T\d\d:\d\d:\d\dZ$/);
    // The bot is suspicious in the last window (the second run's), so it ranks first.
    expect(json.hosts[0]).toMatchObject({ host: '147.32.84.165', rank: 1, suspicious_now: true, suspicious_before: false, group: 1 });
    expect(json.hosts[0]!.peak_window_start).toMatch(/^2011-08-16T\d\d:\d\d:\d\dZ$/);
    expect(json.hosts[0]!.reasons[0]).toMatch(/SMTP connection attempts to \d+ servers/);
    expect(json.hosts[0]!.scores).toHaveLength(55);
    // Flows over the run: each flow once, from the windows that tile time (300 s windows every 150 s).
    // The second run's window (1313580000 s) is a multiple of 300 s too.
    const tiling = scenario6().windows.filter((w) => w.windowStartUs % 300e6 === 0).flatMap((w) => w.hosts.filter((h) => h.host === '147.32.84.165'));
    expect(tiling.length).toBe(27);
    expect(json.hosts[0]!.flows).toBe(tiling.reduce((n, h) => n + h.flows, 0) + secondRunBotFlows);
    expect(json.hosts.filter((h) => h.suspicious_before).map((h) => h.host).sort()).toEqual(['147.32.84.229', '147.32.84.94']);
    expect(json.groups.flatMap((g) => g.hosts).sort()).toEqual(['147.32.84.165', '147.32.84.229', '147.32.84.94']);
    expect(json.windows[4]).toMatchObject({ suspicious_hosts: 1 });
  });

  it('selects by run and by time', async () => {
    const out = join(dir, 'first.json');
    await report('--db', db, '--run', String(firstRun), '-o', out);
    const json = JSON.parse(readFileSync(out, 'utf8')) as ReportJson;
    expect(json.runs.map((r) => r.id)).toEqual([firstRun]);
    expect(json.windows).toHaveLength(54);
    expect(json.hosts[0]!.host).toBe('147.32.84.165');

    // Windows starting in [09:00, 09:30) UTC of 2011-08-16: 09:00, 09:02:30, …, 09:27:30.
    await report('--db', db, '--from', '2011-08-16T11:00:00', '--to', '2011-08-16 11:30', '--utc-offset', '120', '-o', out);
    const slice = JSON.parse(readFileSync(out, 'utf8')) as ReportJson;
    expect(slice.windows.map((w) => w.window_start.slice(11, 19))).toEqual([
      '09:00:00', '09:02:30', '09:05:00', '09:07:30', '09:10:00', '09:12:30', '09:15:00', '09:17:30', '09:20:00', '09:22:30', '09:25:00', '09:27:30',
    ].filter((t) => scenario6().windows.some((w) => new Date(w.windowStartUs / 1000).toISOString().slice(11, 19) === t)));
    expect(slice.runs.map((r) => r.id)).toEqual([firstRun]);
    expect(slice.selection).toEqual({ run_ids: null, from: '2011-08-16T09:00:00Z', to: '2011-08-16T09:30:00Z' });
  });

  it('writes a CSV row per host, quoted where needed', async () => {
    const out = join(dir, 'hosts.csv');
    await report('--db', db, '--run', `${firstRun}`, '-o', out);
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    // The columns of analyze's CSV: the one ranking table.
    expect(lines[0]).toBe('rank,host,score,peak_score,peak_window_start,flows,model_botnet_flows,suspicious_now,suspicious_before,group,reasons');
    expect(lines).toHaveLength(61);
    expect(lines[1]).toMatch(/^1,147\.32\.84\.165,0\.7\d+,0\.92\d+,2011-08-16T\d\d:\d\d:\d\dZ,\d+,\d+,true,false,1,\d+ SMTP connection attempts to \d+ servers; /);
    // '1,481 destination ports' holds a comma: the field is quoted.
    expect(lines.find((line) => line.includes(',147.32.84.229,'))).toMatch(/,true,1,"100% of the TCP connections it opened failed or were reset; used 1,\d{3} destination ports; \d+% of the flows it opened got no answer"$/);
  });

  it('prints a summary without -o, and the runs with --list', async () => {
    await report('--db', db, '--all-runs');
    expect(stdout).toMatch(/^61 hosts, 55 windows \(2011-08-16T07:57:30Z to 2011-08-1\dT\d\d:\d\d:\d\dZ\)/);
    // The terminal table of analyze: now, peak, peak at, flows, botnet, status, group, score over time.
    expect(stdout).toMatch(/\n {3}1 {2}147\.32\.84\.165 +0\.9\d\d +0\.9\d\d +2011-08-1\dT[\d:]+Z +\d+ +\d+ +NOW +1 +\S+\n/);
    await report('--db', db, '--list');
    expect(stdout).toContain('capture20110816.binetflow.gz');
    expect(stdout).toMatch(new RegExp(`\\n +${secondRun} +2026-01-02T00:00:00.000Z +finished +1 +next-day.pcap`));
    await report('--help');
    expect(stdout).toBe(reportCommand.help);
  });

  it('compares two runs: printed, and as JSON and HTML', async () => {
    await report('--db', db, '--compare', String(secondRun), String(firstRun));
    expect(stdout).toContain(`compare: run ${firstRun} (earlier) and run ${secondRun}`);
    expect(stdout).toContain(`suspicious hosts: 1 in common of 3 (run ${firstRun}) and 1 (run ${secondRun}): 33% of run ${firstRun}, 100% of run ${secondRun}`);
    expect(stdout).toContain('suspicious in both: 147.32.84.165');
    expect(stdout).toMatch(/group 1 \(1 host\) resembles run \d+ group 1 most: distance \d+\.\d\d, 1 host in both/);

    const out = join(dir, 'compare.json');
    await report('--db', db, '--compare', `${firstRun},${secondRun}`, '-o', out);
    const json = JSON.parse(readFileSync(out, 'utf8')) as ReportJson;
    expect(json.comparison).toMatchObject({ earlier_run_id: firstRun, later_run_id: secondRun, suspicious: { common: 1, hosts: ['147.32.84.165'] } });
    expect(json.comparison!.scored).toMatchObject({ left: 60, right: 2, common: 1 });
    const html = join(dir, 'compare.html');
    await report('--db', db, '--compare', String(firstRun), '--compare', String(secondRun), '-o', html);
    expect(readFileSync(html, 'utf8')).toContain('<section id="comparison">');
  });

  it('refuses bad arguments and bad histories with codes that name the file', async () => {
    expect((await failure('--db', db, '-o', join(dir, 'x.txt'))).code).toBe('ERR_USAGE');
    expect((await failure('--db', db, '--run', 'abc')).code).toBe('ERR_USAGE');
    expect((await failure('--db', db, '--compare', '1')).code).toBe('ERR_USAGE');
    expect((await failure('--db', db, '--compare', '1', '2', '--run', '1')).code).toBe('ERR_USAGE');
    expect((await failure('--db', db, '--compare', '1', '1')).code).toBe('ERR_USAGE');
    expect((await failure('--db', db, '--compare', '1', '2', '-o', join(dir, 'c.csv'))).code).toBe('ERR_USAGE');
    expect((await failure('--db', db, '--from', '2011-08-16T12:00:00Z', '--to', '2011-08-16T11:00:00Z')).code).toBe('ERR_USAGE');
    expect((await failure('--db', db, '--bogus')).code).toBe('ERR_USAGE');
    expect((await failure('--db', db, 'extra.pcap')).code).toBe('ERR_USAGE');
    const unknown = await failure('--db', db, '--run', '77', '-o', join(dir, 'none.json'));
    expect(unknown.code).toBe('ERR_HISTORY_UNKNOWN_RUN');
    expect(unknown.describe()).toContain(db);
    expect(existsSync(join(dir, 'none.json'))).toBe(false);

    const notDb = join(dir, 'notes.txt');
    writeFileSync(notDb, 'not a database at all, just some text that is long enough');
    const invalid = await failure('--db', notDb, '-o', join(dir, 'r.html'));
    expect(invalid.code).toBe('ERR_HISTORY_INVALID');
    expect(invalid.describe()).toMatch(/^ERR_HISTORY_INVALID: .*notes\.txt: /);
    expect((await failure('--db', join(dir, 'missing.sqlite'))).code).toBe('ERR_IO');
  });
});
