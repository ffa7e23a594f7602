// Pipes and standard input (issue 15, item 4): every input kind read from `-` (standard input)
// and from a FIFO gives what it gives read from its file, for `flows` and `analyze`. The
// format is told from the bytes already read, never by opening the input again, and a reader
// waiting on a pipe ends when its writer closes.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

import { buildPcapng } from '../helpers/pcap-builder.js';
import { repoRoot, runCli, tempDir, testDataHome } from '../helpers/run-cli.js';
import { SMALL_LAN_PACKETS } from '../helpers/small-lan.js';

const bin = join(repoRoot, 'bin', 'flowhound.mjs');
const fixtures = join(repoRoot, 'test', 'fixtures');
/** Long enough for the slowest input here; a reader that hangs on a pipe fails by it. */
const TIMEOUT_MS = 60_000;

let dir: string;
/** Every input kind, with the LAN analyze ranks it in. */
const inputs: { kind: string; path: string; lan: string; utcOffset?: string }[] = [];

beforeAll(() => {
  dir = tempDir();
  const pcapng = join(dir, 'small-lan.pcapng');
  writeFileSync(pcapng, buildPcapng(SMALL_LAN_PACKETS));
  const arrowFile = join(dir, 'flows.arrow');
  const arrowStream = join(dir, 'flows.arrows');
  const excerpt = join(fixtures, 'flowfiles', 'ctu13-scenario6-excerpt.binetflow');
  for (const out of [arrowFile, arrowStream]) expect(runCli(['flows', excerpt, '--utc-offset', '120', '-o', out, '-q']).status).toBe(0);
  inputs.push(
    // 3 MB: many times a pipe's buffer, so the reader waits on the writer again and again.
    { kind: 'pcap', path: join(repoRoot, 'models', 'demo', 'ctu13-scenario6-slice.pcap'), lan: '147.32.0.0/16' },
    { kind: 'pcapng', path: pcapng, lan: '192.168.0.0/16' },
    { kind: 'binetflow', path: excerpt, lan: '147.32.0.0/16', utcOffset: '120' },
    { kind: 'gzip binetflow', path: join(fixtures, 'flowfiles', 'ctu13-scenario11-excerpt.binetflow.gz'), lan: '147.32.0.0/16', utcOffset: '120' },
    { kind: 'NetFlow CSV', path: join(fixtures, 'flowfiles', 'netflow-pandas.csv'), lan: '147.32.0.0/16' },
    { kind: 'Zeek TSV', path: join(fixtures, 'zeek', 'iot23-excerpt.conn.log.labeled'), lan: '192.168.0.0/16' },
    { kind: 'Zeek JSON', path: join(fixtures, 'zeek', 'conn-hand.json'), lan: '10.0.0.0/8' },
    { kind: 'Arrow file', path: arrowFile, lan: '147.32.0.0/16' },
    { kind: 'Arrow stream', path: arrowStream, lan: '147.32.0.0/16' },
  );
});

interface Run {
  status: number | null;
  stdout: Buffer;
  stderr: string;
}

const env = { ...process.env, CI: 'true', XDG_DATA_HOME: testDataHome };

/**
 * The CLI with `stdin` on its standard input: a socket, as Node.js's child processes get (the
 * CLI's own Node.js makes it non-blocking: the reader must wait, not fail with EAGAIN).
 */
function runWithStdin(args: string[], stdin: Buffer): Run {
  const result = spawnSync(process.execPath, [bin, ...args], { input: stdin, env, maxBuffer: 256 * 1024 * 1024, timeout: TIMEOUT_MS });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr.toString() };
}

