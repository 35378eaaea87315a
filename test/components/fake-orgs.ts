import type { LoginInput, OperationContext, Session } from '../../src/core/backend.js';
import { AuthError, type AuthErrorCode } from '../../src/core/errors.js';
import { DEFAULT_ORG_ROLES, makeUser, type AuthMember, type AuthOrg, type AuthUser } from '../../src/core/state.js';
import { deferred, FakeBackend, type Deferred } from './fake-backend.js';

/**
 * An in-memory stand-in for the reference server's organizations (issue 10's contract), behind the
 * backend methods the client calls: listOrgs, selectOrg, listMembers, addMember, setMemberRole,
 * removeMember, leaveOrg. It applies the contract's rules in their order (org of the session, still a
 * member, admin or higher, role known, not above one's own, no self-promotion, last owner) and
 * answers with the client's error codes (`forbidden`, `last_owner`, `not_found`, `already_member`,
 * `invalid_input`). Every call is recorded with its input.
 */
export type OrgOperation = 'listOrgs' | 'selectOrg' | 'listMembers' | 'addMember' | 'setMemberRole' | 'removeMember' | 'leaveOrg';

export interface OrgSeed {
  id: string;
  name: string;
  /** userId -> role, in joining order (the first is the oldest membership). */
  members: Array<[string, string]>;
}

const PERMISSIONS: Record<string, string[]> = {
  member: ['reports:read'],
  admin: ['members:write', 'reports:write'],
  owner: ['billing:write'],
};

export class FakeOrgBackend extends FakeBackend {
  readonly roles = DEFAULT_ORG_ROLES;
  readonly people: AuthUser[];
  readonly orgs: OrgSeed[];
  /** The session's active organization (the server's `org_id`). */
  active: string | null;
  readonly orgCalls: Array<{ operation: OrgOperation; input: unknown }> = [];
  /** When set, the next calls of these operations fail with the code (a network error, …). */
  readonly failNext = new Map<OrgOperation, AuthErrorCode>();
  /** When set, operations wait for it (busy states); replace it to let them through. */
  gate: Deferred<void> | null = null;

  constructor(me: AuthUser, people: AuthUser[], orgs: OrgSeed[], active: string | null = null) {
    super({ user: me });
    this.user = me;
    this.people = [me, ...people.filter((p) => p.id !== me.id)];
    this.orgs = orgs;
    this.active = active ?? this.#mine()[0]?.id ?? null;
  }

  /** Hold every operation until `release()`. */
  hold(): void {
    this.gate = deferred<void>();
  }

  release(): void {
    this.gate?.resolve();
    this.gate = null;
  }

  calls(operation: OrgOperation): unknown[] {
    return this.orgCalls.filter((c) => c.operation === operation).map((c) => c.input);
  }

