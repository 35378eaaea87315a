import type { LocalizeController } from '../localize.js';
import { enOrgRoles } from '../translations/en-org-roles.js';
import en from '../translations/en.js';

// The default role names' English strings come with the elements that show them (on demand).
Object.assign(en, enOrgRoles);

/**
 * The name to show for a role id: the translated name of a role the table names (`org.role.owner`:
 * the default roles, "Owner", "Propriétaire"; compared case-insensitively, so PropelAuth's `Owner`
 * too), else the id as it is (a custom role is shown as the server or the provider names it).
 */
export function roleLabel(localize: LocalizeController, role: string): string {
  const key = `org.role.${role.toLowerCase()}`;
  return Object.hasOwn(en, key) ? localize.term(key as 'org.role.owner') : role;
}
