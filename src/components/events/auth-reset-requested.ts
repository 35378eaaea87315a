import { eventInit } from './init.js';

/**
 * Dispatched by `<auth-forgot mode="password">` when the server accepted the request (whether or not
 * an account matches); `detail.login` is what was typed.
 */
export class AuthResetRequestedEvent extends CustomEvent<{ readonly login: string }> {
  static readonly eventName = 'auth-reset-requested';
  constructor(login: string) {
    super(AuthResetRequestedEvent.eventName, eventInit({ login }));
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'auth-reset-requested': AuthResetRequestedEvent;
  }
}
