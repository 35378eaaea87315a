import { eventInit } from './init.js';

/**
 * Dispatched by `<auth-reset-password>` when the server reset the password with a mailed token or code
 * (no one is signed in by it).
 */
export class AuthPasswordResetEvent extends CustomEvent<Readonly<Record<string, never>>> {
  static readonly eventName = 'auth-password-reset';
  constructor() {
    super(AuthPasswordResetEvent.eventName, eventInit({}));
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'auth-password-reset': AuthPasswordResetEvent;
  }
}
