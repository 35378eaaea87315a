// The organizations in an OpenID provider's claims (`orgClaims` of the OIDC backend): the presets
// (PropelAuth, Auth0, Keycloak), a custom mapping's check, and the claims-to-orgs reading. Its own small
// chunk, loaded by the OIDC chunk only when `orgClaims` is set: pages without organizations never
// download it.
import { AuthConfigError } from './errors.js';
import type { OidcOptions } from './oidc.js';
import { DEFAULT_ORG_ROLES, type AuthOrg } from './state.js';

type Json = Record<string, unknown>;

export type OrgPreset = 'propelauth' | 'auth0' | 'keycloak';

/**
 * How organizations are read from the verified claims. Every key is optional; `preset` starts from a
 * preset's mapping (e.g. Auth0's plus `orgs`, the claim an Action fills with the user's organizations).
 * - PropelAuth: `{ orgs: 'org_id_to_org_member_info', id: 'org_id', name: 'org_name', role: 'user_role', permissions: 'user_permissions' }`
 * - Auth0: `{ activeId: 'org_id', activeName: 'org_name', param: 'organization' }` (+ `orgRolesClaim`)
 * - Keycloak: `{ orgs: 'organization', roles: ['realm_access.roles', 'resource_access.<clientId>.roles'], scope: 'organization' }`
 */
export interface OrgClaimMapping {
  preset?: OrgPreset;
  /** Claim listing the orgs: an object keyed by org id, or an array of ids or of objects. */
  orgs?: string;
  /** Keys in each org object: id (arrays only: an object's key is the id), name, role, permissions. */
  id?: string;
  name?: string;
  role?: string;
  permissions?: string;
  /** Claims naming the active organization and its name (Auth0's `org_id`, `org_name`). */
  activeId?: string;
  activeName?: string;
  /**
   * Claims of roles held in the active organization, or in every org of the token when none is
   * named (Keycloak's realm and client roles): the highest of the ordered roles found is the role.
   */
  roles?: string | string[];
  /** Selecting an org re-authorizes with this authorization parameter set to its id (Auth0: `organization`). */
  param?: string;
  /** Selecting an org re-authorizes with the scope `<scope>:<id>` in place of `<scope>` and `<scope>:*` (Keycloak: `organization`). */
  scope?: string;
}

/** A claim path: the exact key first (Auth0's namespaced claims have dots), else a dotted path; or the keys themselves. */
type Path = string | string[];
export interface Mapping extends Omit<OrgClaimMapping, 'roles'> {
  roles: Path[];
}

/** The orgs read from one token: at most this many (a token is the provider's, but a page should not draw 10 000 options). */
export const MAX_ORGS = 100;

const PRESETS = (clientId: string): Record<OrgPreset, Omit<Mapping, 'roles'> & { roles?: Path[] }> => ({
  propelauth: { orgs: 'org_id_to_org_member_info', id: 'org_id', name: 'org_name', role: 'user_role', permissions: 'user_permissions' },
  auth0: { activeId: 'org_id', activeName: 'org_name', param: 'organization' },
  keycloak: { orgs: 'organization', roles: ['realm_access.roles', ['resource_access', clientId, 'roles']], scope: 'organization' },
});

const MAPPING_KEYS = ['preset', 'orgs', 'id', 'name', 'role', 'permissions', 'activeId', 'activeName', 'roles', 'param', 'scope'];

/**
 * `orgClaims` (with `orgRolesClaim` and the client id) as one mapping. A malformed one is a clear
 * AuthConfigError: an unknown preset, an unknown key (a typo would silently map nothing), a value that
 * is not a non-empty string (`roles`: or an array of them), or no claim naming organizations.
 */
