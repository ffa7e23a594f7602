// `flowhound live` on a real interface: a veth pair in a network namespace of its own, the demo
// capture (CTU-13 scenario 6, the Menti bot at 147.32.84.165) replayed onto one end with
// tcpreplay, flowhound capturing on the other with short windows. Nothing is mocked: libpcap,
// the capture thread, the models, the history and the alert file are the real ones. Needs root,
// `ip netns` and tcpreplay (CI has them); otherwise the tests say they are skipped, and why.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { HistoryStore } from '../../src/history/store.js';
import { native } from '../../src/native.js';
import { buildPcap } from '../helpers/pcap-builder.js';
import { repoRoot, runCli, tempDir, testDataHome } from '../helpers/run-cli.js';
import { liveTestBlocker, VethPair, Watched } from '../helpers/veth.js';

const DEMO = join(repoRoot, 'models', 'demo', 'ctu13-scenario6-slice.pcap');
const BOT = '147.32.84.165';
const bin = join(repoRoot, 'bin', 'flowhound.mjs');
const blocker = liveTestBlocker();
const libpcap = native.liveDefaults().available;
const noLibpcap = libpcap ? '' : ' (SKIPPED: the addon was built without libpcap)';
const root = process.getuid?.() === 0;

/** When --duration stops the main run, s: the demo's replay (about 20 s) and a quiet LAN after it fit before. */
const STOP_AT_S = 36;

/** A LAN host's DNS queries, each answered, two a second for `seconds`: ordinary traffic without the bot. */
function quietLan(seconds: number): Uint8Array {
  const count = Math.round(seconds * 2);
  return buildPcap(
    Array.from({ length: count }, (_, i) => {
      const timeUs = 1_700_000_000_000_000 + i * 500_000;
      const query = { timeUs, src: '147.32.84.229', dst: '147.32.80.9', proto: 17, srcPort: 40_000 + i, dstPort: 53, payloadBytes: 40 };
      return [query, { ...query, timeUs: timeUs + 2_000, src: query.dst, dst: query.src, srcPort: 53, dstPort: query.srcPort, payloadBytes: 120 }];
    }).flat(),
  );
}

/** `flowhound live` in the pair's namespace, watched. */
function startLive(pair: VethPair, args: string[]): Watched {
  return new Watched(pair.spawn(process.execPath, [bin, 'live', pair.receiver, ...args], { CI: 'true', XDG_DATA_HOME: testDataHome }));
}

/** The host of the final ranking's first row. */
function firstRanked(stdout: string): string | undefined {
  return /^\s+1\s+(\S+)/m.exec(stdout)?.[1];
}

function alertLines(path: string): { event: string; host: string; score: number }[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as { event: string; host: string; score: number });
}

