/**
 * The server secret: 32 random bytes in `<dataDir>/server-secret` (mode 0600), made on first run and
 * kept, like the signing keys. It keys the HMACs that must be the same in every server process
 * sharing a database (so share AUTH_DATA_DIR, as for the keys) and that nobody outside the server
 * can compute. Each use gets its own key, derived with HKDF-SHA256 from the secret and a label, so
 * one use's MAC can never stand in for another's.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { createExclusive, ensureDataDir } from './keys.js';

export const SECRET_FILE_NAME = 'server-secret';
const SECRET_BYTES = 32;

export interface ServerSecret {
  /** HMAC-SHA256 of `data` under the key for `label`, base64url. */
  mac(label: string, data: string): string;
  /** Whether `mac` is the MAC of `data` for `label` (constant time). */
  check(label: string, data: string, mac: string): boolean;
}

export class SecretFileError extends Error {
  override readonly name = 'SecretFileError';
}

/** A ServerSecret from raw secret bytes (tests use a fixed one). */
export function serverSecret(secret: Uint8Array): ServerSecret {
  if (secret.length < SECRET_BYTES) throw new SecretFileError(`the server secret must have at least ${SECRET_BYTES} bytes`);
  const keys = new Map<string, Buffer>();
  const keyFor = (label: string): Buffer => {
    let key = keys.get(label);
    if (key === undefined) {
      key = Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), `auth-elements ${label}`, 32));
      keys.set(label, key);
    }
    return key;
  };
  const mac = (label: string, data: string): string => createHmac('sha256', keyFor(label)).update(data, 'utf8').digest('base64url');
  return {
    mac,
    check(label, data, given) {
      const expected = Buffer.from(mac(label, data), 'utf8');
      const actual = Buffer.from(given, 'utf8');
      return actual.length === expected.length && timingSafeEqual(actual, expected);
    },
  };
}

/** Load `<dataDir>/server-secret`, creating it on first run (safe when two processes start together). */
export function loadOrCreateSecret(dataDir: string, warn: (msg: string) => void = () => {}): ServerSecret {
  ensureDataDir(dataDir);
  const file = path.join(dataDir, SECRET_FILE_NAME);
  if (!fs.existsSync(file)) createExclusive(file, `${randomBytes(SECRET_BYTES).toString('base64url')}\n`);
  const mode = fs.statSync(file).mode & 0o777;
  if ((mode & 0o077) !== 0) warn(`${file} is readable by other users (mode ${mode.toString(8)}); chmod 600 it`);
  const text = fs.readFileSync(file, 'utf8').trim();
  const bytes = /^[A-Za-z0-9_-]+$/.test(text) ? Buffer.from(text, 'base64url') : Buffer.alloc(0);
  if (bytes.length < SECRET_BYTES) {
    throw new SecretFileError(`${file} is not a base64url secret of ${SECRET_BYTES} bytes; fix or remove it (removing it ends every device cookie)`);
  }
  return serverSecret(bytes);
}
