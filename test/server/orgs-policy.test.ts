/**
 * The organization policy (server/orgs.ts, pure) and its configuration (server/config.ts:
 * orgRoles / orgPermissions, env AUTH_ORG_ROLES / AUTH_ORG_PERMISSIONS).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, configFromEnv, makeConfig } from '../../server/config.js';
import {
  DEFAULT_ORG_PERMISSIONS,
  DEFAULT_ORG_ROLES,
  checkRemoval,
  checkRoleChange,
  checkRoleGrant,
  effectivePermissions,
  managerRole,
  ownerRole,
  parseOrgRole,
  requireManager,
  roleAtLeast,
  type OrgPolicy,
} from '../../server/orgs.js';
import { tempDir } from './helpers.js';

const DEFAULT: OrgPolicy = { orgRoles: DEFAULT_ORG_ROLES, orgPermissions: DEFAULT_ORG_PERMISSIONS };
const code = (r: { code: string } | null): string | null => r?.code ?? null;

describe('org policy (defaults: owner > admin > member)', () => {
  test('the defaults are the contract: order and permissions', () => {
    assert.deepEqual(DEFAULT_ORG_ROLES, ['owner', 'admin', 'member']);
    assert.deepEqual(DEFAULT_ORG_PERMISSIONS, { owner: ['billing:write'], admin: ['members:write', 'reports:write'], member: ['reports:read'] });
    const c = makeConfig({ dataDir: tempDir() });
    assert.deepEqual(c.orgRoles, DEFAULT_ORG_ROLES);
    assert.deepEqual(c.orgPermissions, DEFAULT_ORG_PERMISSIONS);
  });

  test("effective permissions: the role's own plus every lower role's", () => {
    assert.deepEqual(effectivePermissions(DEFAULT, 'member'), ['reports:read']);
    assert.deepEqual(effectivePermissions(DEFAULT, 'admin'), ['members:write', 'reports:write', 'reports:read']);
    assert.deepEqual(effectivePermissions(DEFAULT, 'owner'), ['billing:write', 'members:write', 'reports:write', 'reports:read']);
    assert.deepEqual(effectivePermissions(DEFAULT, 'stranger'), [], 'an unknown role grants nothing');
    const shared: OrgPolicy = { orgRoles: ['a', 'b'], orgPermissions: { a: ['x', 'y'], b: ['x'] } };
    assert.deepEqual(effectivePermissions(shared, 'a'), ['x', 'y'], 'no duplicates');
  });

  test('roles compare by their place in the order; unknown roles reach nothing', () => {
    assert.equal(roleAtLeast(DEFAULT, 'owner', 'member'), true);
    assert.equal(roleAtLeast(DEFAULT, 'admin', 'admin'), true);
    assert.equal(roleAtLeast(DEFAULT, 'member', 'admin'), false);
    assert.equal(roleAtLeast(DEFAULT, 'stranger', 'member'), false);
    assert.equal(roleAtLeast(DEFAULT, 'owner', 'stranger'), false);
    assert.equal(ownerRole(DEFAULT), 'owner');
    assert.equal(managerRole(DEFAULT), 'admin');
    const custom: OrgPolicy = { orgRoles: ['boss', 'worker'], orgPermissions: {} };
    assert.equal(ownerRole(custom), 'boss');
    assert.equal(managerRole(custom), 'boss', 'without an "admin" role only the highest role manages members');
  });

  test('parseOrgRole: known roles in any case; anything else is null', () => {
    assert.equal(parseOrgRole(DEFAULT, 'admin'), 'admin');
    assert.equal(parseOrgRole(DEFAULT, 'Admin'), 'admin');
    for (const bad of ['superuser', '', ' admin', 'admin ', null, 3, ['admin'], undefined, '__proto__', 'constructor']) {
      assert.equal(parseOrgRole(DEFAULT, bad), null, JSON.stringify(bad));
    }
  });

  test('rule 3: member operations need admin or higher', () => {
    assert.equal(code(requireManager(DEFAULT, 'member')), 'forbidden');
    assert.equal(requireManager(DEFAULT, 'admin'), null);
    assert.equal(requireManager(DEFAULT, 'owner'), null);
    assert.equal(requireManager(DEFAULT, 'stranger')?.status, 403, 'an unknown role manages nothing');
  });

  test('rule 4: granting a role above one\'s own is refused', () => {
    assert.equal(code(checkRoleGrant(DEFAULT, 'admin', 'owner')), 'role_too_high');
    assert.equal(checkRoleGrant(DEFAULT, 'admin', 'admin'), null);
    assert.equal(checkRoleGrant(DEFAULT, 'admin', 'member'), null);
    assert.equal(checkRoleGrant(DEFAULT, 'owner', 'owner'), null);
  });

  test('rules 4 and 5 on a change: above-own targets and grants refused; self-promotion refused, self-demotion allowed', () => {
    const change = (callerRole: string, targetRole: string, newRole: string, self = false) =>
      code(checkRoleChange(DEFAULT, { callerId: 'c', callerRole, targetId: self ? 'c' : 't', targetRole: self ? callerRole : targetRole, newRole }));
    assert.equal(change('admin', 'member', 'owner'), 'role_too_high', 'admin granting owner');
    assert.equal(change('admin', 'owner', 'member'), 'role_too_high', 'admin demoting an owner');
    assert.equal(change('admin', 'owner', 'owner'), 'role_too_high');
    assert.equal(change('admin', 'member', 'admin'), null);
    assert.equal(change('admin', 'admin', 'member'), null, 'an admin may demote another admin');
    assert.equal(change('owner', 'owner', 'member'), null);
    assert.equal(change('admin', 'admin', 'owner', true), 'self_promotion');
    assert.equal(change('member', 'member', 'admin', true), 'self_promotion');
    assert.equal(change('owner', 'owner', 'admin', true), null, 'downward is allowed');
    assert.equal(change('admin', 'admin', 'admin', true), null, 'no change is no promotion');
  });

  test('rule 4 on a removal: only members not above one\'s own role', () => {
    const remove = (callerRole: string, targetRole: string, self = false) =>
      code(checkRemoval(DEFAULT, { callerId: 'c', callerRole, targetId: self ? 'c' : 't', targetRole }));
    assert.equal(remove('admin', 'owner'), 'role_too_high');
    assert.equal(remove('admin', 'admin'), null);
    assert.equal(remove('owner', 'owner'), null);
    assert.equal(remove('member', 'member'), 'forbidden', 'removing others needs admin');
    assert.equal(remove('member', 'member', true), null, 'removing oneself (leaving) does not');
  });
});

describe('orgRoles / orgPermissions configuration', () => {
  const env = (vars: Record<string, string>) => configFromEnv({ AUTH_DATA_DIR: tempDir(), ...vars }, process.cwd());
  const refused = (vars: Record<string, string>, message: RegExp) =>
    assert.throws(() => env(vars), (err: unknown) => err instanceof ConfigError && message.test(err.message), JSON.stringify(vars));

  test('AUTH_ORG_ROLES and AUTH_ORG_PERMISSIONS set them', () => {
    const c = env({ AUTH_ORG_ROLES: ' boss, lead ,worker ', AUTH_ORG_PERMISSIONS: '{"boss":["money:spend"],"worker":["work:do"]}' });
    assert.deepEqual(c.orgRoles, ['boss', 'lead', 'worker']);
    assert.deepEqual(c.orgPermissions, { boss: ['money:spend'], worker: ['work:do'] });
    assert.deepEqual(effectivePermissions(c, 'lead'), ['work:do']);
  });

  test('custom roles without AUTH_ORG_PERMISSIONS keep the default permissions of the default roles they name', () => {
    const c = env({ AUTH_ORG_ROLES: 'owner,editor,member' });
    assert.deepEqual(c.orgPermissions, { owner: ['billing:write'], member: ['reports:read'] });
  });

  test('invalid orders are refused with a clear message', () => {
    refused({ AUTH_ORG_ROLES: ' , ' }, /AUTH_ORG_ROLES.*at least one role/);
    refused({ AUTH_ORG_ROLES: 'owner,admin,owner' }, /AUTH_ORG_ROLES.*"owner" twice/);
    refused({ AUTH_ORG_ROLES: 'Owner,member' }, /AUTH_ORG_ROLES.*"Owner".*lower-case/);
    refused({ AUTH_ORG_ROLES: 'own er' }, /lower-case/);
    assert.throws(() => makeConfig({ dataDir: tempDir(), orgRoles: [] }), /orgRoles \(AUTH_ORG_ROLES\) must name at least one role/);
  });

  test('invalid permissions are refused with a clear message', () => {
    refused({ AUTH_ORG_PERMISSIONS: 'not json' }, /AUTH_ORG_PERMISSIONS must be a JSON object/);
    refused({ AUTH_ORG_PERMISSIONS: '["reports:read"]' }, /AUTH_ORG_PERMISSIONS must be a JSON object/);
    refused({ AUTH_ORG_PERMISSIONS: '{"boss":["x"]}' }, /unknown role "boss".*owner, admin, member/);
    refused({ AUTH_ORG_PERMISSIONS: '{"admin":"members:write"}' }, /"admin".*array of non-empty strings/);
    refused({ AUTH_ORG_PERMISSIONS: '{"admin":["ok", 3]}' }, /"admin".*array of non-empty strings/);
    refused({ AUTH_ORG_PERMISSIONS: '{"admin":[""]}' }, /"admin".*array of non-empty strings/);
    refused({ AUTH_ORG_ROLES: 'boss,worker', AUTH_ORG_PERMISSIONS: '{"admin":["x"]}' }, /unknown role "admin".*boss, worker/);
    refused({ AUTH_ORG_PERMISSIONS: '{"__proto__":["x"]}' }, /unknown role "__proto__"/);
  });
});