  override restore(_ctx: OperationContext): Promise<Session | null> {
    return Promise.resolve(this.#session());
  }

  override async login(input: LoginInput, ctx: OperationContext): Promise<Session> {
    await super.login(input, ctx);
    return this.#session();
  }

  async listOrgs(ctx: OperationContext): Promise<readonly AuthOrg[]> {
    await this.#enter('listOrgs', null, ctx);
    return this.#mine();
  }

  async selectOrg(orgId: string, ctx: OperationContext): Promise<Session> {
    await this.#enter('selectOrg', orgId, ctx);
    if (!this.#role(orgId, this.#me())) throw refused('forbidden', 'not_a_member');
    this.active = orgId;
    return this.#session();
  }

  async listMembers(orgId: string, ctx: OperationContext): Promise<readonly AuthMember[]> {
    await this.#enter('listMembers', orgId, ctx);
    const org = this.#admin(orgId);
    return org.members.map(([id, role]) => {
      const p = this.people.find((person) => person.id === id)!;
      return { id, username: p.username, name: p.name, email: p.email, role } as AuthMember;
    });
  }

  async addMember(input: { orgId: string; login: string; role: string }, ctx: OperationContext): Promise<void> {
    await this.#enter('addMember', input, ctx);
    const org = this.#admin(input.orgId);
    this.#grantable(input.orgId, input.role);
    const login = input.login.trim().toLowerCase();
    const user = this.people.find((p) => p.username?.toLowerCase() === login || p.email?.toLowerCase() === login);
    if (!user) throw refused('not_found', 'user_not_found');
    if (this.#role(input.orgId, user.id)) throw refused('already_member', 'already_member');
    org.members.push([user.id, input.role]);
  }

  async setMemberRole(input: { orgId: string; userId: string; role: string }, ctx: OperationContext): Promise<void> {
    await this.#enter('setMemberRole', input, ctx);
    const org = this.#admin(input.orgId);
    this.#grantable(input.orgId, input.role);
    const current = this.#target(input.orgId, input.userId);
    if (input.userId === this.#me() && this.#rank(input.role) < this.#rank(current)) throw refused('forbidden', 'self_promotion');
    if (current === 'owner' && input.role !== 'owner' && this.#owners(org) === 1) throw refused('last_owner', 'last_owner');
    org.members = org.members.map(([id, role]) => [id, id === input.userId ? input.role : role]);
  }

  async removeMember(input: { orgId: string; userId: string }, ctx: OperationContext): Promise<void> {
    await this.#enter('removeMember', input, ctx);
    const org = this.#admin(input.orgId);
    const current = this.#target(input.orgId, input.userId);
    if (current === 'owner' && this.#owners(org) === 1) throw refused('last_owner', 'last_owner');
    org.members = org.members.filter(([id]) => id !== input.userId);
  }

  async leaveOrg(orgId: string, ctx: OperationContext): Promise<Session | null> {
    await this.#enter('leaveOrg', orgId, ctx);
    const org = this.#member(orgId);
    if (this.#role(orgId, this.#me()) === 'owner' && this.#owners(org) === 1) throw refused('last_owner', 'last_owner');
    org.members = org.members.filter(([id]) => id !== this.#me());
    this.active = this.#mine()[0]?.id ?? null;
    return this.#session();
  }

  async #enter(operation: OrgOperation, input: unknown, ctx: OperationContext): Promise<void> {
    this.orgCalls.push({ operation, input });
    const gate = this.gate;
    if (gate) {
      await Promise.race([
        gate.promise,
        new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(new AuthError('aborted', 'aborted')), { once: true })),
      ]);
    }
    const code = this.failNext.get(operation);
    if (code) {
      this.failNext.delete(operation);
      throw new AuthError(code, `${operation} failed: ${code}`);
    }
  }

  #me(): string {
    return this.user!.id;
  }

  #session(): Session {
    const org = this.#mine().find((o) => o.id === this.active) ?? null;
    return { user: this.user!, org, expiresAt: null, refreshable: false };
  }

  #mine(): AuthOrg[] {
    return this.orgs
      .filter((org) => this.#role(org.id, this.#me()))
      .map((org) => {
        const role = this.#role(org.id, this.#me())!;
        const permissions = this.roles.slice(this.#rank(role)).flatMap((r) => PERMISSIONS[r] ?? []);
        return { id: org.id, name: org.name, role, permissions };
      });
  }

  #role(orgId: string, userId: string): string | undefined {
    return this.orgs.find((o) => o.id === orgId)?.members.find(([id]) => id === userId)?.[1];
  }

  #rank(role: string): number {
    const i = this.roles.indexOf(role);
    return i < 0 ? this.roles.length : i;
  }

  #owners(org: OrgSeed): number {
    return org.members.filter(([, role]) => role === 'owner').length;
  }

  /** Rules 1 and 2: the session's organization, and still a member of it. */
  #member(orgId: string): OrgSeed {
    if (orgId !== this.active) throw refused('forbidden', 'org_mismatch');
    if (!this.#role(orgId, this.#me())) throw refused('forbidden', 'not_a_member');
    return this.orgs.find((o) => o.id === orgId)!;
  }

  /** Rule 3: admin or higher now. */
  #admin(orgId: string): OrgSeed {
    const org = this.#member(orgId);
    if (this.#rank(this.#role(orgId, this.#me())!) > this.#rank('admin')) throw refused('forbidden', 'forbidden');
    return org;
  }

  /** Rule 4 for a role to grant: known, and not above the caller's own. */
  #grantable(orgId: string, role: string): void {
    if (!this.roles.includes(role)) throw refused('invalid_input', 'invalid_role');
    if (this.#rank(role) < this.#rank(this.#role(orgId, this.#me())!)) throw refused('forbidden', 'role_too_high');
  }

  /** A member to change or remove: there, and not above the caller. */
  #target(orgId: string, userId: string): string {
    const current = this.#role(orgId, userId);
    if (!current) throw refused('not_found', 'member_not_found');
    if (this.#rank(current) < this.#rank(this.#role(orgId, this.#me())!)) throw refused('forbidden', 'role_too_high');
    return current;
  }
}

function refused(code: AuthErrorCode, serverCode: string): AuthError {
  return new AuthError(code, `The server refused: ${serverCode}`, { error: serverCode, status: code === 'not_found' ? 404 : code === 'invalid_input' ? 400 : code === 'forbidden' ? 403 : 409 });
}

export const alice = makeUser({ id: 'u-alice', username: 'alice', name: 'Alice Liddell', email: 'alice@example.com' });
export const bobby = makeUser({ id: 'u-bob', username: 'bob', name: 'Bob Stone', email: 'bob@example.com' });
export const carol = makeUser({ id: 'u-carol', username: 'carol', name: 'Carol Danvers', email: 'carol@example.com' });
export const dave = makeUser({ id: 'u-dave', username: 'dave', email: 'dave@example.com' });

/** Alice owns Acme (Bob member, Carol admin) and is a member of Globex (Bob admin). Dave is in neither. */
export function aliceWorld(me: AuthUser = alice): FakeOrgBackend {
  return new FakeOrgBackend(me, [alice, bobby, carol, dave], [
    { id: 'acme', name: 'Acme Corp', members: [['u-alice', 'owner'], ['u-bob', 'member'], ['u-carol', 'admin']] },
    { id: 'globex', name: 'Globex', members: [['u-bob', 'admin'], ['u-alice', 'member']] },
  ]);
}