/** The CLI at the end of a shell pipeline, `cat FILE | flowhound ARGS`: standard input a pipe. */
function runPiped(args: string[], file: string): Run {
  const result = spawnSync('sh', ['-c', 'file=$1; shift; cat "$file" | "$@"', 'sh', file, process.execPath, bin, ...args], {
    env,
    maxBuffer: 256 * 1024 * 1024,
    timeout: TIMEOUT_MS,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr.toString() };
}

/**
 * The CLI reading `fifo`, which another process fills with `bytes` (in two parts a little
 * apart, as a slow writer does) and then closes.
 */
function runWithFifo(args: string[], fifo: string, bytes: Buffer): Run {
  execFileSync('mkfifo', [fifo]);
  const half = join(dir, `half-${Math.random().toString(36).slice(2)}`);
  const rest = `${half}.rest`;
  const cut = Math.floor(bytes.length / 2);
  writeFileSync(half, bytes.subarray(0, cut));
  writeFileSync(rest, bytes.subarray(cut));
  // The writer opens the FIFO once, writes, pauses, writes the rest, closes.
  const writer = spawn('sh', ['-c', `{ cat "$1"; sleep 0.3; cat "$2"; } > "$3"`, 'sh', half, rest, fifo], { stdio: 'ignore' });
  const result = spawnSync(process.execPath, [bin, ...args], { env, maxBuffer: 256 * 1024 * 1024, timeout: TIMEOUT_MS });
  writer.kill();
  return { status: result.status, stdout: result.stdout, stderr: result.stderr.toString() };
}

/** What analyze's JSON says of the hosts and windows (not of the run: paths, times). */
/** The ranking of analyze's JSON, without what names the input as given (`-`, a FIFO, the file). */
function ranking(json: string): unknown {
  const parsed = JSON.parse(json) as { hosts: Record<string, unknown>[]; windows: unknown; groups: unknown };
  const hosts = parsed.hosts.map(({ inputs: _inputs, flows_commands: _commands, ...host }) => host);
  return { hosts, windows: parsed.windows, groups: parsed.groups };
}

describe('every input kind from standard input and from a FIFO', () => {
  it('flows: `-`, a FIFO and /dev/stdin give the records the file gives', () => {
    for (const input of inputs) {
      const offset = input.utcOffset ? ['--utc-offset', input.utcOffset] : [];
      const fromFile = runCli(['flows', input.path, ...offset, '-q']);
      expect(fromFile.status, `${input.kind}: ${fromFile.stderr}`).toBe(0);
      expect(fromFile.stdout.split('\n').length, input.kind).toBeGreaterThan(2);
      const bytes = readFileSync(input.path);
      const fromStdin = runWithStdin(['flows', '-', ...offset, '-q'], bytes);
      expect(fromStdin.stderr, input.kind).toBe('');
      expect(fromStdin.status, input.kind).toBe(0);
      expect(fromStdin.stdout.toString(), input.kind).toBe(fromFile.stdout);
      for (const name of ['-', '/dev/stdin']) {
        const piped = runPiped(['flows', name, ...offset, '-q'], input.path);
        expect(piped.stdout.toString(), `${input.kind} piped to ${name}: ${piped.stderr}`).toBe(fromFile.stdout);
        expect(piped.status, input.kind).toBe(0);
      }
      const fifo = join(dir, `flows-${inputs.indexOf(input)}.fifo`);
      const fromFifo = runWithFifo(['flows', fifo, ...offset, '-q'], fifo, bytes);
      expect(fromFifo.stderr, input.kind).toBe('');
      expect(fromFifo.status, input.kind).toBe(0);
      expect(fromFifo.stdout.toString(), input.kind).toBe(fromFile.stdout);
    }
  }, 10 * TIMEOUT_MS);

  it('analyze: `-` and a FIFO rank the hosts the file ranks', () => {
    for (const input of inputs) {
      const args = ['--no-db', '--lan', input.lan, '--format', 'json', '-q', ...(input.utcOffset ? ['--utc-offset', input.utcOffset] : [])];
      const fromFile = runCli(['analyze', input.path, ...args]);
      expect(fromFile.status, `${input.kind}: ${fromFile.stderr}`).toBe(0);
      const expected = ranking(fromFile.stdout);
      const bytes = readFileSync(input.path);
      const fromStdin = runWithStdin(['analyze', '-', ...args], bytes);
      expect(fromStdin.status, `${input.kind}: ${fromStdin.stderr}`).toBe(0);
      expect(ranking(fromStdin.stdout.toString()), input.kind).toEqual(expected);
      const piped = runPiped(['analyze', '-', ...args], input.path);
      expect(piped.status, `${input.kind}: ${piped.stderr}`).toBe(0);
      expect(ranking(piped.stdout.toString()), input.kind).toEqual(expected);
      const fifo = join(dir, `analyze-${inputs.indexOf(input)}.fifo`);
      const fromFifo = runWithFifo(['analyze', fifo, ...args], fifo, bytes);
      expect(fromFifo.status, `${input.kind}: ${fromFifo.stderr}`).toBe(0);
      expect(ranking(fromFifo.stdout.toString()), input.kind).toEqual(expected);
    }
  }, 10 * TIMEOUT_MS);

  it('a reader waiting on a FIFO ends when the writer closes: an empty or cut input is a clean error', () => {
    const empty = runWithFifo(['flows', join(dir, 'empty.fifo')], join(dir, 'empty.fifo'), Buffer.alloc(0));
    expect(empty.stderr).toMatch(/ERR_EMPTY_FILE: .*empty\.fifo/);
    expect(empty.status).toBe(2);
    const capture = readFileSync(inputs[0]!.path);
    // To standard output: `-o FILE` after a read error is the output layer's (issue 15, item 1).
    const cut = runWithFifo(['flows', join(dir, 'cut.fifo')], join(dir, 'cut.fifo'), capture.subarray(0, capture.length - 11));
    expect(cut.stderr).toMatch(/ERR_PCAP_TRUNCATED: .*cut\.fifo at byte \d+/);
    expect(cut.status).toBe(2);
    const stdinEmpty = runWithStdin(['analyze', '-', '--no-db'], Buffer.alloc(0));
    expect(stdinEmpty.stderr).toMatch(/ERR_EMPTY_FILE: -/);
    expect(stdinEmpty.status).toBe(2);
  }, 3 * TIMEOUT_MS);
});
