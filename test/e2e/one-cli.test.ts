// One CLI (issue 18), as a user types it: -V, typos answered with what was meant (exit 2, no
// Node parser text), help for every command the main help lists, comma lists, --exclude, and
// --json on every command giving JSON on standard output.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { repoRoot, runCli, tempDir } from '../helpers/run-cli.js';

const DEMO = join(repoRoot, 'models', 'demo', 'ctu13-scenario6-slice.pcap');
const BOT = '147.32.84.165';

describe('one CLI', () => {
  it('-V and --version print the versions', () => {
    for (const flag of ['-V', '--version']) {
      const run = runCli([flag]);
      expect(run.status).toBe(0);
      expect(run.stdout).toMatch(/^flowhound \d+\.\d+\.\d+ \(native core [\d.]+, Node v[\d.]+\)\n$/);
    }
  });

  it('typos: exit 2, what was meant, no Node parser text', () => {
    const cases: [string[], string][] = [
      [['anlyze', DEMO], "flowhound: ERR_USAGE: unknown command 'anlyze'; did you mean 'analyze'? ('flowhound help' lists the commands)\n"],
      [['analyze', DEMO, '--lann', '147.32.0.0/16'], "flowhound: ERR_USAGE: unknown option '--lann'; did you mean '--lan'? ('--help' lists the options)\n"],
      [['help', 'demp'], "flowhound: ERR_USAGE: unknown command 'demp'; did you mean 'demo'? ('flowhound help' lists the commands)\n"],
    ];
    for (const [args, message] of cases) {
      const run = runCli(args);
      expect(run.status, args.join(' ')).toBe(2);
      expect(run.stderr).toBe(message);
      expect(run.stderr).not.toContain('To specify a positional argument');
    }
  });

  it('-v: flows and features say first what their readers run with', () => {
    const dir = tempDir();
    const flows = runCli(['flows', DEMO, '-o', join(dir, 'f.csv'), '-v']);
    expect(flows.stderr).toContain(
      'reading: windows of 300 s every 150 s, utc offset 0 min, memcap 256 MiB, at most 1048576 active flows a table, uncertain direction first-sender, stop at damage (a capture)\n',
    );
    const features = runCli(['features', DEMO, '--lan', '147.32.0.0/16,10.0.0.0/8', '-o', join(dir, 'f.arrow'), '-v']);
    expect(features.stderr).toContain('  ctu13-scenario6-slice.pcap: reading: windows of 300 s every 150 s, LAN 147.32.0.0/16, 10.0.0.0/8, utc offset 0 min,');
  });

  it("'help COMMAND' answers for every command the main help lists", () => {
    const listed = [...runCli(['help']).stdout.matchAll(/^ {2}([a-z]+)\b/gm)].map((m) => m[1]!);
    expect(listed).toEqual(['analyze', 'live', 'serve', 'evaluate', 'demo', 'models', 'report', 'flows', 'synth', 'features', 'help', 'version', 'completion']);
    for (const name of listed) {
      const run = runCli(['help', name]);
      expect(run.status, name).toBe(0);
      expect(run.stdout.startsWith(`Usage: flowhound ${name}`), name).toBe(true);
    }
  });

  it('--lan takes a comma list; --exclude keeps a host out of the ranking and out of the detection', () => {
    const run = runCli(['analyze', DEMO, '--lan', '10.0.0.0/8,147.32.0.0/16', '--no-db', '--json', '-q']);
    expect(run.status, run.stderr).toBe(0);
    const ranked = JSON.parse(run.stdout) as { hosts: { host: string }[]; run: { options: { lan: string[]; exclude: string[] } } };
    expect(ranked.hosts[0]!.host).toBe(BOT);
    expect(ranked.run.options.lan).toEqual(['10.0.0.0/8', '147.32.0.0/16']);
    const excluded = runCli(['analyze', DEMO, '--lan', '147.32.0.0/16', '--exclude', `${BOT},147.32.84.132`, '--no-db', '--json', '-q', '--fail-on-detection']);
    expect(excluded.status, excluded.stderr).toBe(0);
    const document = JSON.parse(excluded.stdout) as typeof ranked;
    expect(document.hosts.map((h) => h.host)).not.toContain(BOT);
    expect(document.hosts.map((h) => h.host)).not.toContain('147.32.84.132');
    expect(document.run.options.exclude).toEqual([BOT, '147.32.84.132']);
  });

  it('--json: every command writes JSON on standard output', () => {
    const dir = tempDir();
    const db = join(dir, 'h.sqlite');
    const runs: [string, string[]][] = [
      ['demo', ['demo', '--db', db, '--json', '-q']],
      ['analyze', ['analyze', DEMO, '--lan', '147.32.0.0/16', '--no-db', '--json', '-q']],
      ['evaluate', ['evaluate', DEMO, '--lan', '147.32.0.0/16', '--infected', BOT, '--json', '-q']],
      ['report', ['report', '--db', db, '--json', '-q']],
      ['models', ['models', '--json']],
      ['flows', ['flows', DEMO, '-o', join(dir, 'f.csv'), '--json', '-q']],
      ['features', ['features', DEMO, '--lan', '147.32.0.0/16', '-o', join(dir, 'f.arrow'), '--json', '-q']],
      ['synth', ['synth', '--generate', '--size', '200kB', '-o', join(dir, 'g.pcap'), '--json', '-q']],
      ['help', ['help', '--json']],
      ['version', ['version', '--json']],
      ['completion', ['completion', '--json']],
    ];
    for (const [name, args] of runs) {
      const run = runCli(args);
      expect(run.status, `${name}: ${run.stderr}`).toBe(0);
      const document = JSON.parse(run.stdout) as Record<string, unknown>;
      expect(typeof document, name).toBe('object');
      const snake = /^[a-z0-9]+(_[a-z0-9]+)*$/;
      expect(Object.keys(document).filter((key) => !snake.test(key)), name).toEqual([]);
    }
    expect(JSON.parse(runCli(['flows', DEMO, '-o', join(dir, 'f.csv'), '--json', '-q', '-y', '--host', BOT]).stdout)).toMatchObject({ command: 'flows', written: 654, records: 27056 });
  });
});
