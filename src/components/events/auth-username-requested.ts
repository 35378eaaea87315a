import { eventInit } from './init.js';

/**
 * Dispatched by `<auth-forgot mode="username">` when the server accepted the request (whether or not
 * an account matches); `detail.email` is what was typed.
 */
export class AuthUsernameRequestedEvent extends CustomEvent<{ readonly email: string }> {
  static readonly eventName = 'auth-username-requested';
  constructor(email: string) {
    super(AuthUsernameRequestedEvent.eventName, eventInit({ email }));
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'auth-username-requested': AuthUsernameRequestedEvent;
  }
}
