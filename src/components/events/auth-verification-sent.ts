import { eventInit } from './init.js';

/**
 * Dispatched by `<auth-register>` when the server mailed a link and a code to prove the address (the
 * account exists after the code; then `auth-registered`); `detail.username` is the username asked for.
 */
export class AuthVerificationSentEvent extends CustomEvent<{ readonly username: string }> {
  static readonly eventName = 'auth-verification-sent';
  constructor(username: string) {
    super(AuthVerificationSentEvent.eventName, eventInit({ username }));
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'auth-verification-sent': AuthVerificationSentEvent;
  }
}
