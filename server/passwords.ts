/**
 * Password hashing: argon2id (OWASP minimum profile: 19 MiB, t=2, p=1) behind a small interface,
 * so tests can wrap it (count verify calls) and a later issue can add bcrypt-import verification.
 */
import { randomBytes } from 'node:crypto';
import { hash, verify, type Algorithm, type Options } from '@node-rs/argon2';

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
  const ok = await hasher.verify(storedHash ?? dummyHash, password);
  return storedHash !== null && ok;
}
