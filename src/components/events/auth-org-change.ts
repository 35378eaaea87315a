import type { AuthOrg } from '../../core/index.js';
import { eventInit } from './init.js';

/**
 * Dispatched by `<auth-org-select>` when the user chose another organization and the client made it
 * the active one; `detail.org` is the new active organization (id, name, role, permissions).
 */
export class AuthOrgChangeEvent extends CustomEvent<{ readonly org: AuthOrg }> {
  static readonly eventName = 'auth-org-change';
  constructor(org: AuthOrg) {
    super(AuthOrgChangeEvent.eventName, eventInit({ org }));
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'auth-org-change': AuthOrgChangeEvent;
  }
}
