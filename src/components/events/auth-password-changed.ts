import type { AuthUser } from '../../core/index.js';
import { eventInit } from './init.js';

/**
 * Dispatched by `<auth-reset-password>` (signed in) when the server changed the password;
 * `detail.user` is the signed-in user.
 */
export class AuthPasswordChangedEvent extends CustomEvent<{ readonly user: AuthUser }> {
  static readonly eventName = 'auth-password-changed';
  constructor(user: AuthUser) {
    super(AuthPasswordChangedEvent.eventName, eventInit({ user }));
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'auth-password-changed': AuthPasswordChangedEvent;
  }
}
