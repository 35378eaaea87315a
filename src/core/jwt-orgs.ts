/**
 * The JWT backend's organization operations (reference server routes under `orgsUrl`), an on-demand
 * chunk: most pages never call them, and `JwtApiBackend` is in the bundle every page loads. Each
 * operation loads this file on first use and goes through the backend's `OrgRequest` (the Bearer
 * token, the error codes, and new tokens for select and leave stay in the backend).
 */
import type { OperationContext, Session } from './backend.js';
import { toOrg, type OrgRequest } from './jwt-api.js';
import type { AuthMember, AuthOrg } from './state.js';

type Json = Record<string, unknown>;

export async function listOrgs(request: OrgRequest, ctx: OperationContext): Promise<AuthOrg[]> {
  return array((await request('GET', '', ctx)).body?.orgs)
    .map((org) => toOrg(org))
    .filter((org): org is AuthOrg => !!org);
}

/** New tokens for `orgId` (its `org_*` claims); the refresh token stays as it was. */
export function selectOrg(request: OrgRequest<Session>, orgId: string, ctx: OperationContext): Promise<Session> {
  return request('POST', path('select'), ctx, { org_id: orgId }, true);
}

/** The members as the server sends them (`{id, username, name, email, role}`). */
export async function listMembers(request: OrgRequest, orgId: string, ctx: OperationContext): Promise<AuthMember[]> {
  return array((await request('GET', path(orgId, 'members'), ctx)).body?.members);
}

export async function addMember(request: OrgRequest, input: { orgId: string; login: string; role: string }, ctx: OperationContext): Promise<void> {
  await request('POST', path(input.orgId, 'members'), ctx, { login: input.login, role: input.role });
}

export async function setMemberRole(request: OrgRequest, input: { orgId: string; userId: string; role: string }, ctx: OperationContext): Promise<void> {
  await request('PATCH', path(input.orgId, 'members', input.userId), ctx, { role: input.role });
}

export async function removeMember(request: OrgRequest, input: { orgId: string; userId: string }, ctx: OperationContext): Promise<void> {
  await request('DELETE', path(input.orgId, 'members', input.userId), ctx);
}

/** New tokens without the org (the server picks the next one, if any). */
export function leaveOrg(request: OrgRequest<Session>, orgId: string, ctx: OperationContext): Promise<Session> {
  return request('POST', path(orgId, 'leave'), ctx, undefined, true);
}

/** `/a/b` from path segments, each URL-encoded (ids may hold `/`). */
function path(...segments: string[]): string {
  return segments.map((segment) => '/' + encodeURIComponent(segment)).join('');
}

/** `value` when it is an array, else empty. */
function array<T = Json>(value: unknown): T[] {
  return Array.isArray(value) ? value : [];
}
