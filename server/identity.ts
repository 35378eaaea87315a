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
import { createRequire } from 'node:module';
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

/**
 * Unicode's confusables table (UTS #39, confusables.txt of Unicode 13.0.0: 6,311 mappings of one
 * code point to its prototype), as the unhomoglyph package ships it parsed, untouched.
 */
const CONFUSABLES: ReadonlyMap<string, string> = new Map(
  Object.entries(createRequire(import.meta.url)('unhomoglyph/data.json') as Record<string, string>),
);

/** One round of the TR39 skeleton (NFD, every code point through the table, NFD), then lower case. */
function skeletonRound(text: string): string {
  let out = '';
  for (const ch of text.normalize('NFD')) out += CONFUSABLES.get(ch) ?? ch;
  return out.normalize('NFD').toLowerCase();
}

/**
 * The TR39 skeleton of `text`, compared without case: rounds of skeletonRound until nothing
 * changes. One round is not enough once lower case is applied: prototypes can be capitals whose
 * lower case maps again (Greek Μ → M → m → rn). Two rounds settle every code point (a test checks
 * the whole table); the bound only guards against a future table.
 */
export function confusableSkeleton(text: string): string {
  let current = text;
  for (let round = 0; round < 8; round++) {
    const next = skeletonRound(current);
    if (next === current) break;
    current = next;
  }
  return current;
}

/**
 * The skeletons a username is compared by (issue 6 item 15): that of its lower-case form
 * (normalizeUsername: NFKC + lower case, the form names are unique in) and that of its NFKC form
 * as typed, which is how it is displayed. The second sees what lower-casing hides: a capital I,
 * which the table maps to l, becomes i in the lower-case form — "AIice" looks like "Alice" but
 * lower-cases to "aiice". Two usernames are confusable when they share a skeleton; stores refuse a
 * new user whose skeletons include one of an existing user's.
 */
export function usernameSkeletons(username: string): string[] {
  const lower = confusableSkeleton(normalizeUsername(username));
  const typed = confusableSkeleton(username.normalize('NFKC'));
  return lower === typed ? [lower] : [lower, typed];
}

/** Why a username confusable with `existing` (another user's name) is refused, for people. */
export function lookalikeReason(existing: string): string {
  return `looks like the existing user ${existing} (confusable characters)`;
}

/** What migration 3 writes for the users of an older database: skeleton rows, and who collides. */
export interface SkeletonBackfill {
  readonly rows: ReadonlyArray<{ readonly skeleton: string; readonly userId: string }>;
  /** One warning line naming the colliding pairs, or null when nobody collides. */
  readonly warning: string | null;
}

/**
 * The skeletons of existing users (oldest first): a skeleton goes to the first user who has it.
 * Users accepted before the rule may already look alike: both keep their accounts and sign in as
 * before; the younger one just does not hold the shared skeleton.
 */
export function planSkeletonBackfill(usersOldestFirst: ReadonlyArray<{ readonly id: string; readonly username: string }>): SkeletonBackfill {
  const holder = new Map<string, { readonly id: string; readonly username: string }>();
  const rows: { skeleton: string; userId: string }[] = [];
  const pairs: string[] = [];
  for (const user of usersOldestFirst) {
    const older = new Set<string>();
    for (const skeleton of usernameSkeletons(user.username)) {
      const first = holder.get(skeleton);
      if (first === undefined) {
        holder.set(skeleton, user);
        rows.push({ skeleton, userId: user.id });
      } else if (first.id !== user.id && !older.has(first.id)) {
        older.add(first.id);
        pairs.push(`${JSON.stringify(user.username)} looks like ${JSON.stringify(first.username)}`);
      }
    }
  }
  const warning =
    pairs.length === 0
      ? null
      : `existing usernames look alike (confusable characters, issue 6 item 15): ${pairs.join(', ')}. ` +
        'Both accounts of each pair keep working; the oldest holds the name for the look-alike check of new usernames. ' +
        'Check that the newer one is not an impersonation.';
  return { rows, warning };
}

/** A display name: trimmed, NFC, no control characters, at most 200 characters. */
export function checkName(raw: string): { ok: true; name: string } | { ok: false; reason: string } {
  if (CONTROL.test(raw)) return { ok: false, reason: 'The name contains control characters.' };
  const name = raw.trim().normalize('NFC');
  if ([...name].length > MAX_NAME_LENGTH) return { ok: false, reason: `The name is longer than ${MAX_NAME_LENGTH} characters.` };
  return { ok: true, name };
}
