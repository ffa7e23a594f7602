// A real nats-server with JetStream for the tests of sensors and scorers: on loopback, on a
// free port, its store in a temporary folder, stopped (and its folder removed) after. It can
// be stopped and started again on the same port and store, as an operator's restart would.
// Needs the `nats-server` binary (Debian: apt-get install nats-server); `natsTestBlocker()`
// says when it is missing, for a visible skip.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CANDIDATES = ['nats-server', '/usr/sbin/nats-server', '/usr/bin/nats-server', '/usr/local/bin/nats-server'];

/** The nats-server binary, or null. */
export function natsServerBinary(): string | null {
  for (const candidate of CANDIDATES) {
    if (candidate.includes('/') && !existsSync(candidate)) continue;
    if (spawnSync(candidate, ['--version'], { stdio: 'ignore' }).status === 0) return candidate;
  }
  return null;
}

/** '' when the NATS tests can run here; otherwise ' (SKIPPED: why)', for the test's title. */
export function natsTestBlocker(): string {
  return natsServerBinary() === null ? ' (SKIPPED: no nats-server binary; apt-get install nats-server)' : '';
}

/** A port nothing listens on now. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export interface NatsServerOptions {
  /** The server's max_payload, bytes (NATS's default is 1 MiB; a capture's window can be larger). */
  maxPayloadBytes?: number;
  /** Run it inside this network namespace (`ip netns exec`), beside a live capture's veth pair. */
  namespace?: string;
}

export class NatsServer {
  readonly port: number;
  readonly dir: string;
  readonly #binary: string;
  readonly #config: string;
  readonly #namespace: string | undefined;
  #process: ChildProcess | null = null;
  #log = '';

  private constructor(binary: string, port: number, dir: string, config: string, namespace: string | undefined) {
    this.#namespace = namespace;
    this.#binary = binary;
    this.port = port;
    this.dir = dir;
    this.#config = config;
  }

  /** Starts `nats-server -js -a 127.0.0.1 -p PORT -sd DIR`, and waits until it takes connections. */
  static async start(options: NatsServerOptions = {}): Promise<NatsServer> {
    const binary = natsServerBinary();
    if (binary === null) throw new Error('no nats-server binary (apt-get install nats-server)');
    const dir = mkdtempSync(join(tmpdir(), 'flowhound-nats-'));
    const config = join(dir, 'nats.conf');
    writeFileSync(config, `max_payload: ${options.maxPayloadBytes ?? 8 * 1024 * 1024}\n`);
    const server = new NatsServer(binary, await freePort(), dir, config, options.namespace);
    await server.resume();
    return server;
  }

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  /** What the server wrote, for a failing test's message. */
  get log(): string {
    return this.#log;
  }

  /** Starts it (again), on the same port and store. */
  async resume(): Promise<void> {
    if (this.#process !== null) return;
    const args = ['-c', this.#config, '-js', '-a', '127.0.0.1', '-p', String(this.port), '-sd', join(this.dir, 'store')];
    const child =
      this.#namespace === undefined
        ? spawn(this.#binary, args, { stdio: ['ignore', 'pipe', 'pipe'] })
        : spawn('ip', ['netns', 'exec', this.#namespace, this.#binary, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.#process = child;
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`nats-server did not start within 15 s:\n${this.#log}`)), 15_000);
      const onData = (chunk: Buffer) => {
        this.#log += chunk.toString();
        if (this.#log.includes('Server is ready')) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`nats-server exited (${code}) before it was ready:\n${this.#log}`));
      });
    });
    await ready;
  }

  /** Stops it (SIGTERM) and waits for it to be gone; its store stays. */
  async stop(): Promise<void> {
    const child = this.#process;
    if (child === null) return;
    this.#process = null;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await gone;
  }

  /** Stops it for good and removes its folder. */
  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
