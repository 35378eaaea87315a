/**
 * Import of a Streamlit-Authenticator config file (its `config.yaml`):
 *
 * ```yaml
 * credentials:
 *   usernames:
 *     jsmith:
 *       email: jsmith@example.com
 *       name: John Smith              # or first_name + last_name (newer versions)
 *       password: $2b$12$...          # bcrypt hash, or plain text (then hashed with argon2id here)
 *       roles: [admin, viewer]
 *       failed_login_attempts: 0      # ignored: throttling state is not carried over
 *       logged_in: false              # ignored
 * pre-authorized:                     # older versions: preauthorized
 *   emails: [melsby@example.com]
 * ```
 *
 * bcrypt hashes are kept as they are and re-hashed to argon2id at each user's first successful
 * login (SECURITY 26). A username confusable with an existing user's (or an earlier entry's) is
 * reported and skipped. Idempotent: a username that exists is skipped, pre-authorized emails already
 * listed are not added twice. Nothing here executes YAML tags: the `yaml` package's core schema
 * builds plain data only, with its alias-expansion limit.
 */
import { parse, YAMLParseError } from 'yaml';
import { checkEmail, checkName, checkUsername, lookalikeReason } from './identity.js';
import { isBcryptHash, type PasswordHasher } from './passwords.js';
import { DuplicateUserError, type Store } from './store/types.js';

export class ImportError extends Error {
  override readonly name = 'ImportError';
}

export interface ImportReport {
  readonly created: string[];
  /** Usernames that exist already (left untouched). */
  readonly existing: string[];
  /** Entries not imported, with the reason. */
  readonly invalid: { readonly username: string; readonly reason: string }[];
  /** Users whose password was plain text in the file (hashed with argon2id on import). */
  readonly plainTextPasswords: string[];
  preauthorizedAdded: number;
  readonly preauthorizedSkipped: { readonly email: string; readonly reason: string }[];
  readonly warnings: string[];
}

export const ROLE_NAME = /^[A-Za-z0-9_.:-]{1,64}$/;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parse the file's text; ImportError with a one-line reason when it is not a usable config. */
export function parseStreamlitAuthenticatorYaml(text: string, fileLabel: string): {
  users: [string, Record<string, unknown>][];
  preauthorized: unknown[];
} {
  let doc: unknown;
  try {
    doc = parse(text, { maxAliasCount: 100, uniqueKeys: true });
  } catch (err) {
    const first = err instanceof YAMLParseError ? err.message.split('\n')[0] : String((err as Error).message ?? err).split('\n')[0];
    throw new ImportError(`${fileLabel} is not valid YAML: ${first}`);
  }
  if (!isRecord(doc)) throw new ImportError(`${fileLabel} is not a Streamlit-Authenticator config (expected a mapping with "credentials")`);
  const credentials = doc['credentials'];
  const usernames = isRecord(credentials) ? credentials['usernames'] : undefined;
  if (!isRecord(usernames)) {
    throw new ImportError(`${fileLabel} has no "credentials: usernames:" mapping (is it a Streamlit-Authenticator config?)`);
  }
  const users: [string, Record<string, unknown>][] = [];
  for (const [username, entry] of Object.entries(usernames)) {
    users.push([username, isRecord(entry) ? entry : {}]);
  }
  const pre = doc['pre-authorized'] ?? doc['preauthorized'] ?? doc['pre_authorized'];
  let preauthorized: unknown[] = [];
  if (pre !== undefined && pre !== null) {
    const emails = isRecord(pre) ? pre['emails'] : pre;
    if (Array.isArray(emails)) preauthorized = emails;
    else if (emails !== null && emails !== undefined) {
      throw new ImportError(`${fileLabel}: "pre-authorized: emails:" must be a list`);
    }
  }
  return { users, preauthorized };
}

const str = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');

