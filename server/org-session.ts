/**
 * The active organization of a session, always read from the store: at login the user's oldest
 * membership, kept by refresh, changed by select and leave — and at every token issue checked
 * again, so a member removed meanwhile gets tokens without the org (and the session forgets it).
 */
import { effectivePermissions, type OrgPolicy } from './orgs.js';
import type { OrgRecord, SessionRecord, Store } from './store/types.js';
import type { PublicOrg } from './tokens.js';

/** The org as clients see it, with the role's effective permissions. */
export function publicOrg(policy: OrgPolicy, org: OrgRecord, role: string): PublicOrg {
  return { id: org.id, name: org.name, role, permissions: effectivePermissions(policy, role) };
}

/** The user's org `orgId` with their current role, or null when they are not (or no more) a member. */
export async function memberOrg(store: Store, policy: OrgPolicy, orgId: string, userId: string): Promise<PublicOrg | null> {
  const membership = await store.getMembership(orgId, userId);
  if (membership === null) return null;
  const org = await store.findOrg(orgId);
  return org === null ? null : publicOrg(policy, org, membership.role);
}

/**
 * The session's active org per the store. When the user is no longer a member, null — and with
 * `forget` (token issues) the session's org is cleared, so it does not come back by itself if the
 * user is added again later.
 */
export async function activeOrg(
  store: Store,
  policy: OrgPolicy,
  session: SessionRecord,
  now: number,
  options: { readonly forget: boolean },
): Promise<PublicOrg | null> {
  if (session.orgId === null) return null;
  const org = await memberOrg(store, policy, session.orgId, session.userId);
  if (org === null && options.forget) await store.setSessionOrg(session.id, null, now);
  return org;
}

/** Make the user's oldest membership (or none) the session's org: at login, and after leaving one. */
export async function adoptOldestOrg(store: Store, policy: OrgPolicy, session: SessionRecord, now: number): Promise<PublicOrg | null> {
  const [oldest] = await store.listOrgsOfUser(session.userId);
  const org = oldest === undefined ? null : publicOrg(policy, oldest.org, oldest.role);
  if (org !== null || session.orgId !== null) await store.setSessionOrg(session.id, org?.id ?? null, now);
  return org;
}
