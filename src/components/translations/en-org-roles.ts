/**
 * The English names of the default organization roles, and the status's "Role: …": added to the
 * English table by auth-org-select/org-role.ts, which `<auth-status>` and `<auth-org-select>` import,
 * so they load with those elements only (see `OrgKey` in en.ts). Other languages keep them in their
 * own table.
 */
export const enOrgRoles = {
  'org.role': 'Role',
  /** `<auth-status>`: the user's role in the active organization (`Role: ` is read, not shown). */
  'org.yourRole': 'Role: {role}',
  'org.role.owner': 'Owner',
  'org.role.admin': 'Admin',
  'org.role.member': 'Member',
};
