/**
 * `auth-admin`: user administration of the reference server, on the same store the server uses
 * (same environment: AUTH_DB / AUTH_DATA_DIR for SQLite, AUTH_DATABASE_URL for PostgreSQL), or
 * on the SQLite file given with `--db FILE`.
 *
 * Errors end the process with a one-line message and a non-zero status, never a stack trace:
 * 2 for usage errors, 1 for everything else.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, configFromEnv, type ServerConfig } from './config.js';
import { checkEmail, checkName, checkUsername, lookalikeReason } from './identity.js';
import { ImportError, ROLE_NAME, importStreamlitAuthenticator } from './import-yaml.js';
import { passwordProblem } from './password-policy.js';
import { argon2Hasher, type PasswordHasher } from './passwords.js';
import { openStore } from './store/open.js';
import { randomUUID } from 'node:crypto';
import { ownerRole, parseOrgRole } from './orgs.js';
import { DuplicateOrgError, DuplicateUserError, type OrgRecord, type Store, type UserRecord } from './store/types.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MAX_YAML_BYTES = 10 * 1024 * 1024;

export const USAGE = `usage: auth-admin [--db FILE] <command> [arguments]

commands:
  create-superuser --username U --email E [--name N] [--password-stdin]
                         create a user with the role "admin"; the password is read from
                         standard input (piped) or prompted for without echo (terminal)
  list-users [--json]    username, name, email, roles, disabled
  disable USER           refuse logins of USER and end their sessions
  enable USER
  set-roles USER ROLES   replace the roles of USER (comma list; "" for none)
  preauth add EMAIL...   pre-authorize emails for registration (AUTH_REGISTRATION=preauthorized)
  preauth remove EMAIL...
  preauth list
  import-yaml FILE       import users and pre-authorized emails of a Streamlit-Authenticator config

organizations (ORG = id or exact name; ROLE = one of AUTH_ORG_ROLES, default owner,admin,member):
  create-org NAME [--id ID]     create an organization (default id: a random UUID)
  list-orgs [--json]            id, name, number of members
  list-members ORG [--json]     username, name, email, role
  add-member ORG USER ROLE
  set-member-role ORG USER ROLE
  remove-member ORG USER        the last owner of an organization can be neither demoted nor removed

The store is the server's: AUTH_DATABASE_URL (PostgreSQL), else AUTH_DB / AUTH_DATA_DIR (SQLite,
default .data/auth.db of this package); --db FILE names a SQLite file instead.`;

/** A failure with a message fit for the user; `usage` failures exit 2. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

const usageError = (message: string): CliError => new CliError(`${message}\n${USAGE}`, 2);

export interface CliIo {
  readonly stdin: NodeJS.ReadStream;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
}

interface Parsed {
  readonly positionals: string[];
  readonly options: Map<string, string | true>;
}

/** `--name value`, `--name=value` and flags; everything else is positional. */
function parseArgs(argv: readonly string[], flags: ReadonlySet<string>): Parsed {
  const positionals: string[] = [];
  const options = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg.startsWith('--') && arg.length > 2) {
      const eq = arg.indexOf('=');
      const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
      if (options.has(name)) throw usageError(`--${name} is given twice`);
      if (eq !== -1) options.set(name, arg.slice(eq + 1));
      else if (flags.has(name)) options.set(name, true);
      else {
        const value = argv[i + 1];
        if (value === undefined) throw usageError(`--${name} needs a value`);
        options.set(name, value);
        i++;
      }
    } else {
      positionals.push(arg);
    }
  }
  return { positionals, options };
}

function takeOption(p: Parsed, name: string): string | undefined {
  const v = p.options.get(name);
  p.options.delete(name);
  if (v === true) throw usageError(`--${name} needs a value`);
  return v;
}

function takeFlag(p: Parsed, name: string): boolean {
  const v = p.options.get(name);
  p.options.delete(name);
  if (v !== undefined && v !== true) throw usageError(`--${name} takes no value`);
  return v === true;
}

function noMoreOptions(p: Parsed): void {
  const [first] = p.options.keys();
  if (first !== undefined) throw usageError(`unknown option --${first}`);
}

