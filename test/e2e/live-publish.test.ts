// `flowhound live IFACE --publish`: a sensor on a mirror port (issue 19, item 1). The demo
// capture (CTU-13 scenario 6, the Menti bot at 147.32.84.165) is replayed onto a veth pair;
// `live --publish` captures on its other end and publishes each closed window, with the
// kernel's counts, to a real nats-server in the pair's namespace; `serve` scores them. Every
// window the sensor closed is in the history once, the last ones marked partial, and the bot
// is alerted on. Needs root, `ip netns`, tcpreplay and nats-server; otherwise skipped, saying why.
import { join } from 'node:path';

import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { NatsServer, natsTestBlocker } from '../helpers/nats-server.js';
import { repoRoot, tempDir, testDataHome } from '../helpers/run-cli.js';
import { liveTestBlocker, VethPair, Watched } from '../helpers/veth.js';

const bin = join(repoRoot, 'bin', 'flowhound.mjs');
const DEMO = join(repoRoot, 'models', 'demo', 'ctu13-scenario6-slice.pcap');
const blocker = liveTestBlocker() || natsTestBlocker();
const env = { CI: 'true', XDG_DATA_HOME: testDataHome };

describe.skipIf(blocker !== '')(`flowhound live --publish on a veth pair, scored by flowhound serve${blocker}`, () => {
  let pair: VethPair;
  let server: NatsServer;
  let dir: string;
  let sensor: Watched;
  let sensorExit: number | null;
  let scorer: Watched;
  let scorerExit: number | null;

  beforeAll(async () => {
    pair = VethPair.create();
    pair.exec('ip', ['link', 'set', 'lo', 'up']);
    server = await NatsServer.start({ namespace: pair.namespace });
    dir = tempDir();
    sensor = new Watched(
      pair.spawn(process.execPath, [bin, 'live', pair.receiver, '--window', '10', '--step', '5', '--duration', '24', '--lan', '147.32.0.0/16', '--publish', server.url, '--sensor', 'mirror', '--status-interval', '5'], env),
    );
    await sensor.until((w) => w.stderr.includes('live: capturing on'));
    // 555 s of traffic at 20 times its pace: about 28 s, so that --duration stops the sensor while
    // packets still come and its open windows close as partial, however loaded the machine.
    pair.replay(DEMO, { multiplier: 20 });
    sensorExit = await sensor.exited;
    scorer = new Watched(
      pair.spawn(process.execPath, [bin, 'serve', '--nats', server.url, '--db', join(dir, 'history.sqlite'), '--alerts', join(dir, 'alerts.jsonl'), '--exit-when-idle', '3', '--threads', '1', '--json'], env),
    );
    scorerExit = await scorer.exited;
  }, 120_000);

  afterAll(async () => {
    await server?.dispose();
    pair?.destroy();
  });

  it('publishes every window it closed, none dropped, and says so', () => {
    expect(sensorExit, sensor.stderr).toBe(0);
    const summary = /live: stopped after [\d,]+ packets in (\d+) windows; kernel drops 0 \(ps_drop\).*sensor mirror: (\d+) windows published .*, 0 buffered, 0 dropped/.exec(sensor.stderr);
    expect(summary, sensor.stderr).not.toBeNull();
    expect(Number(summary![2])).toBe(Number(summary![1]));
    expect(Number(summary![1])).toBeGreaterThan(3);
    // A status line while it ran, drops in it.
    expect(sensor.stderr).toMatch(/sensor mirror: \d+ windows published .*, \d+ dropped/);
  });

  it('the scorer records each window once, the kernel counts and the partial windows with it, and alerts on the bot', () => {
    expect(scorerExit, scorer.stderr).toBe(0);
    const published = Number(/sensor mirror: (\d+) windows published/.exec(sensor.stderr.split('live: stopped')[1]!)![1]);
    const db = new Database(join(dir, 'history.sqlite'), { readonly: true });
    try {
      const windows = db.prepare('SELECT count(*) AS n, count(DISTINCT window_start_us) AS starts, sum(partial) AS partial, sum(packets_dropped_kernel) AS dropped FROM windows').get() as {
        n: number;
        starts: number;
        partial: number;
        dropped: number;
      };
      expect(windows).toEqual({ n: published, starts: published, partial: expect.any(Number) as number, dropped: 0 });
      expect(windows.partial).toBeGreaterThan(0);
      const inputs = db.prepare('SELECT path FROM inputs').pluck().all();
      expect(inputs).toEqual([`mirror:live:${pair.receiver}`]);
    } finally {
      db.close();
    }
    const totals = JSON.parse(scorer.stdout) as { windows_written: number; alerts: number };
    expect(totals.windows_written).toBe(published);
    expect(totals.alerts).toBeGreaterThan(0);
  });
});