export function orgMapping(options: Pick<OidcOptions, 'orgClaims' | 'orgRolesClaim' | 'clientId'>): Mapping | null {
  const input = options.orgClaims;
  if (input === undefined) return null;
  const fail = (why: string) => new AuthConfigError('invalid_option', `\`orgClaims\` ${why}.`);
  const custom = (isObject(input) && !Array.isArray(input) ? input : { preset: input }) as OrgClaimMapping;
  const presets = PRESETS(options.clientId);
  if (custom.preset !== undefined && !(typeof custom.preset === 'string' && Object.hasOwn(presets, custom.preset))) {
    throw fail('must be propelauth, auth0, keycloak, or a mapping object (its `preset` one of these)');
  }
  for (const [key, value] of Object.entries(custom)) {
    if (!MAPPING_KEYS.includes(key)) throw fail(`has an unknown key \`${key}\` (known: ${MAPPING_KEYS.join(', ')})`);
    const values = key === 'roles' && Array.isArray(value) ? value : [value];
    if (!values.every((v) => typeof v === 'string' && v !== '')) throw fail(`\`${key}\` must be a non-empty string${key === 'roles' ? ' or an array of them' : ''}`);
  }
  if (options.orgRolesClaim !== undefined && (typeof options.orgRolesClaim !== 'string' || !options.orgRolesClaim)) {
    throw new AuthConfigError('invalid_option', '`orgRolesClaim` must be a claim name.');
  }
  const { roles = [], ...rest } = custom;
  const base = custom.preset ? presets[custom.preset] : {};
  const mapping: Mapping = { ...base, ...rest, roles: [...(base.roles ?? []), ...[roles].flat(), ...(options.orgRolesClaim ? [options.orgRolesClaim] : [])] };
  if (!mapping.orgs && !mapping.activeId) throw fail('needs `orgs` or `activeId`: the claim that names the organizations');
  return mapping;
}

/** The role order, highest first: an array or a space / comma separated string (the `org-roles` attribute); default owner, admin, member. */
function roleOrder(roles: unknown): readonly string[] {
  const list = typeof roles === 'string' ? roles.split(/[\s,]+/) : Array.isArray(roles) ? roles : [];
  const order = list.filter((role): role is string => typeof role === 'string' && role !== '');
  return order.length ? order : DEFAULT_ORG_ROLES;
}

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null;
const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
const strings = (value: unknown) => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []);

/** The claim at `path`: own properties only (never the prototype's). */
function claimAt(claims: unknown, path: Path | undefined): unknown {
  if (path === undefined) return undefined;
  const own = (o: unknown, key: string) => (isObject(o) && Object.hasOwn(o, key) ? o[key] : undefined);
  if (typeof path === 'string' && own(claims, path) !== undefined) return own(claims, path);
  return (typeof path === 'string' ? path.split('.') : path).reduce(own, claims);
}

/**
 * The organizations named by verified claims, and the active one (the token's `activeId`, else its
 * only org). Malformed entries are skipped: an org needs a string id; a name that is not a string
 * is the id; a role or permissions of the wrong type are left out. Roles are lower-case.
 */
export function orgsFromClaims(claims: Json, mapping: Mapping, roles?: readonly string[] | string): { orgs: AuthOrg[]; org: AuthOrg | null } {
  const order = roleOrder(roles);
  const list = claimAt(claims, mapping.orgs);
  const entries: [unknown, unknown][] = Array.isArray(list)
    ? list.map((entry) => [typeof entry === 'string' ? entry : claimAt(entry, mapping.id ?? 'id'), entry])
    : isObject(list) ? Object.entries(list) : [];
  const activeId = text(claimAt(claims, mapping.activeId));
  if (activeId && !entries.some(([id]) => id === activeId)) entries.unshift([activeId, { [mapping.name ?? 'name']: claimAt(claims, mapping.activeName) }]);
  const found = new Set(mapping.roles.flatMap((path) => strings(claimAt(claims, path))).map((role) => role.toLowerCase()));
  const top = order.map((role) => role.toLowerCase()).find((role) => found.has(role));
  const orgs = new Map<string, AuthOrg>();
  for (const [key, entry] of entries.slice(0, MAX_ORGS)) {
    const id = text(key);
    if (!id || orgs.has(id)) continue;
    const role = text(claimAt(entry, mapping.role))?.toLowerCase() ?? (!activeId || id === activeId ? top : undefined);
    const permissions = claimAt(entry, mapping.permissions);
    orgs.set(id, Object.freeze({
      id,
      name: text(claimAt(entry, mapping.name ?? 'name')) ?? id,
      ...(role ? { role } : {}),
      ...(Array.isArray(permissions) ? { permissions: Object.freeze(strings(permissions)) } : {}),
    }));
  }
  const all = [...orgs.values()];
  return { orgs: all, org: (activeId ? orgs.get(activeId) : all.length === 1 ? all[0] : undefined) ?? null };
}
