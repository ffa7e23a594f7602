// Every command's output, end to end through the real CLI, when something goes wrong: a damaged
// input, a target that cannot be written, a target that is an input, an existing file on a
// terminal, and `kill -9` in the middle. Rows A, B and I of issue 15: on main before the guarded
// output path, A died of ERR_STREAM_DESTROYED with exit 1 and left out.csv.partial, B printed a
// stack trace with exit 1 and recorded the run as finished, and I overwrote the input.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, copyFileSync, existsSync, linkSync, mkdirSync, openSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { beforeAll, describe, expect, it } from 'vitest';

import { HistoryStore } from '../../src/history/store.js';
import { buildPcap, type PacketSpec } from '../helpers/pcap-builder.js';
import { repoRoot, runCli, tempDir, testDataHome, type CliResult } from '../helpers/run-cli.js';

const BIN = join(repoRoot, 'bin', 'flowhound.mjs');
/** 238 packets of synthetic flows (test/fixtures/argus/README.md). */
const FIXTURE = join(repoRoot, 'test', 'fixtures', 'argus', 'status-interval.pcap');
const PARTIAL = /\.\d+-\d+\.partial$/;

/** What a failed run must never show: Node's own crash, or a stack trace. */
function expectCleanFailure(result: CliResult, code: string): void {
  expect(result.status, result.stderr).toBe(2);
  expect(result.stderr).toMatch(new RegExp(`^flowhound: ${code}: `, 'm'));
  expect(result.stderr).not.toMatch(/ERR_STREAM_DESTROYED|UnhandledPromiseRejection|\n\s+at /);
}

describe('a capture cut short (row A)', () => {
  let dir: string;
  let cut: string;

  beforeAll(() => {
    dir = tempDir();
    cut = join(dir, 'cut.pcap');
    // As `head -c -11`: the last record ends 11 bytes early.
    const whole = readFileSync(FIXTURE);
    writeFileSync(cut, whole.subarray(0, whole.length - 11));
  });

  it.each([['out.csv'], ['out.arrow'], ['/dev/null']])('flows -o %s ends with ERR_PCAP_TRUNCATED, exit 2, and leaves no file', (target) => {
    const output = target.startsWith('/') ? target : join(dir, target);
    const result = runCli(['flows', cut, '-o', output]);
    expectCleanFailure(result, 'ERR_PCAP_TRUNCATED');
    expect(result.stderr).toContain('cut.pcap at byte 18036 (packet 238)');
    expect(readdirSync(dir)).toEqual(['cut.pcap']);
  });

  it('features -o f.arrow ends the same way, with neither table left', () => {
    const result = runCli(['features', cut, '-o', join(dir, 'f.arrow')]);
    expectCleanFailure(result, 'ERR_PCAP_TRUNCATED');
    expect(readdirSync(dir)).toEqual(['cut.pcap']);
  });
});

