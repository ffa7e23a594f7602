// The guarded output on its own: a file appears under its name only when committed, a discard
// or a failure leaves nothing, partial files of dead processes are cleared, and a history's end
// waits for the output (EndAfterOutput).
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { EndAfterOutput } from '../../src/analysis/end-after-output.js';
import type { SessionEnd } from '../../src/analysis/session.js';
import { FlowhoundError } from '../../src/errors.js';
import { GuardedOutput, GuardedNativeOutput } from '../../src/sinks/guarded-output.js';
import { checkOutputTarget, checkOutputTargets } from '../../src/sinks/output-target.js';
import { tempDir } from '../helpers/run-cli.js';

/** A process id that no process has: past Linux's largest (2^22). */
const DEAD_PID = 4_194_305;

describe('GuardedOutput', () => {
  it('writes beside the target and publishes the whole file only on commit', async () => {
    const dir = tempDir();
    const target = join(dir, 'out.csv');
    const output = await GuardedOutput.open(checkOutputTarget(target));
    await output.write('a,b\n');
    expect(existsSync(target)).toBe(false);
    expect(readdirSync(dir)).toEqual([expect.stringMatching(/^out\.csv\.\d+-\d+\.partial$/)]);
    await output.write('1,2\n');
    await output.commit();
    expect(readdirSync(dir)).toEqual(['out.csv']);
    expect(readFileSync(target, 'utf8')).toBe('a,b\n1,2\n');
  });

  it('leaves nothing after a discard, and a second discard is harmless', async () => {
    const dir = tempDir();
    const output = await GuardedOutput.open(checkOutputTarget(join(dir, 'out.arrow')));
    await output.write(new Uint8Array(100_000));
    await output.discard();
    await output.discard();
    expect(readdirSync(dir)).toEqual([]);
  });

  it("removes a dead process's partial files when it opens the same target, and no one else's", async () => {
    const dir = tempDir();
    const dead = `out.csv.${DEAD_PID}-1.partial`;
    const living = `out.csv.${process.pid}-999999.partial`;
    const other = `other.csv.${DEAD_PID}-1.partial`;
    for (const name of [dead, living, other]) writeFileSync(join(dir, name), 'half');
    const output = await GuardedOutput.open(checkOutputTarget(join(dir, 'out.csv')));
    await output.commit();
    expect(readdirSync(dir).sort()).toEqual([other, 'out.csv', living].sort());
  });

  it.runIf(existsSync('/dev/full'))('turns a device that fails into one ERR_IO naming it, raised by the next write or the commit', async () => {
    const output = await GuardedOutput.open(checkOutputTarget('/dev/full'));
    const failure = await (async () => {
      // The first writes may be buffered; the failure comes with a later one or the commit.
      for (let i = 0; i < 100; i++) await output.write(new Uint8Array(65_536));
      await output.commit();
    })().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(FlowhoundError);
    expect((failure as FlowhoundError).code).toBe('ERR_IO');
    expect((failure as FlowhoundError).describe()).toMatch(/^ERR_IO: \/dev\/full: cannot write the output: no space left on the device \(ENOSPC\)$/);
    await output.discard();
  });

  it('gives the addon a partial path, renamed on commit and removed on discard', async () => {
    const dir = tempDir();
    const kept = await GuardedNativeOutput.open(checkOutputTarget(join(dir, 'kept.pcap')));
    writeFileSync(kept.writePath, 'pcap bytes');
    await kept.commit();
    const dropped = await GuardedNativeOutput.open(checkOutputTarget(join(dir, 'dropped.pcap')));
    writeFileSync(dropped.writePath, 'half');
    await dropped.discard();
    expect(readdirSync(dir)).toEqual(['kept.pcap']);
    expect(readFileSync(join(dir, 'kept.pcap'), 'utf8')).toBe('pcap bytes');
  });
});

describe('checkOutputTargets', () => {
  it('refuses two outputs that are one file', () => {
    const dir = tempDir();
    expect(() => checkOutputTargets({ outputs: [join(dir, 'a.csv'), `${dir}/./a.csv`], inputs: [] })).toThrow(/two outputs are the same file/);
  });

  it('tells devices, files and standard output apart', () => {
    const dir = tempDir();
    expect(checkOutputTarget(null)).toEqual({ kind: 'standard-output' });
    expect(checkOutputTarget('-')).toEqual({ kind: 'standard-output' });
    expect(checkOutputTarget('/dev/null')).toEqual({ kind: 'special', path: '/dev/null' });
    expect(checkOutputTarget(join(dir, 'new.csv'))).toMatchObject({ kind: 'file', exists: false });
    expect(() => checkOutputTarget(dir)).toThrow(/it is a directory/);
  });
});

describe('EndAfterOutput', () => {
  const end: SessionEnd = { interrupted: false, failed: false, windows: 3, finishedAt: '2026-12-07T08:00:00.000Z' };

  function recording(): { ends: SessionEnd[]; listener: EndAfterOutput } {
    const ends: SessionEnd[] = [];
    return { ends, listener: new EndAfterOutput({ onWindow: () => {}, onFinish: (e) => void ends.push(e) }) };
  }

  it('holds a clean end until the output is written, then passes it on as it was', async () => {
    const { ends, listener } = recording();
    await listener.onFinish(end);
    expect(ends).toEqual([]);
    await listener.release({ outputWritten: true });
    await listener.release({ outputWritten: true });
    expect(ends).toEqual([end]);
  });

  it('passes the end on as failed when the output was not written', async () => {
    const { ends, listener } = recording();
    await listener.onFinish(end);
    await listener.release({ outputWritten: false });
    expect(ends).toEqual([{ ...end, failed: true }]);
  });

  it('passes an interrupted or failed end at once', async () => {
    const { ends, listener } = recording();
    await listener.onFinish({ ...end, interrupted: true });
    expect(ends).toEqual([{ ...end, interrupted: true }]);
    await listener.release({ outputWritten: true });
    expect(ends).toHaveLength(1);
  });
});
