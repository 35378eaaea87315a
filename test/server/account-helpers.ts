/**
 * Helpers for the account, mail and admin tests: a real SMTP server process (smtp-sink.ts), simple
 * MIME decoding by string operations, and small API shortcuts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bearer, call, login, post, tempDir, type JsonResponse, type TestServer } from './helpers.js';

export const HERE = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.resolve(HERE, '..', '..');

export interface SinkMail {
  readonly from: string;
  readonly to: string[];
  readonly subject: string;
  readonly raw: string;
}

export interface SmtpSink {
  readonly port: number;
  /** `smtp://user:pass@127.0.0.1:<port>` */
  readonly url: string;
  readonly file: string;
  mails(): SinkMail[];
  /** Wait until a mail matching `pred` arrived (polls the file). */
  waitFor(pred: (m: SinkMail) => boolean, timeoutMs?: number): Promise<SinkMail>;
  close(): Promise<void>;
}

export async function startSmtpSink(): Promise<SmtpSink> {
  const file = path.join(tempDir('ae-smtp-'), 'mails.jsonl');
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', path.join(HERE, 'smtp-sink.ts'), file], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`smtp sink did not start: ${stderr}`)), 20_000);
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /LISTENING (\d+)/.exec(out);
      if (m !== null) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`smtp sink exited (${code}): ${stderr}`));
    });
  });
  const mails = (): SinkMail[] =>
    fs.existsSync(file)
      ? fs
          .readFileSync(file, 'utf8')
          .split('\n')
          .filter((l) => l !== '')
          .map((l) => JSON.parse(l) as SinkMail)
      : [];
  return {
    port,
    url: `smtp://mailer:secret@127.0.0.1:${port}`,
    file,
    mails,
    async waitFor(pred, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = mails().find(pred);
        if (found !== undefined) return found;
        if (Date.now() > deadline) throw new Error(`no matching mail within ${timeoutMs} ms; got ${JSON.stringify(mails().map((m) => [m.to, m.subject]))}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Decode quoted-printable text (soft line breaks, =XX bytes as UTF-8). */
export function decodeQuotedPrintable(s: string): string {
  const bytes: number[] = [];
  const text = s.replace(/=\r?\n/g, '');
  for (let i = 0; i < text.length; i++) {
    const m = /^=([0-9A-Fa-f]{2})/.exec(text.slice(i, i + 3));
    if (m !== null) {
      bytes.push(parseInt(m[1]!, 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(text[i]!, 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/**
 * The decoded bodies of a raw message (every text/plain and text/html part), joined by newlines.
 * Enough MIME for what nodemailer writes: multipart/alternative with 7bit, quoted-printable or
 * base64 parts.
 */
export function mailBodies(raw: string): { text: string; html: string } {
  const parts = raw.split(/\r?\n--[^\r\n]+\r?\n/);
  let text = '';
  let html = '';
  for (const part of parts) {
    const split = part.search(/\r?\n\r?\n/);
    if (split === -1) continue;
    const head = part.slice(0, split);
    let body = part.slice(split).replace(/^\r?\n\r?\n/, '').replace(/\r?\n--[^\r\n]*--\s*$/, '');
    const type = /^Content-Type:\s*([^;\r\n]+)/im.exec(head)?.[1]?.trim().toLowerCase();
    if (type !== 'text/plain' && type !== 'text/html') continue;
    const enc = /^Content-Transfer-Encoding:\s*(\S+)/im.exec(head)?.[1]?.toLowerCase();
    if (enc === 'quoted-printable') body = decodeQuotedPrintable(body);
    else if (enc === 'base64') body = Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
    if (type === 'text/plain') text += body;
    else html += body;
  }
  return { text, html };
}

/** The reset token in a reset mail (from the link). */
export function resetTokenOf(mail: SinkMail): string {
  const { text } = mailBodies(mail.raw);
  const m = /reset_token=([A-Za-z0-9_-]{43})/.exec(text);
  if (m === null) throw new Error(`no reset link in the mail: ${text}`);
  return m[1]!;
}

/** The registration token in a verification mail (from the link). */
export function verifyTokenOf(mail: SinkMail): string {
  const { text } = mailBodies(mail.raw);
  const m = /verify_token=([A-Za-z0-9_-]{43})/.exec(text);
  if (m === null) throw new Error(`no verification link in the mail: ${text}`);
  return m[1]!;
}

export const STRONG = 'correct horse battery staple';
export const STRONG2 = 'a completely different passphrase';

export const register = (s: TestServer, body: Record<string, unknown>): Promise<JsonResponse> => post(s, '/api/auth/register', body);

export const changePassword = (s: TestServer, access: string, current: string, next: string): Promise<JsonResponse> =>
  post(s, '/api/auth/password', { current_password: current, new_password: next }, bearer(access));

export const session = (s: TestServer, access: string): Promise<JsonResponse> =>
  call(s, 'GET', '/api/auth/session', { headers: bearer(access) });

export { login };

/** What a run of the admin CLI printed, and its exit code. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run bin/auth-admin.mjs as a child process with a clean environment (no AUTH_* from the caller). */
export function runAdminCli(args: string[], options: { stdin?: string; env?: Record<string, string> } = {}): Promise<CliRun> {
  const env: Record<string, string> = { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', ...options.env };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(REPO_ROOT, 'bin', 'auth-admin.mjs'), ...args], { cwd: REPO_ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin!.end(options.stdin ?? '');
  });
}