/** Import the parsed config into the store. */
export async function importStreamlitAuthenticator(
  text: string,
  fileLabel: string,
  store: Store,
  hasher: PasswordHasher,
  now: number,
): Promise<ImportReport> {
  const { users, preauthorized } = parseStreamlitAuthenticatorYaml(text, fileLabel);
  const report: ImportReport = {
    created: [],
    existing: [],
    invalid: [],
    plainTextPasswords: [],
    preauthorizedAdded: 0,
    preauthorizedSkipped: [],
    warnings: [],
  };
  for (const [rawUsername, entry] of users) {
    const invalid = (reason: string): void => {
      report.invalid.push({ username: rawUsername, reason });
    };
    const username = checkUsername(rawUsername);
    if (!username.ok) {
      invalid(username.reason);
      continue;
    }
    if ((await store.findUserByUsername(username.username)) !== null) {
      report.existing.push(username.username);
      continue;
    }
    // A look-alike of a user (or of an earlier entry of this file) is not the same user: refused.
    const lookalike = await store.findConfusableUser(username.username);
    if (lookalike !== null) {
      invalid(lookalikeReason(lookalike.username));
      continue;
    }
    const password = entry['password'];
    if (typeof password !== 'string' || password === '') {
      invalid('no password');
      continue;
    }
    let email = '';
    const rawEmail = str(entry['email']).trim();
    if (rawEmail !== '') {
      const checked = checkEmail(rawEmail);
      if (!checked.ok) {
        invalid(`email: ${checked.reason}`);
        continue;
      }
      email = checked.email;
    } else {
      report.warnings.push(`${username.username} has no email address: forgot-password mails cannot reach this user`);
    }
    const rawName = entry['name'] !== undefined ? str(entry['name']) : [str(entry['first_name']), str(entry['last_name'])].filter((s) => s !== '').join(' ');
    const name = checkName(rawName);
    if (!name.ok) {
      invalid(`name: ${name.reason}`);
      continue;
    }
    const rolesRaw = entry['roles'];
    const roles = rolesRaw === undefined || rolesRaw === null ? [] : Array.isArray(rolesRaw) ? rolesRaw.map(str) : [str(rolesRaw)];
    const badRole = roles.find((r) => !ROLE_NAME.test(r));
    if (badRole !== undefined) {
      invalid(`role ${JSON.stringify(badRole)} is not a valid role name (letters, digits, _ . : -)`);
      continue;
    }
    let passwordHash: string;
    if (isBcryptHash(password)) {
      passwordHash = password;
    } else if (password.startsWith('$')) {
      invalid('the password is a hash in a format other than bcrypt ($2a$/$2b$/$2y$)');
      continue;
    } else {
      // Streamlit-Authenticator hashes plain-text passwords itself at start-up; so do we.
      passwordHash = await hasher.hash(password);
      report.plainTextPasswords.push(username.username);
    }
    try {
      await store.createUser({ username: username.username, name: name.name, email, passwordHash, roles: [...new Set(roles)] }, now);
      report.created.push(username.username);
    } catch (err) {
      if (!(err instanceof DuplicateUserError)) throw err;
      // Created meanwhile by someone else: the same name exists now, or a look-alike.
      if (err.field === 'email') invalid(`email ${email} belongs to another user`);
      else if ((await store.findUserByUsername(username.username)) !== null) report.existing.push(username.username);
      else invalid(lookalikeReason((await store.findConfusableUser(username.username))?.username ?? '(unknown)'));
    }
  }

  const emails: string[] = [];
  for (const raw of preauthorized) {
    const checked = checkEmail(str(raw));
    if (!checked.ok) {
      report.preauthorizedSkipped.push({ email: str(raw), reason: checked.reason });
      continue;
    }
    if ((await store.findUserByEmail(checked.email)) !== null) {
      report.preauthorizedSkipped.push({ email: checked.email, reason: 'an account already uses it' });
      continue;
    }
    emails.push(checked.email);
  }
  report.preauthorizedAdded = emails.length === 0 ? 0 : await store.addPreauthorizedEmails(emails, now);
  return report;
}
