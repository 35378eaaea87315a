/**
 * A real, throw-away PostgreSQL for the tests: Debian's PostgreSQL 15 binaries, a temporary data
 * directory, a free loopback port, the unix socket inside the temporary directory (not
 * /var/run/postgresql), trust authentication, fsync off.
 *
 * initdb and pg_ctl refuse to run as root, so as root they run as the `postgres` user through
 * `runuser`; as any other user they run directly.
 *
 * Nothing is left running: `stop()` stops the server and removes the directory; the same happens
 * on process exit and on SIGINT/SIGTERM/SIGHUP, and a small watchdog process stops the server
 * when the test process disappears without running its handlers (SIGKILL, crash).
 *
 * Missing binaries are an error (the tests fail, they do not skip): run
 * `bash scripts/setup.sh --postgres`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { execFile, execFileSync, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import pg from 'pg';

const execFileAsync = promisify(execFile);

export const PG_BIN_DIR = process.env['AE_PG_BIN_DIR'] ?? '/usr/lib/postgresql/15/bin';

export interface PgServer {
  /** URL of the database created for the caller (`postgres://postgres@127.0.0.1:PORT/auth_test`). */
  readonly url: string;
  readonly port: number;
  /** Create one more empty database and return its URL. */
  createDatabase(name?: string): Promise<string>;
  /** Stop the server (fast shutdown) and remove its directory. Idempotent. */
  stop(): Promise<void>;
}

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

/** argv to run a PostgreSQL binary as the right user. */
function command(bin: string, args: string[]): [string, string[]] {
  const exe = path.join(PG_BIN_DIR, bin);
  return isRoot ? ['runuser', ['-u', 'postgres', '--', exe, ...args]] : [exe, args];
}

async function run(bin: string, args: string[], timeoutMs = 60_000): Promise<string> {
  const [file, argv] = command(bin, args);
  try {
    const { stdout } = await execFileAsync(file, argv, { timeout: timeoutMs, env: cleanEnv() });
    return stdout;
  } catch (err) {
    const e = err as { stderr?: string; stdout?: string; message: string };
    throw new Error(`${bin} failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

/** The environment without PG* variables that could point the binaries elsewhere. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('PG')) env[k] = v;
  env['LC_ALL'] = 'C';
  return env;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

// ---- cleanup of every server this process started, whatever way it ends ----

interface Running {
  dataDir: string;
  baseDir: string;
  watchdogPid: number | undefined;
  stopped: boolean;
}
const running = new Set<Running>();
let hooksInstalled = false;

function stopSync(r: Running): void {
  if (r.stopped) return;
  r.stopped = true;
  running.delete(r);
  try {
    const [file, argv] = command('pg_ctl', ['-D', r.dataDir, '-m', 'immediate', '-w', 'stop']);
    execFileSync(file, argv, { stdio: 'ignore', timeout: 30_000, env: cleanEnv() });
  } catch {
    // not running (any more)
  }
  killWatchdog(r);
  fs.rmSync(r.baseDir, { recursive: true, force: true });
}

function killWatchdog(r: Running): void {
  if (r.watchdogPid === undefined) return;
  try {
    process.kill(r.watchdogPid, 'SIGKILL');
  } catch {
    // already gone
  }
  r.watchdogPid = undefined;
}

function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', () => {
    for (const r of [...running]) stopSync(r);
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      for (const r of [...running]) stopSync(r);
      process.removeListener(signal, onSignal);
      process.kill(process.pid, signal); // default action now: terminate with the signal
    };
    process.on(signal, onSignal);
  }
}

/**
 * A detached shell that polls this process and, once it is gone, stops the server and removes the
 * directory. Covers SIGKILL and crashes where no JavaScript handler runs.
 */
function startWatchdog(dataDir: string, baseDir: string): number | undefined {
  const [file, argv] = command('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', 'stop']);
  const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
  const script = [
    `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done`,
    `${[file, ...argv].map(q).join(' ')} >/dev/null 2>&1`,
    `rm -rf ${q(baseDir)}`,
  ].join('; ');
  const child = spawn('sh', ['-c', script], { detached: true, stdio: 'ignore', env: cleanEnv() });
  child.unref();
  return child.pid;
}

/** Start a fresh PostgreSQL and create a database `auth_test` in it. */
export async function startPostgres(): Promise<PgServer> {
  if (!fs.existsSync(path.join(PG_BIN_DIR, 'initdb')) || !fs.existsSync(path.join(PG_BIN_DIR, 'pg_ctl'))) {
    throw new Error(
      `PostgreSQL 15 is not installed (no ${PG_BIN_DIR}/initdb). Run \`bash scripts/setup.sh --postgres\` ` +
        '(it installs Debian\'s "postgresql" package), then run the tests again.',
    );
  }
  installHooks();
  // The unix socket lives in this directory and its path must stay short (< 108 bytes); as root,
  // the postgres user must also be able to reach it: use /tmp then, not a private TMPDIR.
  const parent = isRoot || os.tmpdir().length > 60 ? '/tmp' : os.tmpdir();
  const baseDir = fs.mkdtempSync(path.join(parent, 'ae-pg-'));
  const dataDir = path.join(baseDir, 'data');
  const logFile = path.join(baseDir, 'postgres.log');
  if (isRoot) execFileSync('chown', ['postgres:postgres', baseDir]);
  fs.chmodSync(baseDir, 0o700);
  const r: Running = { dataDir, baseDir, watchdogPid: undefined, stopped: false };
  running.add(r);
  try {
    await run('initdb', ['-D', dataDir, '-A', 'trust', '-U', 'postgres', '--no-locale', '-E', 'UTF8', '--no-sync']);
    r.watchdogPid = startWatchdog(dataDir, baseDir);
    let port = 0;
    let lastError: unknown;
    // The port is free when picked; another process could take it before postgres binds: retry.
    for (let attempt = 0; attempt < 3; attempt++) {
      port = await freePort();
      try {
        await run('pg_ctl', [
          '-D', dataDir,
          '-l', logFile,
          '-o', `-p ${port} -k ${baseDir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`,
          '-w', '-t', '60',
          'start',
        ]);
        lastError = undefined;
        break;
      } catch (err) {
        lastError = err;
      }
    }
    if (lastError !== undefined) {
      let log = '';
      try {
        log = fs.readFileSync(logFile, 'utf8');
      } catch {
        // no log
      }
      throw new Error(`PostgreSQL did not start: ${(lastError as Error).message}\n${log}`);
    }

    const base = `postgres://postgres@127.0.0.1:${port}`;
    let counter = 0;
    const createDatabase = async (name?: string): Promise<string> => {
      const db = name ?? `t_${process.pid}_${++counter}`;
      if (!/^[a-z_][a-z0-9_]*$/.test(db)) throw new Error(`bad database name ${db}`);
      const client = new pg.Client({ connectionString: `${base}/postgres` });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${db}`);
      } finally {
        await client.end();
      }
      return `${base}/${db}`;
    };
    const url = await createDatabase('auth_test');

    let stopping: Promise<void> | undefined;
    return {
      url,
      port,
      createDatabase,
      stop() {
        stopping ??= (async () => {
          if (r.stopped) return;
          try {
            await run('pg_ctl', ['-D', dataDir, '-m', 'fast', '-w', '-t', '30', 'stop']);
          } catch {
            // fall through to the immediate stop below
          }
          stopSync(r);
        })();
        return stopping;
      },
    };
  } catch (err) {
    stopSync(r);
    throw err;
  }
}
