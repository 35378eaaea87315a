/**
 * Organizations in JWT API mode: the user's orgs, selecting the active one, the members of the
 * active one (owners' and admins' operations) and leaving it.
 *
 * Every route authenticates the Bearer access token fully (signature, claims, session and user in
 * the store). Roles and memberships are read from the store at request time, never from the
 * token's org claims — those only say WHICH org the token acts on (rule 1). The checks, in order:
 * 1. `:org` is the token's `org_id`, else 403 org_mismatch;
 * 2. the caller is a member now, else 403 not_a_member;
 * 3. listing, adding, changing and removing others need the manager role (admin) now, else 403 forbidden;
 * 4. a known role (400 invalid_role), not above the caller's own, for a member not above it (403 role_too_high);
 * 5. one's own role only goes down (403 self_promotion);
 * 6. the last owner stays (409 last_owner), checked by the store in the same atomic step as the write.
 * Rules 2-5 are checked early for clear errors, then decided again by the store inside the write's
 * atomic step from the roles it reads there (server/orgs.ts decideAdd, decideRoleChange,
 * decideRemoval), so a caller demoted at the same instant cannot complete what the old role allowed.
 */
import type { IncomingMessage } from 'node:http';
import { HttpError, optionalField, requireString, sendEmpty, sendJson, type BodyFields } from '../http.js';
import { adoptOldestOrg, memberOrg, publicOrg } from '../org-session.js';
import {
  checkRemoval,
  checkRoleChange,
  checkRoleGrant,
  decideAdd,
  decideRemoval,
  decideRoleChange,
  ownerRole,
  parseOrgRole,
  requireManager,
  type OrgRefusal,
} from '../orgs.js';
import type { RouteParams } from '../router.js';
import type { ChangeMemberResult, Refused, UserRecord } from '../store/types.js';
import type { PublicOrg, VerifiedAccess } from '../tokens.js';
import { authenticateAccess, requireFields } from './account.js';
import { accessAnswer, type AuthContext, type RouteTable } from './auth.js';

const MAX_ORG_ID_FIELD = 512;
const MAX_LOGIN_FIELD = 320;
const MAX_ROLE_FIELD = 64;

/** A member as owners and admins see it. */
export interface PublicMember {
  id: string;
  username: string;
  name: string;
  email: string;
  role: string;
}

const publicMember = (user: UserRecord, role: string): PublicMember => ({
  id: user.id,
  username: user.username,
  name: user.name,
  email: user.email,
  role,
});

/** Throw the policy's refusal, if any, as an HTTP error. */
function enforce(refusal: OrgRefusal | null): void {
  if (refusal !== null) throw new HttpError(refusal.status, refusal.code, refusal.message);
}

const orgMismatch = (): HttpError =>
  new HttpError(403, 'org_mismatch', 'This access token is for another organization (or none): select this organization first.');
const notAMember = (): HttpError => new HttpError(403, 'not_a_member', 'You are not a member of this organization.');
const memberNotFound = (): HttpError => new HttpError(404, 'member_not_found', 'This user is not a member of this organization.');

/** The caller of a `:org` route, past rules 1 and 2, with their role there now. */
interface OrgCaller extends VerifiedAccess {
  readonly orgId: string;
  readonly role: string;
}

