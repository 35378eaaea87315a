/**
 * Demo mode: well-known accounts with well-known passwords, for the demo pages and the e2e tests.
 * Refused unless the config says demo (AUTH_DEMO=1), so a real deployment never gets them.
 */
import type { ServerConfig } from './config.js';
import type { PasswordHasher } from './passwords.js';
import { DuplicateUserError, type Store } from './store/types.js';

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
