// `flowhound live --db postgres://…`: a sensor recording into the shared history. The demo capture
// (CTU-13 scenario 6, the Menti bot at 147.32.84.165) replayed onto a veth pair in a namespace of
// its own, flowhound capturing on the other end with 10 s windows, and a real PostgreSQL server
// (test/helpers/postgres-server.ts) holding the history; `report` reads it back. (Reached from
// inside the namespace, 127.0.0.1 is that namespace's own loopback: the first run of this test
// ended with ERR_HISTORY_UNREACHABLE … ENETUNREACH, which is what a sensor in a namespace would get.) Needs root,
// `ip netns`, tcpreplay and PostgreSQL; otherwise the tests say they are skipped, and why.
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { openHistory } from '../../src/history/open-history.js';
import type { StoredWindow } from '../../src/history/store.js';
import { PostgresServer, postgresUnavailable } from '../helpers/postgres-server.js';
import { repoRoot, runCli, testDataHome } from '../helpers/run-cli.js';
import { liveTestBlocker, VethPair, Watched } from '../helpers/veth.js';

const DEMO = join(repoRoot, 'models', 'demo', 'ctu13-scenario6-slice.pcap');
const BOT = '147.32.84.165';
const bin = join(repoRoot, 'bin', 'flowhound.mjs');
const unavailable = postgresUnavailable();
const blocker = liveTestBlocker() || (unavailable ? ` (SKIPPED: ${unavailable})` : '');

describe.skipIf(blocker !== '')(`flowhound live recording into PostgreSQL${blocker}`, () => {
  let server: PostgresServer;
  let pair: VethPair;
  let url: string;
  let live: Watched;
  let exitCode: number | null;
  let windows: StoredWindow[];
  let runStatus: string | undefined;

  beforeAll(async () => {
    server = await PostgresServer.start();
    url = await server.createDatabase('sensor');
    // The sensor runs in the pair's network namespace, whose loopback is not the server's: it
    // reaches PostgreSQL through its Unix socket (libpq's ?host=/folder), which namespaces share.
    const overSocket = `postgres://flowhound@localhost:${server.port}/sensor?host=${encodeURIComponent(server.dir)}`;
    pair = VethPair.create();
    live = new Watched(
      pair.spawn(process.execPath, [bin, 'live', pair.receiver, '--window', '10', '--step', '5', '--duration', '26', '--lan', '147.32.0.0/16', '--db', overSocket, '-q'], {
        CI: 'true',
        XDG_DATA_HOME: testDataHome,
      }),
    );
    await live.until((w) => w.stderr.includes('live: capturing on'));
    // 555 s of traffic at 30 times its pace: about 20 s.
    pair.replay(DEMO, { multiplier: 30 });
    exitCode = await live.exited;
    const history = await openHistory(url, { mode: 'read' });
    try {
      windows = await history.windows();
      runStatus = (await history.runs())[0]?.status;
    } finally {
      await history.close();
    }
  }, 120_000);

  afterAll(async () => {
    pair?.destroy();
    await server?.stop();
  });

  it('stops at --duration with exit 0 and records every closed window there, the run finished', () => {
    expect(exitCode, live.stderr).toBe(0);
    const closed = /in ([\d,]+) windows/.exec(live.stderr);
    expect(closed, live.stderr).not.toBeNull();
    expect(windows.length).toBe(Number(closed![1]!.replaceAll(',', '')));
    expect(windows.length).toBeGreaterThanOrEqual(4);
    expect(windows.every((w) => w.windowUs === 10_000_000 && w.inputPath === `live:${pair.receiver}`)).toBe(true);
    expect(runStatus).toBe('finished');
  });

  it(`report --db postgres://… ranks the bot ${BOT} first`, () => {
    const report = runCli(['report', '--db', url, '--json', '-q']);
    expect(report.stderr).toBe('');
    expect(report.status).toBe(0);
    const json = JSON.parse(report.stdout) as { hosts: { host: string; rank: number }[] };
    expect(json.hosts[0]).toMatchObject({ host: BOT, rank: 1 });
  });
});