describe.skipIf(blocker !== '')(`flowhound live on a veth pair, the demo capture replayed onto it${blocker}`, () => {
  let pair: VethPair;
  let dir: string;
  let live: Watched;
  let sent = 0;
  let exitCode: number | null;
  let reportWhileRunning: ReturnType<typeof runCli>;
  const alerts = () => join(dir, 'alerts.jsonl');

  beforeAll(async () => {
    pair = VethPair.create();
    dir = tempDir();
    const started = Date.now();
    live = startLive(pair, ['--window', '10', '--step', '5', '--duration', String(STOP_AT_S), '--lan', '147.32.0.0/16', '--db', join(dir, 'live.sqlite'), '--alerts', alerts()]);
    await live.until((w) => w.stderr.includes('live: capturing on'));
    // 555 s of traffic at 30 times its pace: about 20 s, two windows' worth of the bot's spam.
    const replay = pair.replay(DEMO, { multiplier: 30 });
    // The bot's first alert: then the alert file is rotated (moved away, SIGHUP) while the capture goes on.
    await live.until(() => alertLines(`${alerts()}.1`).length > 0 || alertLines(alerts()).length > 0);
    renameSync(alerts(), `${alerts()}.1`);
    live.child.kill('SIGHUP');
    await live.until((w) => w.stderr.includes('SIGHUP: alert file reopened'));
    // The history while it grows: report reads it as the capture writes it.
    reportWhileRunning = runCli(['report', '--db', join(dir, 'live.sqlite')]);
    // Then the LAN without the bot, up to about 4 s before --duration stops the capture: the bot
    // falls below the threshold (an alert, in the new file), and the stop cuts open windows short.
    const quietS = Math.max(2, STOP_AT_S - 4 - (Date.now() - started) / 1000);
    writeFileSync(join(dir, 'quiet.pcap'), quietLan(quietS));
    const quiet = pair.replay(join(dir, 'quiet.pcap'), { multiplier: 1 });
    sent = replay.sent + quiet.sent;
    exitCode = await live.exited;
  }, 120_000);

  afterAll(() => pair?.destroy());

  it('stops at --duration with exit 0, having counted every packet tcpreplay sent, none dropped', () => {
    expect(exitCode, live.stderr).toBe(0);
    expect(sent).toBeGreaterThan(37_473);
    expect(live.stderr).toContain(`live: stopped after ${sent.toLocaleString('en-US')} packets`);
    expect(live.stderr).toContain('kernel drops 0 (ps_drop), 0 (ps_ifdrop)');
    expect(live.stderr).not.toContain('lost packets');
  });

  it(`ranks the bot ${BOT} first, and names it suspicious in the lines of the windows it spammed in`, () => {
    expect(firstRanked(live.stdout), live.stdout).toBe(BOT);
    const windowLines = live.stdout.split('\n').filter((line) => line.startsWith('window '));
    expect(windowLines.length).toBeGreaterThanOrEqual(5);
    expect(windowLines.filter((line) => line.includes(`suspicious (${BOT})`)).length).toBeGreaterThanOrEqual(3);
  });

  it('writes an alert line naming the bot when it crosses the threshold, and the next one to the new file after SIGHUP', () => {
    const before = alertLines(`${alerts()}.1`);
    expect(before[0]).toMatchObject({ event: 'raised', host: BOT });
    expect(before[0]!.score).toBeGreaterThan(0.3);
    // The bot goes quiet when the replay ends: it falls below, in the file opened after the rotation.
    const after = alertLines(alerts());
    expect(after.map((a) => [a.event, a.host])).toContainEqual(['cleared', BOT]);
  });

  it('records every closed window in the history, with its drops (none) and the stop-cut ones marked partial; report reads it while it grows', () => {
    expect(reportWhileRunning.status, reportWhileRunning.stderr).toBe(0);
    expect(reportWhileRunning.stdout).toContain(BOT);
    const store = HistoryStore.open(join(dir, 'live.sqlite'), { mode: 'read' });
    try {
      const windows = store.windows();
      expect(windows.length).toBeGreaterThanOrEqual(6);
      expect(windows.every((w) => w.packetsDroppedKernel === 0 && w.packetsDroppedInterface === 0)).toBe(true);
      expect(windows.at(-1)!.partial).toBe(true);
      expect(windows.filter((w) => !w.partial).length).toBeGreaterThanOrEqual(4);
      expect(windows.every((w) => w.windowUs === 10_000_000 && w.inputPath === `live:${pair.receiver}`)).toBe(true);
      const [run] = store.runs();
      expect(run).toMatchObject({ status: 'finished' });
      expect(store.alerts().length).toBeGreaterThan(0);
    } finally {
      store.close();
    }
  });
});

describe.skipIf(blocker !== '')(`flowhound live, stopped and disturbed${blocker}`, () => {
  let pair: VethPair;
  beforeAll(() => {
    pair = VethPair.create();
  });
  afterAll(() => pair?.destroy());

  it('SIGTERM mid-window closes the open windows as partial, records and scores them, and exits 0', async () => {
    const dir = tempDir();
    const live = startLive(pair, ['--window', '60', '--step', '30', '--lan', '147.32.0.0/16', '--db', join(dir, 'h.sqlite'), '--alerts', join(dir, 'a.jsonl')]);
    await live.until((w) => w.stderr.includes('live: capturing on'));
    const { sent } = pair.replay(DEMO, { multiplier: 30, limit: 8000 });
    await live.until((w) => w.stderr.includes('live: history'));
    live.child.kill('SIGTERM');
    expect(await live.exited, live.stderr).toBe(0);
    expect(live.stderr).toContain('SIGTERM: closing the open windows');
    expect(live.stderr).toContain(`stopped after ${sent.toLocaleString('en-US')} packets`);
    expect(live.stdout).toMatch(/\(partial\)/);
    const store = HistoryStore.open(join(dir, 'h.sqlite'), { mode: 'read' });
    try {
      const windows = store.windows();
      expect(windows.length).toBeGreaterThanOrEqual(1);
      // A 60 s window that ended during the few seconds of the run is whole; the last ones are not.
      expect(windows.at(-1)!.partial).toBe(true);
      expect(store.runs()[0]).toMatchObject({ status: 'finished' });
    } finally {
      store.close();
    }
  });

  it('a second Ctrl-C exits 130 at once', async () => {
    const live = startLive(pair, ['--no-db']);
    await live.until((w) => w.stderr.includes('live: capturing on'));
    live.child.kill('SIGINT');
    await live.until((w) => w.stderr.includes('SIGINT: closing'));
    live.child.kill('SIGINT');
    expect(await live.exited).toBe(130);
  });

  it('a lost interface is reported, and capture resumes when it is back', async () => {
    const live = startLive(pair, ['--no-db', '--duration', '8']);
    await live.until((w) => w.stderr.includes('live: capturing on'));
    pair.exec('ip', ['link', 'set', pair.receiver, 'down']);
    await live.until((w) => w.stderr.includes(`interface ${pair.receiver} lost`));
    pair.exec('ip', ['link', 'set', pair.receiver, 'up']);
    await live.until((w) => w.stderr.includes(`interface ${pair.receiver} restored`));
    expect(await live.exited, live.stderr).toBe(0);
  });
});

