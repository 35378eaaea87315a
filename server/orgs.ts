/**
 * Organization policy: the ordered roles, their permissions and the rules of member operations.
 * Pure functions over the configuration (no store, no HTTP), so the rules can be tested alone and
 * the routes (server/routes/orgs.ts) only fetch what they need from the store and ask here.
 *
 * The order is highest first; a higher role includes every lower one (its permissions too). The
 * highest role is the "owner" role (an organization must keep one); member operations need the
 * `admin` role or higher, or the highest role when the order has no `admin`.
 */

/** The default order, highest first (the browser's DEFAULT_ORG_ROLES says the same). */
export const DEFAULT_ORG_ROLES: readonly string[] = Object.freeze(['owner', 'admin', 'member']);

/** Each default role's own permissions (the effective ones add every lower role's). */
export const DEFAULT_ORG_PERMISSIONS: Readonly<Record<string, readonly string[]>> = Object.freeze({
  owner: ['billing:write'],
  admin: ['members:write', 'reports:write'],
  member: ['reports:read'],
});

/** What the rules read from the server config. */
export interface OrgPolicy {
  /** Role ids, highest first. */
  readonly orgRoles: readonly string[];
  /** Role id -> the role's own permission strings. */
  readonly orgPermissions: Readonly<Record<string, readonly string[]>>;
}

/** Role ids: lower case, so that a role compares equal however a client spells it. */
const ROLE_ID = /^[a-z][a-z0-9_-]{0,63}$/;
const MAX_PERMISSION_LENGTH = 200;

/** Why an order is unusable (a sentence naming AUTH_ORG_ROLES), or null. */
export function orgRolesProblem(roles: readonly string[]): string | null {
  const what = 'orgRoles (AUTH_ORG_ROLES)';
  if (roles.length === 0) return `${what} must name at least one role, highest first (default: ${DEFAULT_ORG_ROLES.join(',')})`;
  const seen = new Set<string>();
  for (const role of roles) {
    if (typeof role !== 'string' || !ROLE_ID.test(role)) {
      return `${what}: ${JSON.stringify(role)} is not a role id (lower-case letters, digits, _ and -, starting with a letter)`;
    }
    if (seen.has(role)) return `${what} lists ${JSON.stringify(role)} twice`;
    seen.add(role);
  }
  return null;
}

/** Why a permission map is unusable with `roles` (a sentence naming AUTH_ORG_PERMISSIONS), or null. */
export function orgPermissionsProblem(roles: readonly string[], permissions: unknown): string | null {
  const what = 'orgPermissions (AUTH_ORG_PERMISSIONS)';
  if (typeof permissions !== 'object' || permissions === null || Array.isArray(permissions)) {
    return `${what} must be an object: role -> array of permission strings`;
  }
  for (const [role, list] of Object.entries(permissions)) {
    if (!roles.includes(role)) return `${what} names the unknown role ${JSON.stringify(role)} (roles: ${roles.join(', ')})`;
    const ok = Array.isArray(list) && list.every((p) => typeof p === 'string' && p !== '' && p.length <= MAX_PERMISSION_LENGTH && !/[\s\u0000-\u001f]/.test(p));
    if (!ok) return `${what} for ${JSON.stringify(role)} must be an array of non-empty strings without spaces`;
  }
  return null;
}

/** The default permissions of the default roles found in `roles` (custom orders without AUTH_ORG_PERMISSIONS). */
export function defaultOrgPermissions(roles: readonly string[]): Record<string, readonly string[]> {
  return Object.fromEntries(Object.entries(DEFAULT_ORG_PERMISSIONS).filter(([role]) => roles.includes(role)));
}

/** The role's place in the order (0 = highest), or -1 for a role the configuration does not know. */
function rank(policy: OrgPolicy, role: string): number {
  return policy.orgRoles.indexOf(role);
}

/** A known role id from client input (compared case-insensitively), or null. */
export function parseOrgRole(policy: OrgPolicy, input: unknown): string | null {
  if (typeof input !== 'string') return null;
  const role = input.toLowerCase();
  return rank(policy, role) === -1 ? null : role;
}

/** Whether `have` is `want` or higher. Unknown roles reach nothing and are reached by nothing. */
export function roleAtLeast(policy: OrgPolicy, have: string, want: string): boolean {
  const h = rank(policy, have);
  const w = rank(policy, want);
  return h !== -1 && w !== -1 && h <= w;
}

/** Whether `role` is strictly above `other` (an unknown `other` counts as the lowest). */
function roleAbove(policy: OrgPolicy, role: string, other: string): boolean {
  const r = rank(policy, role);
  const o = rank(policy, other);
  return r !== -1 && (o === -1 || r < o);
}

/** The highest role: an organization must keep at least one member with it. */
export function ownerRole(policy: OrgPolicy): string {
  return policy.orgRoles[0]!;
}

/** The lowest role that may manage members: `admin` when configured, else the highest role. */
export function managerRole(policy: OrgPolicy): string {
  return policy.orgRoles.includes('admin') ? 'admin' : ownerRole(policy);
}

