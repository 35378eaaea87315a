import type { AuthUser } from '../../core/index.js';
import { eventInit } from './init.js';

/** Dispatched by `<auth-provider>` when the status becomes `authenticated` from anything else. */
export class AuthLoginEvent extends CustomEvent<{ readonly user: AuthUser }> {
  static readonly eventName = 'auth-login';
  constructor(user: AuthUser) {
    super(AuthLoginEvent.eventName, eventInit({ user }));
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'auth-login': AuthLoginEvent;
  }
}
