import { eventInit } from './init.js';

/** Dispatched by `<auth-provider>` when the status goes from `authenticated` to `anonymous`. */
export class AuthLogoutEvent extends CustomEvent<Readonly<Record<string, never>>> {
  static readonly eventName = 'auth-logout';
  constructor() {
    super(AuthLogoutEvent.eventName, eventInit({}));
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'auth-logout': AuthLogoutEvent;
  }
}
