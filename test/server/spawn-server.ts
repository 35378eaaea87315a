/**
 * Real server processes for the multi-process tests: `node --import tsx <entry>` (server/main.ts by
 * default) on a free port (PORT=0, read back from its output), with a clean environment (no AUTH_*
 * or PG* variables leak in from the caller). Every process still running when the test process
 * exits is killed.
 */
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface ServerProcess {
  readonly name: string;
  readonly url: string;
  readonly child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});

export interface SpawnOptions {
  /** Script to run (default server/main.ts). */
  readonly entry?: string;
  /** Output that must follow the listening line before the server counts as started (default: the demo banner). */
  readonly ready?: RegExp;
}

/** Spawn a server; resolves once it prints `listening on 127.0.0.1:<port>` and `ready`. */
export function spawnServer(name: string, env: Record<string, string>, options: SpawnOptions = {}): Promise<ServerProcess> {
  const clean: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('AUTH_') && !k.startsWith('PG')) clean[k] = v;
  const entry = options.entry ?? path.join(repoRoot, 'server', 'main.ts');
  const ready = options.ready ?? /admin\s+password/;
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: repoRoot,
    env: { ...clean, PORT: '0', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => children.delete(child));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
  };
  return new Promise((resolve, reject) => {
    const deadline = setTimeout(() => {
      void stop();
      reject(new Error(`server ${name} did not start within 30 s:\n${out}`));
    }, 30_000);
    const check = (): void => {
      const port = /listening on 127\.0\.0\.1:(\d+)/.exec(out)?.[1];
      if (port !== undefined && ready.test(out)) {
        clearTimeout(deadline);
        child.stdout!.off('data', check);
        resolve({ name, url: `http://127.0.0.1:${port}`, child, output: () => out, stop });
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code, signal) => {
      clearTimeout(deadline);
      reject(new Error(`server ${name} exited (${code ?? signal}) before listening:\n${out}`));
    });
  });
}
