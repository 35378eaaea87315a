/**
 * Demo mode: well-known accounts with well-known passwords, for the demo pages and the e2e tests.
 * Refused unless the config says demo (AUTH_DEMO=1), so a real deployment never gets them.
 */
import type { ServerConfig } from './config.js';
import { managerRole, ownerRole, type OrgPolicy } from './orgs.js';
import type { PasswordHasher } from './passwords.js';
import { DuplicateOrgError, DuplicateUserError, type Store } from './store/types.js';

export interface DemoAccount {
  readonly username: string;
  readonly password: string;
  readonly name: string;
  readonly email: string;
  readonly roles: readonly string[];
}

export const DEMO_ACCOUNTS: readonly DemoAccount[] = Object.freeze([
  { username: 'alice', password: 'alice-demo-password', name: 'Alice Example', email: 'alice@example.com', roles: ['member'] },
  { username: 'admin', password: 'admin-demo-password', name: 'Ada Admin', email: 'admin@example.com', roles: ['admin'] },
]);

/** A demo organization and its members ([username, role], role in the default order). */
export interface DemoOrg {
  readonly id: string;
  readonly name: string;
  readonly members: readonly (readonly [string, string])[];
}

/**
 * Two organizations where the demo users have different roles, so the demo shows switching and
 * content guarded by role and permission: alice owns Acme Corp and is a plain member of Globex;
 * admin is the other way round (member of Acme Corp, admin of Globex).
 */
export const DEMO_ORGS: readonly DemoOrg[] = Object.freeze([
  { id: 'acme', name: 'Acme Corp', members: [['alice', 'owner'], ['admin', 'member']] },
  { id: 'globex', name: 'Globex', members: [['alice', 'member'], ['admin', 'admin']] },
]);

export class DemoModeError extends Error {
  override readonly name = 'DemoModeError';
}

/** Create the demo accounts that are missing. Throws DemoModeError unless `config.demo`. */
export async function ensureDemoAccounts(
  config: Pick<ServerConfig, 'demo'>,
  store: Store,
  hasher: PasswordHasher,
  now: number,
): Promise<string[]> {
  if (config.demo !== true) {
    throw new DemoModeError('demo accounts are only created in demo mode (AUTH_DEMO=1)');
  }
  const created: string[] = [];
  for (const account of DEMO_ACCOUNTS) {
    if ((await store.findUserByUsername(account.username)) !== null) continue;
    try {
      await store.createUser(
        {
          username: account.username,
          name: account.name,
          email: account.email,
          roles: account.roles,
          passwordHash: await hasher.hash(account.password),
        },
        now,
      );
      created.push(account.username);
    } catch (err) {
      if (!(err instanceof DuplicateUserError)) throw err; // another process made it meanwhile
    }
  }
  return created;
}

/** A default role in the configured order: itself when configured, else the highest, managing or lowest role. */
function demoRole(policy: OrgPolicy, role: string): string {
  if (policy.orgRoles.includes(role)) return role;
  if (role === 'owner') return ownerRole(policy);
  if (role === 'admin') return managerRole(policy);
  return policy.orgRoles[policy.orgRoles.length - 1]!;
}

/**
 * Create the demo organizations that are missing, with their members (after ensureDemoAccounts).
 * Members are only added to an organization this call created: what a visitor changed later stays
 * changed after a restart. Two processes starting together create each organization once.
 */
export async function ensureDemoOrgs(config: Pick<ServerConfig, 'demo'> & OrgPolicy, store: Store, now: number): Promise<string[]> {
  if (config.demo !== true) throw new DemoModeError('demo organizations are only created in demo mode (AUTH_DEMO=1)');
  const created: string[] = [];
  for (const demo of DEMO_ORGS) {
    if ((await store.findOrg(demo.id)) !== null) continue;
    try {
      await store.createOrg({ id: demo.id, name: demo.name }, now);
    } catch (err) {
      if (err instanceof DuplicateOrgError) continue; // another process made it meanwhile
      throw err;
    }
    for (const [username, role] of demo.members) {
      const user = await store.findUserByUsername(username);
      if (user !== null) await store.addMember(demo.id, user.id, demoRole(config, role), now);
    }
    created.push(demo.id);
  }
  return created;
}
