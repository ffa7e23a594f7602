// A veth pair inside a network namespace of its own, for the live capture's tests: packets
// tcpreplay sends on one end are what `flowhound live` sees on the other, and nothing else
// (no addresses, IPv6 off: no router solicitations, no neighbour discovery). Needs root, `ip
// netns` and tcpreplay; `liveTestBlocker()` says what is missing, for a visible skip.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';

import { native } from '../../src/native.js';

/** '' when the live tests can run here; otherwise ' (SKIPPED: why)', for the test's title. */
export function liveTestBlocker(): string {
  if (!native.liveDefaults().available) return ' (SKIPPED: the addon was built without libpcap; apt-get install libpcap-dev, npm run build:native)';
  if (process.getuid?.() !== 0) return ' (SKIPPED: needs root, for a network namespace and a veth pair; CI runs as root)';
  if (spawnSync('ip', ['netns', 'list'], { stdio: 'ignore' }).status !== 0) return " (SKIPPED: no 'ip netns' (iproute2))";
  if (spawnSync('tcpreplay', ['--version'], { stdio: 'ignore' }).status !== 0) return ' (SKIPPED: no tcpreplay; apt-get install tcpreplay)';
  return '';
}

let pairs = 0;

export class VethPair {
  readonly namespace: string;
  /** The end tcpreplay sends on, and the end flowhound captures on. */
  readonly sender: string;
  readonly receiver: string;

  private constructor(namespace: string, sender: string, receiver: string) {
    this.namespace = namespace;
    this.sender = sender;
    this.receiver = receiver;
  }

  static create(): VethPair {
    const id = `${process.pid % 100_000}${pairs++}`;
    const pair = new VethPair(`flowhound-test-${id}`, `fht${id}`, `fhr${id}`);
    run('ip', ['netns', 'add', pair.namespace]);
    const script = [
      'sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1',
      `ip link add ${pair.sender} mtu 9000 type veth peer name ${pair.receiver} mtu 9000`,
      `ip link set ${pair.sender} up`,
      `ip link set ${pair.receiver} up`,
    ].join(' && ');
    pair.exec('sh', ['-c', script]);
    return pair;
  }

  /** Runs a command in the namespace, to its end. */
  exec(command: string, args: string[]): { stdout: string; stderr: string } {
    return run('ip', ['netns', 'exec', this.namespace, command, ...args]);
  }

  /** Starts a command in the namespace. */
  spawn(command: string, args: string[], env: Record<string, string> = {}): ChildProcess {
    return spawn('ip', ['netns', 'exec', this.namespace, command, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  }

  /** Replays a capture onto the sender end; returns the packets tcpreplay says it sent. */
  replay(capture: string, options: { multiplier?: number; limit?: number; topspeed?: boolean; pps?: number } = {}): { sent: number; output: string } {
    const args = ['-i', this.sender];
    if (options.topspeed) args.push('--topspeed');
    else if (options.pps) args.push(`--pps=${options.pps}`);
    else args.push(`--multiplier=${options.multiplier ?? 1}`);
    if (options.limit) args.push(`--limit=${options.limit}`);
    const { stdout, stderr } = this.exec('tcpreplay', [...args, capture]);
    const sent = /Actual: (\d+) packets/.exec(stdout);
    if (!sent) throw new Error(`tcpreplay said no packet count:\n${stdout}\n${stderr}`);
    return { sent: Number(sent[1]), output: stdout };
  }

  destroy(): void {
    spawnSync('ip', ['netns', 'delete', this.namespace], { stdio: 'ignore' });
  }
}

function run(command: string, args: string[]): { stdout: string; stderr: string } {
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status}): ${result.stderr}`);
  return { stdout: result.stdout, stderr: result.stderr };
}

/** A child's output so far, and a way to wait for a line in it or for its end. */
export class Watched {
  stdout = '';
  stderr = '';
  readonly exited: Promise<number | null>;
  readonly child: ChildProcess;

  constructor(child: ChildProcess) {
    this.child = child;
    child.stdout!.setEncoding('utf8').on('data', (text: string) => (this.stdout += text));
    child.stderr!.setEncoding('utf8').on('data', (text: string) => (this.stderr += text));
    this.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? -1 : null))));
  }

  /** Resolves once `test` holds of the output (checked every 50 ms), or rejects after `timeoutMs`. */
  async until(test: (watched: Watched) => boolean, timeoutMs = 60_000): Promise<void> {
    const started = Date.now();
    while (!test(this)) {
      if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting; stderr so far:\n${this.stderr}\nstdout so far:\n${this.stdout}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
