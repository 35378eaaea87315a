/**
 * The JWT backend's account operations (register, verify, password change and reset, username
 * reminder, details) and organization operations (reference server routes under `orgsUrl`), an
 * on-demand chunk: only the account forms and the organization elements call them, and those are
 * on-demand chunks too, while `JwtApiBackend` is in the bundle every page loads. Each operation
 * loads this file on first use and goes through the backend's `JwtAccess` (the Bearer token, and new
 * tokens for select and leave, stay in the backend).
 */
import type {
  ChangePasswordInput,
  OperationContext,
  RegisterInput,
  RegistrationDone,
  RegistrationPending,
  Session,
  UpdateDetailsInput,
} from './backend.js';
import type { AuthError } from './errors.js';
import type { JsonResponse } from './http.js';
import { toOrg, type JwtAccess } from './jwt-api.js';
import type { AuthMember, AuthOrg } from './state.js';

type Json = Record<string, unknown>;

export async function register(a: JwtAccess, input: RegisterInput, ctx: OperationContext): Promise<RegistrationPending | null> {
  const { name, email, username, password } = input;
  const response = await a.request(a.url('registerUrl'), 'registration', ctx, false, accountCode, { name, email, username, password });
  // 202: the server mailed a link and a code to prove the address; the account exists once the
  // token comes back (verifyRegistration). Registering never signs in: the user logs in next.
  return response.status === 202 ? { kind: 'verify' } : null;
}

export async function verifyRegistration(a: JwtAccess, input: { token: string }, ctx: OperationContext): Promise<RegistrationDone> {
  const response = await a.request(a.url('registerVerifyUrl'), 'registration', ctx, false, verifyCode, { token: input.token });
  const user = response.body?.user as { username?: unknown } | undefined;
  return { username: typeof user?.username === 'string' ? user.username : null, session: null };
}

export async function changePassword(a: JwtAccess, input: ChangePasswordInput, ctx: OperationContext): Promise<void> {
  const body = { current_password: input.currentPassword, new_password: input.newPassword };
  await a.request(a.url('passwordUrl'), 'password change', ctx, true, accountCode, body);
}

export async function requestPasswordReset(a: JwtAccess, input: { login: string }, ctx: OperationContext): Promise<void> {
  await a.request(a.url('forgotPasswordUrl'), 'password reset', ctx, false, accountCode, { login: input.login });
}

export async function resetPassword(a: JwtAccess, input: { token: string; password: string }, ctx: OperationContext): Promise<void> {
  await a.request(a.url('resetPasswordUrl'), 'password reset', ctx, false, accountCode, { token: input.token, password: input.password });
}

export async function requestUsernameReminder(a: JwtAccess, input: { email: string }, ctx: OperationContext): Promise<void> {
  await a.request(a.url('forgotUsernameUrl'), 'username reminder', ctx, false, accountCode, { email: input.email });
}

export async function updateDetails(a: JwtAccess, input: UpdateDetailsInput, ctx: OperationContext): Promise<Session> {
  const body: Record<string, string> = {};
  if (input.name !== undefined) body.name = input.name;
  if (input.email !== undefined) body.email = input.email;
  if (input.currentPassword !== undefined) body.current_password = input.currentPassword;
  await a.request(a.url('detailsUrl'), 'details update', ctx, true, accountCode, body);
  return a.renewed(ctx);
}

/** An organization route: `orgsUrl` + `path`, with the Bearer token. */
function org<T = JsonResponse>(a: JwtAccess, method: string, path: string, ctx: OperationContext, body?: Record<string, string>, session?: boolean): Promise<T> {
  const base = a.url('orgsUrl');
  return a.request<T>(base && base + path, 'organizations', ctx, true, code, body, method, session);
}

export async function listOrgs(a: JwtAccess, ctx: OperationContext): Promise<AuthOrg[]> {
  return array((await org(a, 'GET', '', ctx)).body?.orgs)
    .map((org) => toOrg(org))
    .filter((org): org is AuthOrg => !!org);
}

/** New tokens for `orgId` (its `org_*` claims); the refresh token stays as it was. */
export function selectOrg(a: JwtAccess, orgId: string, ctx: OperationContext): Promise<Session> {
  return org(a, 'POST', path('select'), ctx, { org_id: orgId }, true);
}

/** The members as the server sends them (`{id, username, name, email, role}`). */
export async function listMembers(a: JwtAccess, orgId: string, ctx: OperationContext): Promise<AuthMember[]> {
  return array((await org(a, 'GET', path(orgId, 'members'), ctx)).body?.members);
}

export async function addMember(a: JwtAccess, input: { orgId: string; login: string; role: string }, ctx: OperationContext): Promise<void> {
  await org(a, 'POST', path(input.orgId, 'members'), ctx, { login: input.login, role: input.role });
}

export async function setMemberRole(a: JwtAccess, input: { orgId: string; userId: string; role: string }, ctx: OperationContext): Promise<void> {
  await org(a, 'PATCH', path(input.orgId, 'members', input.userId), ctx, { role: input.role });
}

export async function removeMember(a: JwtAccess, input: { orgId: string; userId: string }, ctx: OperationContext): Promise<void> {
  await org(a, 'DELETE', path(input.orgId, 'members', input.userId), ctx);
}

/** New tokens without the org (the server picks the next one, if any). */
export function leaveOrg(a: JwtAccess, orgId: string, ctx: OperationContext): Promise<Session> {
  return org(a, 'POST', path(orgId, 'leave'), ctx, undefined, true);
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

const ACCOUNT_CODES: Readonly<Record<string, AuthError['code']>> = {
  weak_password: 'weak_password',
  registration_not_allowed: 'registration_not_allowed',
  username_taken: 'username_taken',
  email_taken: 'email_taken',
  invalid_credentials: 'invalid_credentials',
  invalid_token: 'reset_token_invalid',
  invalid_request: 'invalid_input',
  invalid_json: 'invalid_input',
};

/** The code for a refused account operation: the server's own `error` when we know it. */
function accountCode(response: JsonResponse): AuthError['code'] {
  const error = response.body?.error;
  if (typeof error === 'string' && ACCOUNT_CODES[error]) {
    // A Bearer token the server no longer accepts is a session problem, not a bad reset code.
    if (error === 'invalid_token' && response.status === 401) return 'session_expired';
    return ACCOUNT_CODES[error]!;
  }
  if (response.status === 401) return 'session_expired';
  if (response.status === 400 || response.status === 422) return 'invalid_input';
  return 'request_rejected';
}

/** A refused registration token is not a reset token. */
function verifyCode(response: JsonResponse): AuthError['code'] {
  return response.body?.error === 'invalid_token' ? 'verification_token_invalid' : accountCode(response);
}
