// With a passphrase, no address of the input is in the database in clear: not in the main file,
// not in the write-ahead log, not in the shared-memory index. Reports show HMAC prefixes
// without the passphrase and the addresses with it.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { HistoryStore } from '../../src/history/store.js';
import { runReport, type ReportCommandOptions } from '../../src/commands/report/run.js';
import { runInfo, runOptions, scenario6 } from '../helpers/history.js';
import { tempDir } from '../helpers/run-cli.js';

const PASSPHRASE = 'a long passphrase for the tests';
/** A peer address that only a reason sentence and the options mention. */
const PEER = '203.0.113.77';

function databaseFiles(db: string): { name: string; bytes: Buffer }[] {
  return ['', '-wal', '-shm'].filter((suffix) => existsSync(db + suffix)).map((suffix) => ({ name: `history.sqlite${suffix}`, bytes: readFileSync(db + suffix) }));
}

/** Every address of the fixture found in the files, as `file: address`. */
function leaks(files: { name: string; bytes: Buffer }[], addresses: string[]): string[] {
  return files.flatMap(({ name, bytes }) => addresses.filter((address) => bytes.includes(Buffer.from(address, 'latin1'))).map((address) => `${name}: ${address}`));
}

function writeRun(store: HistoryStore): void {
  const fixture = scenario6();
  const runId = store.beginRun(
    runInfo({
      inputs: [fixture.input],
      // A filter naming hosts, as BotRecon's --ip did: options are encrypted too.
      options: runOptions({ ranges: ['147.32.84.165', PEER] }),
    }),
  );
  for (const window of fixture.windows) {
    const hosts = window.hosts.map((h) => (h.host === '147.32.84.165' && h.score >= 0.5 ? { ...h, reasons: [...h.reasons, `contacted ${PEER} every 60 s`] } : h));
    store.commitWindow(runId, { ...window, hosts }, fixture.threshold);
  }
  store.finishRun(runId, { interrupted: false });
}

async function report(db: string, passphrase: string | null, output: string): Promise<string> {
  const options: ReportCommandOptions = {
    db, passphrase, runIds: null, fromUs: null, toUs: null, compare: null, output, format: null, list: false, quiet: true,
  };
  await runReport(options);
  return readFileSync(output, 'utf8');
}

describe('history privacy', () => {
  const addresses = [...new Set(scenario6().windows.flatMap((w) => w.hosts.map((h) => h.host))), PEER];

  it('finds the addresses in a history made without a passphrase (the grep works)', () => {
    const db = join(tempDir(), 'history.sqlite');
    const store = HistoryStore.open(db);
    writeRun(store);
    const found = new Set(leaks(databaseFiles(db), addresses).map((leak) => leak.split(': ')[1]));
    store.close();
    expect(found.size).toBe(addresses.length);
  });

  it('with a passphrase, no address appears in the database file, its WAL or its SHM', async () => {
    const dir = tempDir();
    const db = join(dir, 'history.sqlite');
    const store = HistoryStore.open(db, { passphrase: PASSPHRASE });
    writeRun(store);
    // While open, the rows are in the write-ahead log; all three files are checked.
    const open = databaseFiles(db);
    expect(open.map((f) => f.name)).toEqual(['history.sqlite', 'history.sqlite-wal', 'history.sqlite-shm']);
    expect(open[1]!.bytes.length).toBeGreaterThan(100_000);
    expect(leaks(open, addresses)).toEqual([]);
    store.close();
    expect(leaks(databaseFiles(db), addresses)).toEqual([]);

    // Reading without the passphrase: HMAC prefixes, comparable, never the address.
    const hidden = await report(db, null, join(dir, 'hidden.json'));
    const hiddenReport = JSON.parse(hidden) as { addresses: string; hosts: { host: string; reasons: string[] }[]; runs: { options: unknown }[] };
    expect(hiddenReport.addresses).toBe('hmac');
    expect(hiddenReport.hosts).toHaveLength(60);
    for (const host of hiddenReport.hosts) expect(host.host).toMatch(/^hmac:[0-9a-f]{8,}$/);
    expect(hiddenReport.hosts[0]!.reasons).toEqual([]);
    expect(hiddenReport.runs[0]!.options).toBeNull();
    for (const address of addresses) expect(hidden).not.toContain(address);
    const hiddenHtml = await report(db, null, join(dir, 'hidden.html'));
    for (const address of addresses) expect(hiddenHtml).not.toContain(address);
    expect(hiddenHtml).toContain('hmac:');
    expect(hiddenHtml).toContain('This history is encrypted');

    // With it: the addresses, the reasons and the options.
    const shown = JSON.parse(await report(db, PASSPHRASE, join(dir, 'shown.json'))) as typeof hiddenReport;
    expect(shown.addresses).toBe('decrypted');
    expect(shown.hosts[0]!.host).toBe('147.32.84.165');
    expect(shown.hosts[0]!.reasons.at(-1)).toBe(`contacted ${PEER} every 60 s`);
    expect(shown.runs[0]!.options).toMatchObject({ lan: ['147.32.0.0/16'], ranges: ['147.32.84.165', PEER], utc_offset_minutes: 120 });
    // Labels stay distinct without the passphrase (prefixes lengthen where two would collide).
    expect(new Set(hiddenReport.hosts.map((h) => h.host)).size).toBe(60);
    expect(hiddenReport.hosts[0]!.host).toMatch(/^hmac:/);
  });
});
