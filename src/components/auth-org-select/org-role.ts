import { DEFAULT_ORG_ROLES } from '../../core/state.js';
import type { LocalizeController } from '../localize.js';
import { enOrgRoles } from '../translations/en-org.js';
import en from '../translations/en.js';

// The default role names' English strings come with the elements that show them (on demand).
Object.assign(en, enOrgRoles);

/**
 * The name to show for a role id: the translated name of a default role (`owner` -> "Owner",
 * "Propriétaire"; compared case-insensitively, so PropelAuth's `Owner` too), else the id as it is
 * (a custom role has no translation: it is shown as the server or the provider names it).
 */
export function roleLabel(localize: LocalizeController, role: string): string {
  const id = role.toLowerCase();
  return DEFAULT_ORG_ROLES.includes(id) ? localize.term(`org.role.${id}` as 'org.role.owner') : role;
}
