import type { AuthError } from './errors.js';

export type AuthStateStatus = 'unknown' | 'anonymous' | 'pending' | 'authenticated' | 'error';

/** Who is signed in. Built from verified claims or a server's answer; never contains a token. */
export interface AuthUser {
  /** Stable identifier (`sub`). */
  readonly id: string;
  readonly username?: string;
  readonly name?: string;
  readonly email?: string;
  /** Roles, most privileged first when the server orders them. */
  readonly roles: readonly string[];
  /** Permission strings (`org:billing:read`, …), when the backend has them. */
  readonly permissions: readonly string[];
  /** The non-secret claims the user was built from (no `jti`-like secrets are added). */
  readonly claims: Readonly<Record<string, unknown>>;
}

export interface AuthOrg {
  readonly id: string;
  readonly name: string;
  readonly role?: string;
  readonly permissions?: readonly string[];
}

/**
 * One immutable snapshot; the client makes a new object on every change, so elements can compare
 * by identity. It never holds a token: it is safe to put in events and logs.
 */
export interface AuthState {
  readonly status: AuthStateStatus;
  readonly user: AuthUser | null;
  readonly org: AuthOrg | null;
  /** When the current credentials expire (ms since the epoch), if known. */
  readonly expiresAt: number | null;
  /** A session-level error: the session could not be restored, refreshed or ended cleanly. */
  readonly error: AuthError | null;
}

export const UNKNOWN_STATE: AuthState = Object.freeze({
  status: 'unknown',
  user: null,
  org: null,
  expiresAt: null,
  error: null,
});

export function makeState(partial: Partial<AuthState>): AuthState {
  return Object.freeze({ ...UNKNOWN_STATE, ...partial });
}

export function makeUser(input: {
  id: string;
  username?: string | undefined;
  name?: string | undefined;
  email?: string | undefined;
  roles?: readonly string[] | undefined;
  permissions?: readonly string[] | undefined;
  claims?: Record<string, unknown> | undefined;
}): AuthUser {
  const user: {
    id: string;
    username?: string;
    name?: string;
    email?: string;
    roles: readonly string[];
    permissions: readonly string[];
    claims: Readonly<Record<string, unknown>>;
  } = {
    id: input.id,
    roles: Object.freeze([...(input.roles ?? [])]),
    permissions: Object.freeze([...(input.permissions ?? [])]),
    claims: Object.freeze({ ...(input.claims ?? {}) }),
  };
  if (input.username !== undefined) user.username = input.username;
  if (input.name !== undefined) user.name = input.name;
  if (input.email !== undefined) user.email = input.email;
  return Object.freeze(user);
}

/** The name to show for a user: name, then username, then email, then id. */
export function displayName(user: AuthUser): string {
  return user.name || user.username || user.email || user.id;
}

/** True when the user holds the role (exact match) or the permission string. */
export function hasRole(user: AuthUser | null, role: string): boolean {
  return !!user && user.roles.includes(role);
}