/** Read all of stdin (piped password); strips one trailing newline. */
async function readStdin(stdin: NodeJS.ReadStream): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stdin) {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += b.length;
    if (size > 64 * 1024) throw new CliError('standard input is too long for a password');
    chunks.push(b);
  }
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/** Prompt on the terminal without echo. */
function promptHidden(io: CliIo, prompt: string): Promise<string> {
  const stdin = io.stdin;
  return new Promise((resolve, reject) => {
    io.stderr.write(prompt);
    let value = '';
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding('utf8');
    const done = (err: Error | null): void => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      io.stderr.write('\n');
      if (err === null) resolve(value);
      else reject(err);
    };
    const onData = (data: string): void => {
      for (const ch of data) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return done(null);
        if (ch === '\u0003') return done(new CliError('cancelled', 130));
        if (ch === '\u007f' || ch === '\b') value = [...value].slice(0, -1).join('');
        else value += ch;
      }
    };
    stdin.on('data', onData);
  });
}

async function readNewPassword(io: CliIo, fromStdin: boolean): Promise<string> {
  if (fromStdin || !io.stdin.isTTY) {
    const password = await readStdin(io.stdin);
    if (password === '') throw new CliError('no password on standard input');
    return password;
  }
  const first = await promptHidden(io, 'Password: ');
  const second = await promptHidden(io, 'Repeat password: ');
  if (first !== second) throw new CliError('the passwords differ');
  return first;
}

async function findUserOrFail(store: Store, username: string | undefined): Promise<UserRecord> {
  if (username === undefined || username === '') throw usageError('a username is needed');
  const user = await store.findUserByUsername(username);
  if (user === null) throw new CliError(`no user named ${JSON.stringify(username)}`);
  return user;
}

/** Ids given with `create-org --id`: they appear in URL paths, so plain characters only. */
const ORG_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** An organization by id, else by exact name. */
async function findOrgOrFail(store: Store, ref: string): Promise<OrgRecord> {
  const org = (await store.findOrg(ref)) ?? (await store.findOrgByName(ref));
  if (org === null) throw new CliError(`no organization with the id or name ${JSON.stringify(ref)}`);
  return org;
}

function orgRoleOrFail(config: ServerConfig, raw: string): string {
  const role = parseOrgRole(config, raw);
  if (role === null) throw new CliError(`unknown role ${JSON.stringify(raw)} (roles: ${config.orgRoles.join(', ')})`);
  return role;
}

/** The positionals of a command that takes exactly `count` of them. */
function exactly(p: Parsed, count: number, usage: string): string[] {
  noMoreOptions(p);
  if (p.positionals.length !== count) throw usageError(usage);
  return p.positionals;
}