describe('flowhound live errors', () => {
  it.skipIf(!libpcap || !root)(`a bad BPF filter is ERR_CAPTURE_FILTER, exit 2${noLibpcap}${root ? '' : ' (SKIPPED: needs root)'}`, () => {
    const result = runCli(['live', 'lo', '--bpf', 'tcp port nonsense', '--no-db']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('ERR_CAPTURE_FILTER');
    expect(result.stderr).toContain("unknown port 'nonsense'");
  });

  it.skipIf(!libpcap)(`a missing interface is ERR_CAPTURE_NO_DEVICE, which lists the interfaces${noLibpcap}`, () => {
    const result = runCli(['live', 'nosuchif0', '--no-db']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('ERR_CAPTURE_NO_DEVICE');
    expect(result.stderr).toMatch(/the interfaces here: .*\blo\b/);
  });

  it.skipIf(!libpcap || !root)(
    `without the capabilities (as nobody, or as root with every capability dropped where nobody cannot read the checkout) it is ERR_CAPTURE_PERMISSION, which says how to grant them${noLibpcap}${root ? '' : ' (SKIPPED: needs root to drop its capabilities)'}`,
    () => {
      const result = runCliUnprivileged(['live', 'lo', '--no-db']);
      expect(result.status, result.stderr).toBe(2);
      expect(result.stderr).toContain('ERR_CAPTURE_PERMISSION');
      expect(result.stderr).toContain('setcap cap_net_raw,cap_net_admin+eip');
      expect(result.stderr).toContain('AmbientCapabilities=CAP_NET_RAW CAP_NET_ADMIN');
    },
  );

  it.skipIf(!libpcap)(`--list-interfaces lists lo with its network${noLibpcap}`, () => {
    const result = runCli(['live', '--list-interfaces']);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^lo\s+up\s+127\.0\.0\.0\/8/m);
  });

  it('needs one interface, and --alert-format needs --alerts', () => {
    expect(runCli(['live']).stderr).toContain('live needs one interface');
    expect(runCli(['live', 'lo', '--alert-format', 'idmef']).stderr).toContain('--alert-format needs --alerts');
    expect(runCli(['live', 'lo', '--alert-format', 'xml', '--alerts', '-']).status).toBe(2);
  });
});

/**
 * The CLI without the right to capture: as nobody (setpriv), with no capabilities at all; or,
 * where nobody cannot read the checkout (one under /root, as CI's may be), as root with every
 * capability dropped from its bounding set, which libpcap's socket needs just as much.
 */
function runCliUnprivileged(args: string[]): ReturnType<typeof runCli> {
  const nobodyReads = spawnSync('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', 'test', '-r', bin]).status === 0;
  const drop = nobodyReads
    ? ['--reuid=nobody', '--regid=nogroup', '--clear-groups', '--inh-caps=-all']
    : ['--inh-caps=-all', '--ambient-caps=-all', '--bounding-set=-all'];
  const result = spawnSync('setpriv', [...drop, process.execPath, bin, ...args], {
    encoding: 'utf8',
    env: { ...process.env, CI: 'true', HOME: '/nonexistent' },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