/** The role's own permissions and every lower role's, without duplicates, own first. */
export function effectivePermissions(policy: OrgPolicy, role: string): string[] {
  const r = rank(policy, role);
  if (r === -1) return [];
  const out = new Set<string>();
  for (const lower of policy.orgRoles.slice(r)) {
    for (const p of Object.hasOwn(policy.orgPermissions, lower) ? (policy.orgPermissions[lower] ?? []) : []) out.add(p);
  }
  return [...out];
}

/** A refused operation: HTTP status, error code and a sentence for people. */
export interface OrgRefusal {
  readonly status: 400 | 403 | 404 | 409;
  readonly code: string;
  readonly message: string;
}

const refuse = (status: OrgRefusal['status'], code: string, message: string): OrgRefusal => ({ status, code, message });

/** Rule 3: listing, adding, changing and removing others need the manager role or higher. */
export function requireManager(policy: OrgPolicy, callerRole: string): OrgRefusal | null {
  return roleAtLeast(policy, callerRole, managerRole(policy))
    ? null
    : refuse(403, 'forbidden', `Managing members needs the ${managerRole(policy)} role or higher in this organization.`);
}

/** Rule 4 (adding): nobody grants a role above their own. */
export function checkRoleGrant(policy: OrgPolicy, callerRole: string, role: string): OrgRefusal | null {
  return roleAbove(policy, role, callerRole) ? refuse(403, 'role_too_high', 'You cannot grant a role above your own.') : null;
}

/** Who changes or removes whom: ids and current roles. */
export interface MemberChange {
  readonly callerId: string;
  readonly callerRole: string;
  readonly targetId: string;
  readonly targetRole: string;
}

/**
 * Rules 4 and 5 (changing a role; rule 3 checked before): one's own role may only go down
 * (`self_promotion`); another member's only when both their current role and the new one are not
 * above the caller's (`role_too_high`).
 */
export function checkRoleChange(policy: OrgPolicy, change: MemberChange & { readonly newRole: string }): OrgRefusal | null {
  if (change.callerId === change.targetId) {
    return roleAbove(policy, change.newRole, change.callerRole) ? refuse(403, 'self_promotion', 'You cannot raise your own role.') : null;
  }
  if (roleAbove(policy, change.targetRole, change.callerRole)) {
    return refuse(403, 'role_too_high', 'You cannot change the role of a member above your own role.');
  }
  return checkRoleGrant(policy, change.callerRole, change.newRole);
}

/**
 * Rules 3 and 4 (removing): anyone may remove themself (leave); removing another member needs the
 * manager role and a target not above the caller's role.
 */
export function checkRemoval(policy: OrgPolicy, change: MemberChange): OrgRefusal | null {
  if (change.callerId === change.targetId) return null;
  const notManager = requireManager(policy, change.callerRole);
  if (notManager !== null) return notManager;
  return roleAbove(policy, change.targetRole, change.callerRole)
    ? refuse(403, 'role_too_high', 'You cannot remove a member above your own role.')
    : null;
}

/** The roles read inside the store's atomic step (null: not a member); see server/store/types.ts. */
export interface CurrentRoles {
  readonly actor: string | null;
  readonly target: string | null;
}

/** A policy the store runs inside the write's atomic step: a refusal, or null to go on. */
export type MemberDecision = (roles: CurrentRoles) => OrgRefusal | null;

/** Rule 2 from the roles read at the write: the caller is still a member. */
const notAMember = (): OrgRefusal => refuse(403, 'not_a_member', 'You are not a member of this organization.');

/**
 * Rules 2-4 for adding, decided from the caller's role at the write (the routes' earlier checks
 * only give clearer errors sooner): a member, manager role or higher, granting no role above it.
 */
export function decideAdd(policy: OrgPolicy, newRole: string): MemberDecision {
  return ({ actor }) => (actor === null ? notAMember() : (requireManager(policy, actor) ?? checkRoleGrant(policy, actor, newRole)));
}

/**
 * Rules 2-5 for changing a role, decided from the caller's and the member's roles at the write.
 * A target that is not a member passes here (the store then answers 'not_member').
 */
export function decideRoleChange(policy: OrgPolicy, callerId: string, targetId: string, newRole: string): MemberDecision {
  return ({ actor, target }) => {
    if (actor === null) return notAMember();
    const notManager = requireManager(policy, actor);
    if (notManager !== null || target === null) return notManager;
    return checkRoleChange(policy, { callerId, callerRole: actor, targetId, targetRole: target, newRole });
  };
}

/** Rules 2-4 for removing (oneself: leaving, any member), decided from the roles at the write. */
export function decideRemoval(policy: OrgPolicy, callerId: string, targetId: string): MemberDecision {
  return ({ actor, target }) => {
    if (actor === null) return notAMember();
    if (callerId !== targetId) {
      const notManager = requireManager(policy, actor);
      if (notManager !== null || target === null) return notManager;
    }
    return target === null ? null : checkRemoval(policy, { callerId, callerRole: actor, targetId, targetRole: target });
  };
}
