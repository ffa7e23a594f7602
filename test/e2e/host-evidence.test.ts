// Evidence per suspicious host (issue 18): since when and until when, the inputs it came from,
// and the command that shows its flows (`flowhound flows INPUT --host IP`), in analyze's JSON,
// its terminal table with -v, and the report (JSON and HTML).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

import { parseCsv, repoRoot, runCli, tempDir } from '../helpers/run-cli.js';

const DEMO = join(repoRoot, 'models', 'demo', 'ctu13-scenario6-slice.pcap');
const BOT = '147.32.84.165';

interface JsonHost {
  host: string;
  flows: number;
  model_botnet_flows: number;
  suspicious_now: boolean;
  first_suspicious_window: string | null;
  last_suspicious_window: string | null;
  inputs: string[];
  flows_commands: string[];
  scores: number[];
}

let dir: string;
let analyzed: { hosts: JsonHost[]; windows: { window_start: string }[]; threshold: number };
beforeAll(() => {
  dir = tempDir();
  const run = runCli(['analyze', DEMO, '--lan', '147.32.0.0/16', '--db', join(dir, 'h.sqlite'), '-o', join(dir, 'demo.json')]);
  expect(run.status, run.stderr).toBe(0);
  analyzed = JSON.parse(readFileSync(join(dir, 'demo.json'), 'utf8')) as typeof analyzed;
});

describe('evidence per suspicious host', () => {
  it("analyze's JSON: the first and last suspicious window, the input, the flows command; the model's count named as such", () => {
    const bot = analyzed.hosts[0]!;
    expect(bot.host).toBe(BOT);
    const suspiciousWindows = analyzed.windows.filter((_, i) => bot.scores[i]! >= analyzed.threshold).map((w) => w.window_start);
    expect(bot.first_suspicious_window).toBe(suspiciousWindows[0]);
    expect(bot.last_suspicious_window).toBe(suspiciousWindows.at(-1));
    expect(bot.inputs).toEqual([DEMO]);
    expect(bot.flows_commands).toEqual([`flowhound flows ${DEMO} --host ${BOT}`]);
    expect(bot.model_botnet_flows).toBeGreaterThan(0);
    expect(bot).not.toHaveProperty('botnet_flows');
    const clean = analyzed.hosts.find((h) => !h.suspicious_now && h.first_suspicious_window === null)!;
    expect(clean.last_suspicious_window).toBeNull();
  });

  it('flows --host: exactly the records the host is an end of, by address, range or comma list', () => {
    const all = parseCsv(runCli(['flows', DEMO, '--whole', '-q']).stdout);
    const mine = all.filter((row) => row.SrcAddr === BOT || row.DstAddr === BOT);
    const [, ...args] = analyzed.hosts[0]!.flows_commands[0]!.split(' ');
    const run = runCli([...args, '--whole']);
    expect(run.status, run.stderr).toBe(0);
    expect(parseCsv(run.stdout)).toEqual(mine);
    expect(run.stderr).toBe(`flows: ${mine.length} records of ${BOT} (of ${all.length}) from 37473 packets, whole capture, status interval 3600 s in ${/in ([\d.]+) s/.exec(run.stderr)![1]} s\n`);
    // Its flows, whose count the ranking gives, over the windows that tile time.
    expect(mine.length).toBe(analyzed.hosts[0]!.flows);
    // A range and a comma list work too; a bad address is a usage error.
    expect(parseCsv(runCli(['flows', DEMO, '--whole', '-q', '--host', `${BOT}/32,10.9.9.9`]).stdout)).toEqual(mine);
    const bad = runCli(['flows', DEMO, '--host', '147.32.84.999']);
    expect([bad.status, bad.stderr.trim()]).toEqual([2, "flowhound: ERR_USAGE: --host: '147.32.84.999' is not an address or CIDR range"]);
  });

  it('-v shows, under the suspicious host, since when, until when and the command that shows its flows', () => {
    const run = runCli(['analyze', DEMO, '--lan', '147.32.0.0/16', '--no-db', '-v']);
    expect(run.status, run.stderr).toBe(0);
    const bot = analyzed.hosts[0]!;
    expect(run.stdout).toContain(`suspicious from the window at ${bot.first_suspicious_window} to the one at ${bot.last_suspicious_window}`);
    expect(run.stdout).toContain(`its flows: flowhound flows ${DEMO} --host ${BOT}`);
    expect(run.stdout).toMatch(/flows {2}model botnet {2}status/);
  });

  it("the report: the same fields in its JSON; in its HTML an evidence card per suspicious host first, group cards with real numbers, the heatmap's rows, and the run's options as a list", () => {
    const json = runCli(['report', '--db', join(dir, 'h.sqlite'), '-q', '-o', join(dir, 'r.json')]);
    expect(json.status, json.stderr).toBe(0);
    const reported = (JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')) as { hosts: JsonHost[] }).hosts[0]!;
    const bot = analyzed.hosts[0]!;
    expect(reported).toMatchObject({
      host: BOT,
      first_suspicious_window: bot.first_suspicious_window,
      last_suspicious_window: bot.last_suspicious_window,
      inputs: [DEMO],
      flows_commands: bot.flows_commands,
      model_botnet_flows: bot.model_botnet_flows,
    });
    const html = join(dir, 'r.html');
    expect(runCli(['report', '--db', join(dir, 'h.sqlite'), '-q', '-o', html]).status).toBe(0);
    const page = readFileSync(html, 'utf8');
    expect(page.indexOf('id="evidence"')).toBeLessThan(page.indexOf('id="hosts"'));
    expect(page).toContain(`<div class="evidence-card" data-host="${BOT}">`);
    expect(page).toContain(`<code>flowhound flows ${DEMO} --host ${BOT}</code>`);
    // Group cards with their members' real numbers, not a template ('N SMTP servers').
    expect(page).toContain(`<li>${BOT}: opened mail connections to 128 SMTP servers (4.59.182.109, `);
    expect(page).not.toMatch(/N SMTP servers/);
    // The heatmap's rows: the suspicious hosts and the top 40, of 56.
    expect(page).toContain('"heatmapRows":40');
    // The run's options as a list a person reads, not a JSON blob.
    expect(page).toContain('<li><span class="muted">lan</span> <span class="mono">147.32.0.0/16</span></li>');
    expect(page).toContain('<li><span class="muted">window s</span> <span class="mono">300</span></li>');
  });
});
