/**
 * Signing keys: ES256 key pairs kept as JWK in `<dataDir>/signing-keys.json` (mode 0600), made
 * on first run and loaded on later runs so tokens survive restarts.
 *
 * File format (version 1), ready for rotation: several keys may be listed; the newest
 * (`created_at`) signs, all of them verify. To rotate, add a key and, once every token signed
 * with the old key has expired, remove the old one.
 *
 *   { "version": 1, "keys": [ { "kid": "...", "alg": "ES256", "created_at": "ISO date",
 *                               "private_jwk": { "kty": "EC", "crv": "P-256", "x", "y", "d" } } ] }
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';

export const KEY_FILE_NAME = 'signing-keys.json';
export const SIGNING_ALG = 'ES256';

export interface StoredKey {
  kid: string;
  alg: typeof SIGNING_ALG;
  created_at: string;
  private_jwk: JWK;
}

export interface KeyFile {
  version: 1;
  keys: StoredKey[];
}

export interface PublicJwk extends JWK {
  kid: string;
  use: 'sig';
  alg: typeof SIGNING_ALG;
}

export interface KeyRing {
  /** The key that signs new tokens (the newest). */
  readonly signing: { readonly kid: string; readonly privateKey: CryptoKey };
  /** Public keys by kid; the only keys tokens are ever verified with. */
  readonly verification: ReadonlyMap<string, CryptoKey>;
  /** The JWKS document: public parts only. */
  readonly jwks: { readonly keys: readonly PublicJwk[] };
  readonly file: string;
}

export class KeyFileError extends Error {
  override readonly name = 'KeyFileError';
}

/** Create `dir` (mode 0700) if missing. */
export function ensureDataDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
}

function publicPart(jwk: JWK): JWK {
  const { kty, crv, x, y } = jwk;
  if (kty !== 'EC' || crv !== 'P-256' || typeof x !== 'string' || typeof y !== 'string') {
    throw new KeyFileError('signing key is not an EC P-256 JWK');
  }
  return { kty, crv, x, y };
}

async function newStoredKey(): Promise<StoredKey> {
  const { privateKey } = await generateKeyPair(SIGNING_ALG, { extractable: true });
  const jwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(publicPart(jwk), 'sha256');
  return { kid, alg: SIGNING_ALG, created_at: new Date().toISOString(), private_jwk: { ...jwk, kid } };
}

function parseKeyFile(text: string, file: string): KeyFile {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new KeyFileError(`${file} is not valid JSON; fix or remove it (removing it invalidates every issued token)`);
  }
  const d = data as Partial<KeyFile> | null;
  if (d === null || typeof d !== 'object' || d.version !== 1 || !Array.isArray(d.keys) || d.keys.length === 0) {
    throw new KeyFileError(`${file} is not a version-1 key file with at least one key`);
  }
  for (const k of d.keys) {
    if (typeof k?.kid !== 'string' || k.alg !== SIGNING_ALG || typeof k.created_at !== 'string' || typeof k.private_jwk !== 'object') {
      throw new KeyFileError(`${file} has a malformed key entry`);
    }
  }
  return d as KeyFile;
}

/** Write the file only if it does not exist yet (safe when two processes start together). */
export function createExclusive(file: string, content: string): boolean {
  const tmp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  fs.writeFileSync(tmp, content, { mode: 0o600, flag: 'wx' });
  try {
    fs.linkSync(tmp, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/** Load the key file from `dataDir`, creating it with one new key on first run. */
export async function loadOrCreateKeys(dataDir: string, warn: (msg: string) => void = () => {}): Promise<KeyRing> {
  ensureDataDir(dataDir);
  const file = path.join(dataDir, KEY_FILE_NAME);
  if (!fs.existsSync(file)) {
    const initial: KeyFile = { version: 1, keys: [await newStoredKey()] };
    createExclusive(file, `${JSON.stringify(initial, null, 2)}\n`);
  }
  const mode = fs.statSync(file).mode & 0o777;
  if ((mode & 0o077) !== 0) warn(`${file} is readable by other users (mode ${mode.toString(8)}); chmod 600 it`);
  const keyFile = parseKeyFile(fs.readFileSync(file, 'utf8'), file);
  return keyRingFrom(keyFile, file);
}

async function keyRingFrom(keyFile: KeyFile, file: string): Promise<KeyRing> {
  const verification = new Map<string, CryptoKey>();
  const jwks: PublicJwk[] = [];
  for (const k of keyFile.keys) {
    const pub = publicPart(k.private_jwk);
    const kid = await calculateJwkThumbprint(pub, 'sha256');
    if (kid !== k.kid) throw new KeyFileError(`${file}: kid ${k.kid} is not the thumbprint of its key`);
    verification.set(kid, (await importJWK(pub, SIGNING_ALG)) as CryptoKey);
    jwks.push({ ...pub, kid, use: 'sig', alg: SIGNING_ALG });
  }
  const newest = [...keyFile.keys].sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at))[0];
  if (newest === undefined) throw new KeyFileError(`${file} has no keys`);
  const { kid: _kid, ...privateJwk } = newest.private_jwk;
  const privateKey = (await importJWK(privateJwk, SIGNING_ALG)) as CryptoKey;
  return { signing: { kid: newest.kid, privateKey }, verification, jwks: { keys: jwks }, file };
}