/** The organization commands (trusted: no role rules, except that the last owner stays). */
async function runOrgCommand(command: string, p: Parsed, env: Env, now: number): Promise<boolean> {
  const { store, config, out } = env;
  const lastOwner = (user: UserRecord, org: OrgRecord): CliError =>
    new CliError(`${user.username} is the last ${ownerRole(config)} of ${cell(org.name)}: make another member ${ownerRole(config)} first`);
  const notMember = (user: UserRecord, org: OrgRecord): CliError => new CliError(`${user.username} is not a member of ${cell(org.name)}`);
  switch (command) {
    case 'create-org': {
      const id = takeOption(p, 'id') ?? randomUUID();
      const [rawName] = exactly(p, 1, 'create-org needs a name (quote it if it has spaces)');
      if (!ORG_ID.test(id)) throw new CliError('--id: use 1-64 letters, digits, _ . - (starting with a letter or digit)');
      const name = checkName(rawName!);
      if (!name.ok) throw new CliError(`organization name: ${name.reason}`);
      if (name.name === '') throw new CliError('the organization name is empty');
      const same = await store.findOrgByName(name.name);
      if (same !== null) throw new CliError(`an organization named ${JSON.stringify(name.name)} exists already (id ${same.id})`);
      try {
        await store.createOrg({ id, name: name.name }, now);
      } catch (err) {
        if (err instanceof DuplicateOrgError) throw new CliError(err.message);
        throw err;
      }
      out(`created organization ${JSON.stringify(cell(name.name))} (id ${id})`);
      return true;
    }
    case 'list-orgs': {
      const json = takeFlag(p, 'json');
      exactly(p, 0, 'list-orgs takes no arguments');
      const orgs = await Promise.all((await store.listOrgs()).map(async (o) => ({ id: o.id, name: o.name, members: (await store.listMembers(o.id)).length })));
      if (json) out(JSON.stringify(orgs));
      else if (orgs.length === 0) out('no organizations');
      else out(table([['ID', 'NAME', 'MEMBERS'], ...orgs.map((o) => [cell(o.id), cell(o.name), String(o.members)])]));
      return true;
    }
    case 'list-members': {
      const json = takeFlag(p, 'json');
      const [ref] = exactly(p, 1, 'list-members needs an organization');
      const members = await store.listMembers((await findOrgOrFail(store, ref!)).id);
      const rows = members.map((m) => ({ username: m.user.username, name: m.user.name, email: m.user.email, role: m.role }));
      if (json) out(JSON.stringify(rows));
      else if (rows.length === 0) out('no members');
      else out(table([['USERNAME', 'NAME', 'EMAIL', 'ROLE'], ...rows.map((r) => [cell(r.username), cell(r.name), cell(r.email), cell(r.role)])]));
      return true;
    }
    case 'add-member':
    case 'set-member-role': {
      const [ref, username, rawRole] = exactly(p, 3, `${command} needs an organization, a username and a role`);
      const org = await findOrgOrFail(store, ref!);
      const user = await findUserOrFail(store, username);
      const role = orgRoleOrFail(config, rawRole!);
      if (command === 'add-member') {
        if ((await store.addMember(org.id, user.id, role, now)) === 'exists') {
          const current = await store.getMembership(org.id, user.id);
          throw new CliError(`${user.username} is a member of ${cell(org.name)} already (role ${cell(current?.role ?? '?')}); use set-member-role`);
        }
        out(`added ${user.username} to ${cell(org.name)} as ${role}`);
        return true;
      }
      const result = await store.changeMember(org.id, user.id, role, ownerRole(config), now);
      if (result === 'last_owner') throw lastOwner(user, org);
      if (result === 'not_member') throw notMember(user, org);
      out(`${user.username} is ${role} in ${cell(org.name)}`);
      return true;
    }
    case 'remove-member': {
      const [ref, username] = exactly(p, 2, 'remove-member needs an organization and a username');
      const org = await findOrgOrFail(store, ref!);
      const user = await findUserOrFail(store, username);
      const result = await store.changeMember(org.id, user.id, null, ownerRole(config), now);
      if (result === 'last_owner') throw lastOwner(user, org);
      if (result === 'not_member') throw notMember(user, org);
      out(`removed ${user.username} from ${cell(org.name)}`);
      return true;
    }
    default:
      return false;
  }
}

function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => [...(r[i] ?? '')].length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c + ' '.repeat(widths[i]! - [...c].length))).join('  ').trimEnd()).join('\n');
}

/** One line, no control characters (names in the store are user input). */
const cell = (s: string): string => s.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');

function validEmails(list: readonly string[]): string[] {
  if (list.length === 0) throw usageError('give at least one email address');
  return list.map((raw) => {
    const c = checkEmail(raw);
    if (!c.ok) throw new CliError(`${JSON.stringify(raw)}: ${c.reason}`);
    return c.email;
  });
}

interface Env {
  readonly io: CliIo;
  readonly config: ServerConfig;
  readonly store: Store;
  readonly hasher: PasswordHasher;
  out(line: string): void;
  warn(line: string): void;
}

