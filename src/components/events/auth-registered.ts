import { eventInit } from './init.js';

/** Dispatched by `<auth-register>` when the server created the account. Never carries the password. */
export class AuthRegisteredEvent extends CustomEvent<{ readonly username: string }> {
  static readonly eventName = 'auth-registered';
  constructor(username: string) {
    super(AuthRegisteredEvent.eventName, eventInit({ username }));
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'auth-registered': AuthRegisteredEvent;
  }
}
