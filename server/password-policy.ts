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

/** Why a password is refused; `null` when it is acceptable. */
export function passwordProblem(password: string, minLength: number, context: PasswordContext = {}): string | null {
  const length = passwordLength(password);
  if (length < minLength) return `Use at least ${minLength} characters.`;
  if (length > PASSWORD_MAX_LENGTH) return `Use at most ${PASSWORD_MAX_LENGTH} characters.`;
  const lower = password.normalize('NFC').toLowerCase();
  if (commonPasswordSet().has(lower)) {
    return 'This password is too common; it appears in lists of leaked passwords. Choose another one.';
  }
  const same = (other: string | undefined): boolean =>
    other !== undefined && other !== '' && lower.trim() === other.normalize('NFKC').trim().toLowerCase();
  if (same(context.username)) return 'The password may not be your username.';
  if (same(context.email)) return 'The password may not be your email address.';
  return null;
}

/** Throw 400 `weak_password` with the reason when the password is refused. */
export function enforcePasswordPolicy(password: string, minLength: number, context: PasswordContext = {}): void {
  const problem = passwordProblem(password, minLength, context);
  if (problem !== null) throw new HttpError(400, 'weak_password', problem);
}