async function run(command: string, p: Parsed, env: Env): Promise<void> {
  const { store, out, warn } = env;
  const now = Date.now();
  switch (command) {
    case 'create-superuser': {
      const rawUsername = takeOption(p, 'username');
      const rawEmail = takeOption(p, 'email');
      const rawName = takeOption(p, 'name') ?? '';
      const fromStdin = takeFlag(p, 'password-stdin');
      noMoreOptions(p);
      if (p.positionals.length > 0) throw usageError(`unexpected argument ${JSON.stringify(p.positionals[0])}`);
      if (rawUsername === undefined || rawEmail === undefined) throw usageError('create-superuser needs --username and --email');
      const username = checkUsername(rawUsername);
      if (!username.ok) throw new CliError(`username: ${username.reason}`);
      const email = checkEmail(rawEmail);
      if (!email.ok) throw new CliError(`email: ${email.reason}`);
      const name = checkName(rawName);
      if (!name.ok) throw new CliError(`name: ${name.reason}`);
      if ((await store.findUserByUsername(username.username)) !== null) {
        throw new CliError(`a user named ${username.username} exists already (make it an admin with: auth-admin set-roles ${username.username} admin)`);
      }
      const lookalike = await store.findConfusableUser(username.username);
      if (lookalike !== null) throw new CliError(`username ${username.username} ${lookalikeReason(lookalike.username)}: choose another one`);
      const password = await readNewPassword(env.io, fromStdin);
      const problem = passwordProblem(password, env.config.passwordMinLength, { username: username.username, email: email.email });
      if (problem !== null) throw new CliError(`password refused: ${problem}`);
      try {
        await store.createUser(
          { username: username.username, email: email.email, name: name.name, passwordHash: await env.hasher.hash(password), roles: ['admin'] },
          now,
        );
      } catch (err) {
        if (err instanceof DuplicateUserError) {
          // Created meanwhile by someone else.
          throw new CliError(err.field === 'email' ? `another user has the email ${email.email}` : err.message);
        }
        throw err;
      }
      out(`created superuser ${username.username} (roles: admin)`);
      return;
    }
    case 'list-users': {
      const json = takeFlag(p, 'json');
      noMoreOptions(p);
      const users = await store.listUsers();
      if (json) {
        out(JSON.stringify(users.map((u) => ({ username: u.username, name: u.name, email: u.email, roles: u.roles, disabled: u.disabled }))));
        return;
      }
      if (users.length === 0) {
        out('no users');
        return;
      }
      out(
        table([
          ['USERNAME', 'NAME', 'EMAIL', 'ROLES', 'DISABLED'],
          ...users.map((u) => [cell(u.username), cell(u.name), cell(u.email), cell(u.roles.join(',')), u.disabled ? 'yes' : 'no']),
        ]),
      );
      return;
    }
    case 'disable':
    case 'enable': {
      noMoreOptions(p);
      if (p.positionals.length !== 1) throw usageError(`${command} needs exactly one username`);
      const user = await findUserOrFail(store, p.positionals[0]);
      await store.setDisabled(user.id, command === 'disable', now);
      // Disabled users are refused at once anyway (every token check reads the store); ending
      // their sessions too means enabling them later does not bring old sessions back.
      if (command === 'disable') await store.revokeAllSessionsOfUser(user.id, now);
      out(`${user.username} ${command === 'disable' ? 'disabled' : 'enabled'}`);
      return;
    }
    case 'set-roles': {
      noMoreOptions(p);
      if (p.positionals.length !== 2) throw usageError('set-roles needs a username and a comma list of roles ("" for none)');
      const user = await findUserOrFail(store, p.positionals[0]);
      const roles = [...new Set(p.positionals[1]!.split(',').map((r) => r.trim()).filter((r) => r !== ''))];
      const bad = roles.find((r) => !ROLE_NAME.test(r));
      if (bad !== undefined) throw new CliError(`${JSON.stringify(bad)} is not a valid role name (letters, digits, _ . : -)`);
      await store.setRoles(user.id, roles, now);
      out(`${user.username} roles: ${roles.length === 0 ? '(none)' : roles.join(',')}`);
      return;
    }
    case 'preauth': {
      noMoreOptions(p);
      const [sub, ...rest] = p.positionals;
      if (sub === 'list') {
        if (rest.length > 0) throw usageError('preauth list takes no arguments');
        const list = await store.listPreauthorizedEmails();
        out(list.length === 0 ? 'no pre-authorized emails' : list.join('\n'));
      } else if (sub === 'add') {
        const emails = validEmails(rest);
        const added = await store.addPreauthorizedEmails(emails, now);
        out(`pre-authorized ${added} email(s)${added < emails.length ? ` (${emails.length - added} already listed)` : ''}`);
      } else if (sub === 'remove') {
        const emails = validEmails(rest);
        const removed = await store.removePreauthorizedEmails(emails);
        out(`removed ${removed} email(s)${removed < emails.length ? ` (${emails.length - removed} not listed)` : ''}`);
      } else {
        throw usageError('preauth needs add, remove or list');
      }
      return;
    }
    case 'import-yaml': {
      noMoreOptions(p);
      if (p.positionals.length !== 1) throw usageError('import-yaml needs exactly one file');
      const file = path.resolve(env.io.cwd, p.positionals[0]!);
      let text: string;
      try {
        const stat = fs.statSync(file);
        if (!stat.isFile()) throw new CliError(`${file} is not a file`);
        if (stat.size > MAX_YAML_BYTES) throw new CliError(`${file} is larger than 10 MB`);
        text = fs.readFileSync(file, 'utf8');
      } catch (err) {
        if (err instanceof CliError) throw err;
        const code = (err as NodeJS.ErrnoException).code;
        const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (code ?? (err as Error).message);
        throw new CliError(`cannot read ${file}: ${why}`);
      }
      const report = await importStreamlitAuthenticator(text, path.basename(file), store, env.hasher, now);
      for (const w of report.warnings) warn(w);
      for (const u of report.plainTextPasswords) {
        warn(`${u}: the password was plain text in the file; it is stored hashed (argon2id) now — remove it from the file`);
      }
      for (const i of report.invalid) warn(`${i.username}: not imported: ${i.reason}`);
      for (const e of report.preauthorizedSkipped) warn(`pre-authorized ${e.email}: skipped: ${e.reason}`);
      out(
        `users: ${report.created.length} created, ${report.existing.length + report.invalid.length} skipped` +
          ` (${report.existing.length} already exist, ${report.invalid.length} invalid); ` +
          `pre-authorized emails: ${report.preauthorizedAdded} added`,
      );
      return;
    }
    default:
      if (!(await runOrgCommand(command, p, env, now))) throw usageError(`unknown command ${JSON.stringify(command)}`);
  }
}

