/**
 * Validation and normalization of what identifies an account: emails (SECURITY 23) and usernames.
 *
 * An email is trimmed and NFKC-normalized first (so a fullwidth "＠" becomes "@", fullwidth letters
 * become ASCII) and only then validated, so what is checked is what is stored and compared. The
 * whole address is compared lower-cased (normalizeEmail in the store), local part included: two
 * accounts differing only by case would be a trap for users and a gift to attackers.
 *
 * Deliberately strict where RFC 5321 is permissive: no quoted local parts, no comments, no IP
 * literals, no whitespace, no comma (`a@x.com,b@evil.com` is a classic mailer-injection trick),
 * no control characters, exactly one "@", a dot in the domain, at most 254 characters.
 */
import { normalizeEmail, normalizeUsername } from './store/types.js';

export const MAX_EMAIL_LENGTH = 254;
export const MIN_USERNAME_LENGTH = 3;
export const MAX_USERNAME_LENGTH_NEW = 64;
export const MAX_NAME_LENGTH = 200;

// Control characters (C0, DEL, C1), line/paragraph separators, bidi controls, zero-width chars.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/u;
const LOCAL_PART = /^[\p{L}\p{N}!#$%&'*+/=?^_`{|}~.-]+$/u;
const DOMAIN_LABEL = /^[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?$/u;

export type EmailCheck = { readonly ok: true; readonly email: string } | { readonly ok: false; readonly reason: string };

/**
 * The email as it will be stored (trimmed + NFKC, case kept for display), or why it is refused.
 * Compare with normalizeEmail(result.email).
 */
export function checkEmail(raw: string): EmailCheck {
  const refuse = (reason: string): EmailCheck => ({ ok: false, reason });
  // Control characters are refused before trimming: a trailing NUL is an attack, not a typo.
  if (CONTROL.test(raw)) return refuse('The email address contains control characters.');
  const email = raw.trim().normalize('NFKC');
  if (CONTROL.test(email)) return refuse('The email address contains control characters.');
  if (email === '') return refuse('The email address is empty.');
  if (email.length > MAX_EMAIL_LENGTH) return refuse(`The email address is longer than ${MAX_EMAIL_LENGTH} characters.`);
  if (/\s/u.test(email)) return refuse('The email address may not contain spaces.');
  if (/[,;<>()[\]\\"]/.test(email)) return refuse('The email address contains a character that is not allowed (, ; < > ( ) [ ] \\ ").');
  const parts = email.split('@');
  if (parts.length !== 2) return refuse('The email address must contain exactly one "@".');
  const [local = '', domain = ''] = parts;
  if (local === '' || local.length > 64 || !LOCAL_PART.test(local) || local.startsWith('.') || local.endsWith('.') || local.includes('..')) {
    return refuse('The part of the email address before "@" is not valid.');
  }
  const labels = domain.split('.');
  if (labels.length < 2 || labels.some((l) => l === '' || l.length > 63 || !DOMAIN_LABEL.test(l))) {
    return refuse('The domain of the email address is not valid.');
  }
  return { ok: true, email };
}

/** The domain of a checked email, lower-cased. */
export function emailDomain(email: string): string {
  const n = normalizeEmail(email);
  return n.slice(n.lastIndexOf('@') + 1);
}

/**
 * Whether the email's domain is on the allowlist (exact domain match, lower-cased). An empty
 * allowlist allows every domain. Subdomains are NOT implied: list them.
 */
export function domainAllowed(email: string, allowed: readonly string[]): boolean {
  if (allowed.length === 0) return true;
  return allowed.includes(emailDomain(email));
}

export type UsernameCheck = { readonly ok: true; readonly username: string } | { readonly ok: false; readonly reason: string };

/**
 * A new username: after NFKC, 3-64 letters, digits, ".", "_" or "-" (no "@", so a login field can
 * tell a username from an email). Letters of any script are allowed; uniqueness is on
 * normalizeUsername (NFKC + lower case).
 */
export function checkUsername(raw: string): UsernameCheck {
  const username = raw.trim().normalize('NFKC');
  const length = [...username].length;
  if (length < MIN_USERNAME_LENGTH || length > MAX_USERNAME_LENGTH_NEW) {
    return { ok: false, reason: `The username must have ${MIN_USERNAME_LENGTH} to ${MAX_USERNAME_LENGTH_NEW} characters.` };
  }
  if (!/^[\p{L}\p{N}._-]+$/u.test(username) || normalizeUsername(username) === '') {
    return { ok: false, reason: 'The username may contain only letters, digits, ".", "_" and "-".' };
  }
  return { ok: true, username };
}

/** A display name: trimmed, NFC, no control characters, at most 200 characters. */
export function checkName(raw: string): { ok: true; name: string } | { ok: false; reason: string } {
  if (CONTROL.test(raw)) return { ok: false, reason: 'The name contains control characters.' };
  const name = raw.trim().normalize('NFC');
  if ([...name].length > MAX_NAME_LENGTH) return { ok: false, reason: `The name is longer than ${MAX_NAME_LENGTH} characters.` };
  return { ok: true, name };
}
