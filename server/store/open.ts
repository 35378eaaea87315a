/**
 * The one place a server (or the admin CLI) opens its store from a config:
 * PostgreSQL when `config.databaseUrl` is set (several processes can share it), else the SQLite
 * file at `config.dbPath` (the zero-set-up default).
 */
import type { ServerConfig } from '../config.js';
import { openPostgresStore, type PostgresStoreOptions } from './postgres.js';
import { openSqliteStore } from './sqlite.js';
import type { Store } from './types.js';

/** Which store `openStore(config)` opens, for start-up messages. Never includes a password. */
export function describeStore(config: Pick<ServerConfig, 'databaseUrl' | 'dbPath'>): string {
  if (config.databaseUrl === undefined) return `SQLite ${config.dbPath}`;
  try {
    const u = new URL(config.databaseUrl);
    return `PostgreSQL ${u.hostname || 'localhost'}${u.port ? `:${u.port}` : ''}${u.pathname}`;
  } catch {
    return 'PostgreSQL';
  }
}

/** Open (creating and migrating if needed) the store the config names. The caller closes it. */
export async function openStore(
  config: Pick<ServerConfig, 'databaseUrl' | 'dbPath'>,
  options: PostgresStoreOptions = {},
): Promise<Store> {
  if (config.databaseUrl !== undefined) return openPostgresStore(config.databaseUrl, options);
  return openSqliteStore(config.dbPath, options);
}