/** Run the CLI; resolves the exit status. */
export async function main(argv: readonly string[], io: Partial<CliIo> = {}): Promise<number> {
  const fullIo: CliIo = {
    stdin: io.stdin ?? process.stdin,
    stdout: io.stdout ?? process.stdout,
    stderr: io.stderr ?? process.stderr,
    env: io.env ?? process.env,
    cwd: io.cwd ?? process.cwd(),
  };
  const out = (line: string): void => void fullIo.stdout.write(`${line}\n`);
  const warn = (line: string): void => void fullIo.stderr.write(`auth-admin: warning: ${line.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?')}\n`);
  let store: Store | null = null;
  try {
    const parsed = parseArgs(argv, new Set(['json', 'password-stdin', 'help']));
    if (takeFlag(parsed, 'help') || parsed.positionals[0] === 'help') {
      out(USAGE);
      return 0;
    }
    const db = takeOption(parsed, 'db');
    const [command, ...positionals] = parsed.positionals;
    if (command === undefined) throw usageError('no command given');
    let config: ServerConfig;
    try {
      const env = db === undefined ? fullIo.env : { ...fullIo.env, AUTH_DB: path.resolve(fullIo.cwd, db), AUTH_DATABASE_URL: undefined };
      config = configFromEnv(env, repoRoot);
    } catch (err) {
      if (err instanceof ConfigError) throw new CliError(`configuration error: ${err.message}`);
      throw err;
    }
    store = await openStore(config, { warn });
    await run(command, { positionals, options: parsed.options }, { io: fullIo, config, store, hasher: argon2Hasher(), out, warn });
    return 0;
  } catch (err) {
    if (err instanceof CliError || err instanceof ImportError) {
      fullIo.stderr.write(`auth-admin: ${err.message}\n`);
      return err instanceof CliError ? err.exitCode : 1;
    }
    // Anything else: one line, no stack trace (set AUTH_ADMIN_DEBUG=1 for the stack).
    const e = err as Error;
    fullIo.stderr.write(`auth-admin: error: ${e?.message ?? String(err)}\n`);
    if (fullIo.env['AUTH_ADMIN_DEBUG'] === '1') fullIo.stderr.write(`${e?.stack ?? ''}\n`);
    return 1;
  } finally {
    if (store !== null) await store.close().catch(() => undefined);
  }
}
