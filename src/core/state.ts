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

/** An organization the user belongs to, with the user's role in it and that role's permissions. */
export interface AuthOrg {
  readonly id: string;
  readonly name: string;
  /** The user's role in this organization (one of the ordered roles, e.g. `owner`). */
  readonly role?: string;
  /** Every permission the role grants here, the lower roles' included. */
  readonly permissions?: readonly string[];
}

/** A member of an organization, as its owners and admins see it (reference server). */
export interface AuthMember {
  readonly id: string;
  readonly username?: string;
  readonly name?: string;
  readonly email?: string;
  readonly role: string;
}

/** The default role order, highest first: a higher role includes every lower one. */
export const DEFAULT_ORG_ROLES: readonly string[] = ['owner', 'admin', 'member'];

/**
 * Whether `org` gives at least `role`, in `order` (highest first; compared case-insensitively, so
 * PropelAuth's `Owner` is `owner`). A role missing from the order matches only itself.
 */
export function orgRoleAtLeast(org: AuthOrg | null | undefined, role: string, order: readonly string[] = DEFAULT_ORG_ROLES): boolean {
  const have = org?.role?.toLowerCase();
  if (!have) return false;
  const want = role.toLowerCase();
  if (have === want) return true;
  const rank = (r: string) => order.findIndex((o) => o.toLowerCase() === r);
  const h = rank(have);
  const w = rank(want);
  return h >= 0 && w >= 0 && h <= w;
}

/** Whether `org`'s role grants `permission` (exact match). */
export function orgHasPermission(org: AuthOrg | null | undefined, permission: string): boolean {
  return !!org?.permissions?.includes(permission);
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
