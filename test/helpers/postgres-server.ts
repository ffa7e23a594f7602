// A real PostgreSQL server for tests: a fresh cluster (initdb) in a temporary folder, listening
// on 127.0.0.1 on a free port, its Unix socket in that folder, stopped and removed after.
//
// PostgreSQL refuses to run as root, and the CI runs the tests as root: then the server runs as
// the `postgres` user (Debian's package makes it; else `nobody`), through `setpriv`, which execs
// in place, so the child we spawn is the postmaster itself and its pid is the one to signal. The
// folder is made under /tmp, not under the tests' TMPDIR (a root-only 0700 folder), and owned by
// that user; nothing of the checkout (a clone under /root in CI, which others cannot read) is
// needed by the server.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { userInfo } from 'node:os';

/** The folder of initdb, postgres and pg_ctl: FLOWHOUND_PG_BINDIR, else Debian's newest, else null. */
export function postgresBinDir(): string | null {
  const given = process.env.FLOWHOUND_PG_BINDIR;
  if (given) return existsSync(join(given, 'initdb')) ? given : null;
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((v) => /^\d+$/.test(v) && existsSync(join(root, v, 'bin', 'initdb')) && existsSync(join(root, v, 'bin', 'postgres')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length > 0 ? join(root, versions[0]!, 'bin') : null;
}

/** Why the PostgreSQL tests cannot run here, or null when they can. */
export function postgresUnavailable(): string | null {
  return postgresBinDir() === null
    ? 'PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb; apt-get install postgresql, or set FLOWHOUND_PG_BINDIR)'
    : null;
}

interface Account {
  uid: number;
  gid: number;
  name: string;
}

/** Who runs the server: ourselves unless root; as root, `postgres` (else `nobody`). */
function serverAccount(): Account | null {
  if (process.getuid?.() !== 0) return null;
  for (const name of ['postgres', 'nobody']) {
    const id = spawnSync('id', ['-u', name], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', name], { encoding: 'utf8' });
    if (id.status === 0 && gid.status === 0) return { name, uid: Number(id.stdout.trim()), gid: Number(gid.stdout.trim()) };
  }
  throw new Error('running as root, but there is neither a postgres nor a nobody user to run PostgreSQL as');
}

/** The command line that runs `program` as `account` (setpriv execs in place: the pid stays the program's). */
function asAccount(account: Account | null, program: string, args: string[]): [string, string[]] {
  if (account === null) return [program, args];
  return ['setpriv', [`--reuid=${account.uid}`, `--regid=${account.gid}`, '--clear-groups', '--', program, ...args]];
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export class PostgresServer {
  readonly dir: string;
  readonly port: number;
  readonly #bin: string;
  readonly #account: Account | null;
  #child: ChildProcess | null = null;
  #log: string[] = [];

  private constructor(dir: string, port: number, bin: string, account: Account | null) {
    this.dir = dir;
    this.port = port;
    this.#bin = bin;
    this.#account = account;
  }

  /** The superuser's URL over TCP (trust authentication on loopback), for database `name`. */
  url(name = 'postgres'): string {
    return `postgres://flowhound@127.0.0.1:${this.port}/${name}`;
  }

  /** initdb, then start. */
  static async start(): Promise<PostgresServer> {
    const bin = postgresBinDir();
    if (bin === null) throw new Error(postgresUnavailable()!);
    const account = serverAccount();
    const dir = mkdtempSync(join('/tmp', 'flowhound-pg-'));
    if (account) chownSync(dir, account.uid, account.gid);
    const data = join(dir, 'data');
    const [program, args] = asAccount(account, join(bin, 'initdb'), ['-D', data, '-U', 'flowhound', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
    const init = spawnSync(program, args, { cwd: dir, encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
    if (init.status !== 0) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`initdb failed (as ${account?.name ?? userInfo().username}): ${init.stderr || init.stdout}`);
    }
    // A port can be taken between freePort and the bind: try a few.
    let lastError: unknown = null;
    for (let attempt = 0; attempt < 5; attempt++) {
      const server = new PostgresServer(dir, await freePort(), bin, account);
      try {
        await server.resume();
        return server;
      } catch (error) {
        lastError = error;
        await server.#halt('SIGKILL');
      }
    }
    rmSync(dir, { recursive: true, force: true });
    throw lastError;
  }

  /**
   * Starts the server on its folder and port (after `halt`), and waits until it accepts
   * connections. Right after a kill -9 the old backends may hold the shared memory or the lock
   * file for a moment: then it tries again, for up to 15 s.
   */
  async resume(): Promise<void> {
    if (this.#child) throw new Error('the server is running');
    const deadline = Date.now() + 15_000;
    for (;;) {
      try {
        await this.#startOnce();
        return;
      } catch (error) {
        const busy = /pre-existing shared memory block|lock file .* already exists|is another postmaster/.test(this.#log.join(''));
        if (!busy || Date.now() > deadline) throw error;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  }

  async #startOnce(): Promise<void> {
    this.#log = [];
    const [program, args] = asAccount(this.#account, join(this.#bin, 'postgres'), [
      '-D', join(this.dir, 'data'),
      '-p', String(this.port),
      '-c', 'listen_addresses=127.0.0.1',
      '-c', `unix_socket_directories=${this.dir}`,
      // A test server: speed over durability of the machine's power, never of a commit the
      // server acknowledged while it runs (a restart keeps every commit: fsync only guards
      // against the operating system going down).
      '-c', 'fsync=off',
      '-c', 'synchronous_commit=on',
      '-c', 'full_page_writes=off',
      '-c', 'max_connections=40',
      '-c', 'shared_buffers=16MB',
    ]);
    const child = spawn(program, args, { cwd: this.dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
    this.#child = child;
    // A test process that dies leaves no server behind.
    const onExit = () => child.kill('SIGKILL');
    process.once('exit', onExit);
    const keep = (chunk: Buffer) => this.#log.push(chunk.toString('utf8'));
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const exited = new Promise<never>((_, reject) =>
      child.once('exit', (code, signal) => {
        process.removeListener('exit', onExit);
        if (this.#child === child) this.#child = null;
        reject(new Error(`postgres exited (${code ?? signal}): ${this.#log.join('')}`));
      }),
    );
    exited.catch(() => {});
    const deadline = Date.now() + 30_000;
    const isready = join(this.#bin, 'pg_isready');
    for (;;) {
      const ready = spawnSync(isready, ['-h', '127.0.0.1', '-p', String(this.port), '-U', 'flowhound', '-d', 'postgres', '-t', '1'], { encoding: 'utf8' });
      if (ready.status === 0) return;
      if (child.exitCode !== null || child.signalCode !== null) await exited;
      if (Date.now() > deadline) throw new Error(`postgres did not start within 30 s: ${this.#log.join('')}`);
      await Promise.race([new Promise((r) => setTimeout(r, 100)), exited]);
    }
  }

  /**
   * Stops the server and waits for it to exit. SIGINT: "fast" shutdown (sessions are ended,
   * committed work kept); SIGQUIT: "immediate" (no checkpoint, as after a crash: recovery on the
   * next start); SIGKILL: the postmaster dies at once (its children notice and leave).
   */
  async halt(signal: 'SIGINT' | 'SIGQUIT' | 'SIGKILL' = 'SIGINT'): Promise<void> {
    await this.#halt(signal);
  }

  async #halt(signal: NodeJS.Signals): Promise<void> {
    const child = this.#child;
    this.#child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(timer);
    if (signal === 'SIGKILL') {
      // The backends outlive a killed postmaster for a moment; the next start waits for them
      // (postmaster.pid and the shared memory), so give them time to notice and leave.
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  /** Creates a database (one per test keeps tests apart); returns its URL. */
  async createDatabase(name: string): Promise<string> {
    const { Client } = (await import('pg')).default;
    const client = new Client({ connectionString: this.url() });
    await client.connect();
    try {
      await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
    } finally {
      await client.end();
    }
    return this.url(name);
  }

  /** Stops the server and removes its folder. */
  async stop(): Promise<void> {
    await this.#halt('SIGINT');
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** What the server logged since it last started. */
  log(): string {
    return this.#log.join('');
  }
}