export function orgRoutes(ctx: AuthContext): RouteTable {
  const { config, store } = ctx;
  const limit = config.bodyLimit;

  const lastOwner = (): HttpError =>
    new HttpError(409, 'last_owner', `An organization keeps at least one ${ownerRole(config)}: make another member ${ownerRole(config)} first.`);

  /** Rules 1 and 2: the token acts on `:org`, and its user is a member of it (store). */
  async function orgCaller(req: IncomingMessage, params: RouteParams): Promise<OrgCaller> {
    const access = await authenticateAccess(ctx, req);
    const orgId = params['org'];
    if (orgId === undefined || typeof access.claims.org_id !== 'string' || access.claims.org_id !== orgId) throw orgMismatch();
    const membership = await store.getMembership(orgId, access.user.id);
    if (membership === null) throw notAMember();
    return { ...access, orgId, role: membership.role };
  }

  /** The "role" field: a string (else 400 invalid_request) naming a configured role (else 400 invalid_role). */
  function roleField(fields: BodyFields): string {
    const role = parseOrgRole(config, requireString(fields, 'role', MAX_ROLE_FIELD));
    if (role === null) throw new HttpError(400, 'invalid_role', `Unknown role; the roles are ${config.orgRoles.join(', ')}.`);
    return role;
  }

  /** The "org_id" field of select: an org id, or null for none. */
  function orgIdField(fields: BodyFields): string | null {
    const v = optionalField(fields, 'org_id');
    if (v === null) return null;
    if (typeof v === 'string' && v !== '' && v.length <= MAX_ORG_ID_FIELD) return v;
    throw new HttpError(400, 'invalid_request', 'The field "org_id" must be an organization id, or null for none.');
  }

  /** changeMember's refusals (the policy's, decided at the write, and the store's) as HTTP errors. */
  function applied(result: ChangeMemberResult | Refused<OrgRefusal>): void {
    if (typeof result === 'object') enforce(result.refused);
    if (result === 'last_owner') throw lastOwner();
    if (result === 'not_member') throw memberNotFound();
  }

  /**
   * A new access token for the session's (new) org, shaped like a refresh answer without a refresh
   * token; the token is also under `access_token`, the contract's name.
   */
  async function tokenAnswer(access: VerifiedAccess, org: PublicOrg | null, now: number): Promise<Record<string, unknown>> {
    const body = await accessAnswer(ctx, access.user, access.session, org, now);
    return { ...body, access_token: body['access'] };
  }

  const findUserByLogin = async (login: string): Promise<UserRecord | null> =>
    (await store.findUserByUsername(login)) ?? (login.includes('@') ? await store.findUserByEmail(login) : null);

  return {
    '/api/auth/orgs': {
      GET: async (req, res) => {
        const { user, session } = await authenticateAccess(ctx, req);
        const orgs = await store.listOrgsOfUser(user.id);
        const active = orgs.some((o) => o.org.id === session.orgId) ? session.orgId : null;
        sendJson(res, 200, { orgs: orgs.map((o) => publicOrg(config, o.org, o.role)), active, roles: [...config.orgRoles] });
      },
    },
    '/api/auth/orgs/select': {
      POST: async (req, res) => {
        const access = await authenticateAccess(ctx, req);
        const orgId = orgIdField(await requireFields(req, limit, '"org_id" (an organization id, or null)'));
        const org = orgId === null ? null : await memberOrg(store, config, orgId, access.user.id);
        // An org that does not exist answers like one the user is not in.
        if (orgId !== null && org === null) throw notAMember();
        const now = ctx.now();
        await store.setSessionOrg(access.session.id, orgId, now);
        sendJson(res, 200, await tokenAnswer(access, org, now));
      },
    },
    '/api/auth/orgs/:org/members': {
      GET: async (req, res, _url, params) => {
        const caller = await orgCaller(req, params);
        enforce(requireManager(config, caller.role));
        const members = await store.listMembers(caller.orgId);
        sendJson(res, 200, { members: members.map((m) => publicMember(m.user, m.role)) });
      },
      POST: async (req, res, _url, params) => {
        const caller = await orgCaller(req, params);
        enforce(requireManager(config, caller.role));
        const fields = await requireFields(req, limit, '"login" (username or email) and "role"');
        const login = requireString(fields, 'login', MAX_LOGIN_FIELD);
        const role = roleField(fields);
        enforce(checkRoleGrant(config, caller.role, role));
        const user = await findUserByLogin(login);
        if (user === null) throw new HttpError(404, 'user_not_found', 'No user has this username or email.');
        const added = await store.addMember(caller.orgId, user.id, role, ctx.now(), {
          userId: caller.user.id,
          decide: decideAdd(config, role),
        });
        if (typeof added === 'object') enforce(added.refused);
        if (added === 'exists') {
          throw new HttpError(409, 'already_member', 'This user is a member of this organization already.');
        }
        sendJson(res, 201, { member: publicMember(user, role) });
      },
    },
    '/api/auth/orgs/:org/members/:userId': {
      PATCH: async (req, res, _url, params) => {
        const caller = await orgCaller(req, params);
        enforce(requireManager(config, caller.role));
        const role = roleField(await requireFields(req, limit, '"role"'));
        const targetId = params['userId']!;
        const target = await store.getMembership(caller.orgId, targetId);
        if (target === null) throw memberNotFound();
        enforce(checkRoleChange(config, { callerId: caller.user.id, callerRole: caller.role, targetId, targetRole: target.role, newRole: role }));
        // The checks above answer clearly and early; the decision that counts is taken again from the
        // roles read in the write's atomic step (a caller demoted meanwhile is refused there).
        const decide = decideRoleChange(config, caller.user.id, targetId, role);
        applied(await store.changeMember(caller.orgId, targetId, role, ownerRole(config), ctx.now(), { userId: caller.user.id, decide }));
        const user = await store.findUserById(targetId);
        if (user === null) throw memberNotFound();
        sendJson(res, 200, { member: publicMember(user, role) });
      },
      DELETE: async (req, res, _url, params) => {
        const caller = await orgCaller(req, params);
        const targetId = params['userId']!;
        // Removing oneself is leaving (any member); removing others is rule 3, before any look-up.
        if (targetId !== caller.user.id) enforce(requireManager(config, caller.role));
        const target = await store.getMembership(caller.orgId, targetId);
        if (target === null) throw memberNotFound();
        enforce(checkRemoval(config, { callerId: caller.user.id, callerRole: caller.role, targetId, targetRole: target.role }));
        const decide = decideRemoval(config, caller.user.id, targetId);
        applied(await store.changeMember(caller.orgId, targetId, null, ownerRole(config), ctx.now(), { userId: caller.user.id, decide }));
        sendEmpty(res, 204);
      },
    },
    '/api/auth/orgs/:org/leave': {
      POST: async (req, res, _url, params) => {
        const caller = await orgCaller(req, params);
        const now = ctx.now();
        const result = await store.changeMember(caller.orgId, caller.user.id, null, ownerRole(config), now);
        if (result === 'last_owner') throw lastOwner();
        if (result === 'not_member') throw notAMember();
        // The next oldest membership becomes active (or none).
        const org = await adoptOldestOrg(store, config, caller.session, now);
        sendJson(res, 200, await tokenAnswer(caller, org, now));
      },
    },
  };
}
