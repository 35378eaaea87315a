/**
 * The JWT backend's organization operations (reference server routes under `orgsUrl`), an on-demand
 * chunk: most pages never call them, and `JwtApiBackend` is in the bundle every page loads. Each
 * operation loads this file on first use and goes through the backend's `OrgRequest` (the Bearer
 * token, the error codes, and new tokens for select and leave stay in the backend).
 */
import type { OperationContext, Session } from './backend.js';
import type { AuthError } from './errors.js';
import type { JsonResponse } from './http.js';
import { accountCode, toOrg, type OrgRequest } from './jwt-api.js';
import type { AuthMember, AuthOrg } from './state.js';

type Json = Record<string, unknown>;

export async function listOrgs(request: OrgRequest, ctx: OperationContext): Promise<AuthOrg[]> {
  return array((await request('GET', '', ctx, code)).body?.orgs)
    .map((org) => toOrg(org))
    .filter((org): org is AuthOrg => !!org);
}

/** New tokens for `orgId` (its `org_*` claims); the refresh token stays as it was. */
export function selectOrg(request: OrgRequest<Session>, orgId: string, ctx: OperationContext): Promise<Session> {
  return request('POST', path('select'), ctx, code, { org_id: orgId }, true);
}

/** The members as the server sends them (`{id, username, name, email, role}`). */
export async function listMembers(request: OrgRequest, orgId: string, ctx: OperationContext): Promise<AuthMember[]> {
  return array((await request('GET', path(orgId, 'members'), ctx, code)).body?.members);
}

export async function addMember(request: OrgRequest, input: { orgId: string; login: string; role: string }, ctx: OperationContext): Promise<void> {
  await request('POST', path(input.orgId, 'members'), ctx, code, { login: input.login, role: input.role });
}

export async function setMemberRole(request: OrgRequest, input: { orgId: string; userId: string; role: string }, ctx: OperationContext): Promise<void> {
  await request('PATCH', path(input.orgId, 'members', input.userId), ctx, code, { role: input.role });
}

export async function removeMember(request: OrgRequest, input: { orgId: string; userId: string }, ctx: OperationContext): Promise<void> {
  await request('DELETE', path(input.orgId, 'members', input.userId), ctx, code);
}

/** New tokens without the org (the server picks the next one, if any). */
export function leaveOrg(request: OrgRequest<Session>, orgId: string, ctx: OperationContext): Promise<Session> {
  return request('POST', path(orgId, 'leave'), ctx, code, undefined, true);
}

/**
 * A refused organization request: every refusal by role or membership (403: `forbidden`,
 * `org_mismatch`, `not_a_member`, `role_too_high`, `self_promotion`) is `forbidden`, an unknown user
 * or member (404: `user_not_found`, `member_not_found`) `not_found`; `last_owner` and
 * `already_member` keep their names; the rest as for account operations (`invalid_role`, a 400, is
 * `invalid_input`; a 401 `session_expired`).
 */
function code(response: JsonResponse): AuthError['code'] {
  const error = response.body?.error;
  if (error === 'last_owner' || error === 'already_member') return error;
  return response.status === 403 ? 'forbidden' : response.status === 404 ? 'not_found' : accountCode(response);
}

/** `/a/b` from path segments, each URL-encoded (ids may hold `/`). */
function path(...segments: string[]): string {
  return segments.map((segment) => '/' + encodeURIComponent(segment)).join('');
}

/** `value` when it is an array, else empty. */
function array<T = Json>(value: unknown): T[] {
  return Array.isArray(value) ? value : [];
}
