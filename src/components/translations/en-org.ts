import type { enOrgRoles } from './en-org-roles.js';

/**
 * The English strings of `<auth-org-select>` and its members panel, with the errors of the member
 * operations: added to the English table by the select's chunk, so a page without organizations
 * loads none of them (see `OrgKey` in en.ts). Other languages keep them in their own table.
 */
export const enOrg = {
  'org.option': '{name} — {role}',
  'org.manage': 'Manage members',
  'org.members': 'Members of {org}',
  'org.member': 'Member',
  'org.you': '(you)',
  'org.loading': 'Loading members…',
  'org.roleOf': 'Role of {name}',
  'org.remove': 'Remove',
  'org.removeOf': 'Remove {name}',
  'org.removeConfirm': 'Remove {name} from {org}?',
  'org.ownRoleConfirm': 'Make yourself {role}? Only someone above you can undo it.',
  'org.ownRoleSubmit': 'Change my role',
  'org.cancel': 'Cancel',
  'org.add': 'Add a member',
  'org.login': 'Username or email',
  'org.addSubmit': 'Add',
  'org.leave': 'Leave organization',
  'org.leaveConfirm': 'Leave {org}? You will lose access to it.',
  'org.close': 'Close',
  'org.added': '{name} was added as {role}.',
  'org.changed': '{name} is now {role}.',
  'org.removed': '{name} was removed.',
  'org.left': 'You left {org}.',
  'error.forbidden': 'Your role in this organization does not allow this.',
  'error.last_owner': 'An organization needs at least one owner: make someone else an owner first.',
  'error.not_found': 'No such user or member.',
  'error.already_member': 'This user is already a member.',
};

export type OrgKey = keyof typeof enOrg | keyof typeof enOrgRoles;
