/**
 * Password hashing: argon2id (OWASP minimum profile: 19 MiB, t=2, p=1) behind a small interface,
 * so tests can wrap it (count verify calls).
 *
 * bcrypt (SECURITY 26): only to verify hashes imported from a Streamlit-Authenticator file; every
 * new hash is argon2id, and a bcrypt hash is replaced by an argon2id one on the first successful
 * login (needsRehash). bcrypt ignores everything past 72 bytes of the password, so a password
 * longer than 72 UTF-8 bytes never verifies against a bcrypt hash (SECURITY 20): otherwise any
 * string sharing its first 72 bytes would log in. Such users use "forgot password".
 */
import { randomBytes } from 'node:crypto';
import { hash, verify, type Algorithm, type Options } from '@node-rs/argon2';
import bcrypt from 'bcryptjs';

export interface PasswordHasher {
  /** A PHC string for `password`. */
  hash(password: string): Promise<string>;
  /** Whether `password` matches the PHC string `encoded`. Never throws for a wrong password. */
  verify(encoded: string, password: string): Promise<boolean>;
}

export const ARGON2_OPTIONS: Readonly<Options> = Object.freeze({
  algorithm: 2 as Algorithm, // Argon2id (the enum is `const`, unusable under isolatedModules)
  memoryCost: 19456,
  timeCost: 2,
  parallelism: 1,
});

export function argon2Hasher(options: Readonly<Options> = ARGON2_OPTIONS): PasswordHasher {
  return {
    hash: (password) => hash(password, options),
    verify: async (encoded, password) => {
      try {
        return await verify(encoded, password);
      } catch {
        return false; // malformed stored hash: treat as a mismatch, never as a match
      }
    },
  };
}

/**
 * A hash of a random password made with the same hasher, verified when the user does not exist, so
 * an unknown user costs the same work as a wrong password (SECURITY 18).
 */
export async function makeDummyHash(hasher: PasswordHasher): Promise<string> {
  return hasher.hash(randomBytes(32).toString('base64url'));
}

/**
 * Verify exactly once: against the user's hash, or against the dummy hash when there is no user
 * (then the answer is always false).
 */
export async function verifyPasswordOrDummy(
  hasher: PasswordHasher,
  dummyHash: string,
  storedHash: string | null,
  password: string,
): Promise<boolean> {
  const ok = await verifyStoredPassword(hasher, storedHash ?? dummyHash, password);
  return storedHash !== null && ok;
}

const BCRYPT_HASH = /^\$2[aby]\$(\d\d)\$[./A-Za-z0-9]{53}$/;
/** bcrypt's input limit: bytes past it are ignored by the algorithm. */
export const BCRYPT_MAX_PASSWORD_BYTES = 72;

/** `$2a$` / `$2b$` / `$2y$` hash with a 2-digit cost and 53 characters of salt + digest. */
export function isBcryptHash(encoded: string): boolean {
  return BCRYPT_HASH.test(encoded);
}

/** Verify against an imported bcrypt hash; false for passwords over 72 UTF-8 bytes, never throws. */
export async function verifyBcrypt(encoded: string, password: string): Promise<boolean> {
  if (!isBcryptHash(encoded)) return false;
  if (Buffer.byteLength(password, 'utf8') > BCRYPT_MAX_PASSWORD_BYTES) return false;
  try {
    // bcryptjs treats $2y$ like $2b$ (same algorithm; PHP's name for it).
    return await bcrypt.compare(password, encoded.startsWith('$2y$') ? `$2b$${encoded.slice(4)}` : encoded);
  } catch {
    return false;
  }
}

/** Verify a stored hash of either kind: bcrypt (imported) or the hasher's own (argon2id). */
export function verifyStoredPassword(hasher: PasswordHasher, encoded: string, password: string): Promise<boolean> {
  return isBcryptHash(encoded) ? verifyBcrypt(encoded, password) : hasher.verify(encoded, password);
}

/** Argon2 parameters read from a PHC string (`$argon2id$v=19$m=19456,t=2,p=1$...`), or null. */
export function argon2Params(encoded: string): { variant: string; m: number; t: number; p: number } | null {
  const m = /^\$(argon2(?:id|i|d))\$v=\d+\$m=(\d+),t=(\d+),p=(\d+)\$/.exec(encoded);
  if (m === null) return null;
  return { variant: m[1]!, m: Number(m[2]), t: Number(m[3]), p: Number(m[4]) };
}

/**
 * Whether a stored hash should be replaced after a successful login: any bcrypt hash, and any
 * argon2 hash that is not argon2id or is weaker than `options`.
 */
export function needsRehash(encoded: string, options: Readonly<Options> = ARGON2_OPTIONS): boolean {
  if (isBcryptHash(encoded)) return true;
  const p = argon2Params(encoded);
  if (p === null) return false; // unknown format: leave it (it will not verify anyway)
  return p.variant !== 'argon2id' || p.m < (options.memoryCost ?? 0) || p.t < (options.timeCost ?? 0);
}
