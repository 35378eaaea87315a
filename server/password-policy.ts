/**
 * Password policy (SECURITY 20, NIST SP 800-63-4 section 3.1.1.2): length only, no composition
 * rules, a list of common passwords refused, and the password may not be the username or email.
 *
 * - Length is counted in Unicode code points after NFC, so "é" typed as e + combining accent counts
 *   once and an emoji counts once. Spaces and emoji are accepted like any other character.
 * - Minimum 15 by default, configurable (AUTH_PASSWORD_MIN) but never below 8.
 * - Maximum 256 code points: far above the "at least 64" NIST asks for, low enough that hashing
 *   cost stays bounded.
 * - The common list is @zxcvbn-ts/language-common's `passwords-common` (about 49k entries),
 *   compared lower-cased.
 */
import { dictionary } from '@zxcvbn-ts/language-common';
import { HttpError } from './http.js';

// The minimum comes from the config (DEFAULT_PASSWORD_MIN = 15, LOWEST_PASSWORD_MIN = 8 in config.ts).
export const PASSWORD_MAX_LENGTH = 256;

let commonPasswords: ReadonlySet<string> | null = null;

/** The common-password set (built once, lower-cased). */
export function commonPasswordSet(): ReadonlySet<string> {
  commonPasswords ??= new Set((dictionary['passwords-common'] as readonly string[]).map((p) => p.toLowerCase()));
  return commonPasswords;
}

/** Length in code points after NFC. */
export function passwordLength(password: string): number {
  let n = 0;
  for (const _ of password.normalize('NFC')) n++;
  return n;
}

export interface PasswordContext {
  readonly username?: string | undefined;
  readonly email?: string | undefined;
}

/**
 * Why a password is refused, machine-readable: `reason` is `too_short` (with `min`), `too_long`
 * (with `max`), `common`, `username` or `email`; `message` is the English sentence. Clients
 * translate from `reason` (the error body carries it next to `error_description`).
 */
export interface PasswordRefusal {
  readonly reason: 'too_short' | 'too_long' | 'common' | 'username' | 'email';
  readonly message: string;
  readonly min?: number;
  readonly max?: number;
}

/** Why a password is refused; `null` when it is acceptable. */
export function passwordRefusal(password: string, minLength: number, context: PasswordContext = {}): PasswordRefusal | null {
  const length = passwordLength(password);
  if (length < minLength) return { reason: 'too_short', message: `Use at least ${minLength} characters.`, min: minLength };
  if (length > PASSWORD_MAX_LENGTH) {
    return { reason: 'too_long', message: `Use at most ${PASSWORD_MAX_LENGTH} characters.`, max: PASSWORD_MAX_LENGTH };
  }
  const lower = password.normalize('NFC').toLowerCase();
  if (commonPasswordSet().has(lower)) {
    return { reason: 'common', message: 'This password is too common; it appears in lists of leaked passwords. Choose another one.' };
  }
  const same = (other: string | undefined): boolean =>
    other !== undefined && other !== '' && lower.trim() === other.normalize('NFKC').trim().toLowerCase();
  if (same(context.username)) return { reason: 'username', message: 'The password may not be your username.' };
  if (same(context.email)) return { reason: 'email', message: 'The password may not be your email address.' };
  return null;
}

/** The English sentence of `passwordRefusal`; `null` when the password is acceptable. */
export function passwordProblem(password: string, minLength: number, context: PasswordContext = {}): string | null {
  return passwordRefusal(password, minLength, context)?.message ?? null;
}

/** Throw 400 `weak_password` with the reason (`reason`, `min`/`max`, English description) when the password is refused. */
export function enforcePasswordPolicy(password: string, minLength: number, context: PasswordContext = {}): void {
  const refusal = passwordRefusal(password, minLength, context);
  if (refusal === null) return;
  const { message, ...details } = refusal;
  throw new HttpError(400, 'weak_password', message, { details });
}