describe('an output that cannot be written (row B)', () => {
  let dir: string;

  beforeAll(() => {
    dir = tempDir();
    writeFileSync(join(dir, 'a-file'), 'not a directory\n');
  });

  it('a missing directory is ERR_IO naming the path, before any work', () => {
    const target = join(dir, 'missing', 'out.json');
    const result = runCli(['analyze', FIXTURE, '--no-db', '-o', target]);
    expectCleanFailure(result, 'ERR_IO');
    expect(result.stderr).toContain(`ERR_IO: ${target}: `);
    // Refused before reading: no progress, no summary.
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('a path under a regular file is ERR_IO, for flows and features alike', () => {
    const target = join(dir, 'a-file', 'out.csv');
    for (const args of [['flows', FIXTURE, '-o', target], ['features', FIXTURE, '-o', target]]) {
      const result = runCli(args);
      expectCleanFailure(result, 'ERR_IO');
      expect(result.stderr).toContain(`ERR_IO: ${target}: `);
    }
  });

  it.runIf(existsSync('/dev/full'))('a full device is ERR_IO naming it, with exit 2', () => {
    const result = runCli(['flows', FIXTURE, '-o', '/dev/full']);
    expectCleanFailure(result, 'ERR_IO');
    expect(result.stderr).toContain('ERR_IO: /dev/full: cannot write the output: no space left on the device');
  });

  it.runIf(existsSync('/dev/full'))('standard output on a full device (> /dev/full) is ERR_IO too', () => {
    const full = openSync('/dev/full', 'w');
    try {
      for (const args of [['flows', FIXTURE], ['analyze', FIXTURE, '--no-db', '--format', 'json']]) {
        const result = spawnSync(process.execPath, [BIN, ...args], { stdio: ['ignore', full, 'pipe'], encoding: 'utf8', env: { ...process.env, CI: 'true', XDG_DATA_HOME: testDataHome } });
        expectCleanFailure({ status: result.status, stdout: '', stderr: result.stderr }, 'ERR_IO');
        expect(result.stderr).toContain('ERR_IO: standard output: cannot write the output: no space left on the device');
      }
    } finally {
      closeSync(full);
    }
  });

  it.runIf(existsSync('/dev/full'))('analyze --db whose output fails does not record the run as finished', () => {
    const db = join(dir, 'history.sqlite');
    const result = runCli(['analyze', FIXTURE, '--db', db, '--format', 'json', '-q', '-o', '/dev/full']);
    expectCleanFailure(result, 'ERR_IO');
    const store = HistoryStore.open(db, { mode: 'read' });
    try {
      const runs = store.runs();
      expect(runs).toHaveLength(1);
      expect(runs[0]!.status).toBe('interrupted');
      // What was scored is kept: the windows were whole before the output failed.
      expect(runs[0]!.windows).toBeGreaterThan(0);
    } finally {
      store.close();
    }
  });

  it('analyze --db with an output it cannot write starts no run', () => {
    const db = join(dir, 'unused.sqlite');
    const result = runCli(['analyze', FIXTURE, '--db', db, '-o', join(dir, 'missing', 'out.json')]);
    expectCleanFailure(result, 'ERR_IO');
    expect(existsSync(db)).toBe(false);
  });
});

/** Runs the CLI on a terminal (a pty from util-linux `script`), typing `typed`. */
function runOnTerminal(args: string[], typed: string): CliResult {
  const quoted = [process.execPath, BIN, ...args].map((arg) => `'${arg.replace(/'/g, "'\\''")}'`).join(' ');
  const result = spawnSync('script', ['-qec', quoted, '/dev/null'], {
    encoding: 'utf8',
    input: typed,
    env: { ...process.env, CI: 'true', XDG_DATA_HOME: testDataHome },
  });
  // On a pty standard output and error are one stream.
  return { status: result.status, stdout: result.stdout, stderr: result.stdout };
}

const hasScript = spawnSync('script', ['--version']).status === 0;

describe('an output that is an input, or exists (row I)', () => {
  let dir: string;
  let input: string;
  let inputBytes: Buffer;

  beforeAll(() => {
    dir = tempDir();
    input = join(dir, 'in.pcap');
    copyFileSync(FIXTURE, input);
    inputBytes = readFileSync(FIXTURE);
  });

  it('is refused when it is one of the inputs, under any name, and the input is untouched', () => {
    symlinkSync(input, join(dir, 'symlink.pcap'));
    linkSync(input, join(dir, 'hardlink.pcap'));
    const cases = [
      ['flows', input, '-o', input],
      ['flows', input, '-o', join(dir, 'symlink.pcap')],
      ['flows', input, '-o', join(dir, 'hardlink.pcap')],
      ['flows', input, '-o', `${dir}/./in.pcap`],
      ['features', input, '-o', join(dir, 'hardlink.pcap'), '--format', 'csv'],
      ['analyze', input, '--no-db', '--format', 'json', '-o', input],
    ];
    for (const args of cases) {
      const result = runCli(args);
      expectCleanFailure(result, 'ERR_USAGE');
      expect(result.stderr, args.join(' ')).toMatch(/refusing to write the output .* over the input .*in\.pcap: they are the same file/);
      expect(readFileSync(input).equals(inputBytes)).toBe(true);
    }
  });

  it('a history given as the output of analyze is refused', () => {
    const db = join(dir, 'history.sqlite');
    expect(runCli(['analyze', input, '--db', db, '-q', '--format', 'json', '-o', join(dir, 'first.json')]).status).toBe(0);
    const before = readFileSync(db);
    const result = runCli(['analyze', input, '--db', db, '--format', 'json', '-o', db]);
    expectCleanFailure(result, 'ERR_USAGE');
    expect(readFileSync(db).equals(before)).toBe(true);
  });

  it.runIf(hasScript)('every command asks on a terminal before overwriting, and -y overwrites without asking', () => {
    const flows = join(dir, 'flows.binetflow');
    expect(runCli(['flows', input, '--whole', '-q', '-o', flows]).status).toBe(0);
    const db = join(dir, 'asked.sqlite');
    expect(runCli(['analyze', input, '--db', db, '-q', '--format', 'json', '-o', join(dir, 'ranking.json')]).status).toBe(0);
    const commands: [string, string[]][] = [
      ['flows.csv', ['flows', input]],
      ['table.csv', ['features', input]],
      ['report.json', ['report', '--db', db]],
      ['rebuilt.pcap', ['synth', flows, '--no-labels']],
      ['ranking.json', ['analyze', input, '--no-db']],
    ];
    for (const [name, args] of commands) {
      const target = join(dir, name);
      writeFileSync(target, 'keep me\n');
      const refused = runOnTerminal([...args, '-o', target], 'n\n');
      expect(refused.stdout, name).toContain(`${target} exists; overwrite it? [y/N]`);
      expect(refused.status, refused.stdout).toBe(2);
      expect(refused.stdout).toContain(`ERR_USAGE: not overwriting ${target}`);
      expect(readFileSync(target, 'utf8')).toBe('keep me\n');

      const accepted = runOnTerminal([...args, '-o', target], 'y\n');
      expect(accepted.status, accepted.stdout).toBe(0);
      expect(readFileSync(target, 'utf8')).not.toBe('keep me\n');

      writeFileSync(target, 'keep me\n');
      const yes = runOnTerminal([...args, '-y', '-o', target], '');
      expect(yes.status, yes.stdout).toBe(0);
      expect(yes.stdout).not.toContain('overwrite it?');
      expect(readFileSync(target, 'utf8')).not.toBe('keep me\n');
    }
  });

  it('off a terminal overwrites without asking, as before', () => {
    const target = join(dir, 'piped.csv');
    writeFileSync(target, 'keep me\n');
    expect(runCli(['flows', input, '-q', '-o', target]).status).toBe(0);
    expect(readFileSync(target, 'utf8')).toMatch(/^StartTime,/);
  });
});

describe('an output with nothing in it', () => {
  it('is still a whole file: the CSV header, the Arrow schema', () => {
    const dir = tempDir();
    const empty = join(dir, 'empty.pcap');
    // A pcap file header and no packets.
    writeFileSync(empty, readFileSync(FIXTURE).subarray(0, 24));
    expect(runCli(['flows', empty, '-q', '-o', join(dir, 'empty.csv')]).status).toBe(0);
    expect(readFileSync(join(dir, 'empty.csv'), 'utf8')).toBe('StartTime,Dur,Proto,SrcAddr,Sport,Dir,DstAddr,Dport,State,sTos,dTos,TotPkts,TotBytes,SrcBytes,SrcPkts,WindowStart\n');
    for (const name of ['empty.arrow', 'empty.arrows']) {
      expect(runCli(['flows', empty, '-q', '-o', join(dir, name)]).status).toBe(0);
      const table = tableFromIPC(readFileSync(join(dir, name)));
      expect(table.numRows).toBe(0);
      expect(table.schema.fields.map((field) => field.name)).toContain('start_time');
    }
  });
});

/** Many distinct UDP flows, so that writing them takes a while. */
function manyFlowsCapture(flows: number): Uint8Array {
  const packets: PacketSpec[] = [];
  const startUs = Date.UTC(2024, 0, 1) * 1000;
  for (let i = 0; i < flows; i++) {
    packets.push({ timeUs: startUs + i * 1000, src: `10.0.${(i >> 8) & 255}.${i & 255}`, dst: '192.0.2.1', proto: 17, srcPort: 1024 + (i % 60000), dstPort: 53, payloadBytes: 20 });
  }
  return buildPcap(packets);
}

describe('flows -o killed with SIGKILL (kill -9)', () => {
  it('never leaves a file under the target name that is not the complete output; a later run clears the partial files', async () => {
    const dir = tempDir();
    const input = join(dir, 'many.pcap');
    writeFileSync(input, manyFlowsCapture(40_000));
    const reference = join(dir, 'reference.csv');
    expect(runCli(['flows', input, '-q', '-o', reference]).status).toBe(0);
    const complete = readFileSync(reference);
    const outputs = join(dir, 'out');
    mkdirSync(outputs);
    const target = join(outputs, 'out.csv');

    // Half the kills come after a random delay (before, during or after the output opens), half
    // when the partial file has reached a random part of the complete output's size.
    let killedWhileWriting = 0;
    for (let trial = 0; trial < 8; trial++) {
      const byDelay = trial % 2 === 0;
      const moment = Math.random();
      const child = spawn(process.execPath, [BIN, 'flows', input, '-q', '-y', '-o', target], { stdio: 'ignore', env: { ...process.env, CI: 'true' } });
      const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
      const kill = () => child.kill('SIGKILL');
      if (byDelay) {
        setTimeout(kill, moment * 1500);
      } else {
        const poll = setInterval(() => {
          const partial = readdirSync(outputs).find((entry) => PARTIAL.test(entry));
          const written = partial === undefined ? 0 : (statSync(join(outputs, partial), { throwIfNoEntry: false })?.size ?? 0);
          if (written >= moment * complete.length) {
            clearInterval(poll);
            kill();
          }
        }, 2);
        void exited.then(() => clearInterval(poll));
      }
      await exited;
      const what = `trial ${trial}, killed ${byDelay ? `after ${Math.round(moment * 1500)} ms` : `at ${Math.round(moment * 100)}% written`}`;
      if (readdirSync(outputs).some((entry) => PARTIAL.test(entry))) killedWhileWriting++;
      for (const entry of readdirSync(outputs)) {
        if (entry === 'out.csv') expect(readFileSync(target).equals(complete), `${what}: out.csv is not the complete output`).toBe(true);
        else expect(entry, what).toMatch(/^out\.csv\.\d+-\d+\.partial$/);
      }
    }

    // The kills at a part of the size came while the file was being written: this is no test of finished runs only.
    expect(killedWhileWriting).toBeGreaterThan(0);
    expect(runCli(['flows', input, '-q', '-o', target]).status).toBe(0);
    expect(readdirSync(outputs)).toEqual(['out.csv']);
    expect(readFileSync(target).equals(complete)).toBe(true);
  });
});
