import type { AuthState } from '../../core/index.js';
import { eventInit } from './init.js';

/** Dispatched by `<auth-provider>` on every change of the shared state. Never carries a token. */
export class AuthStateChangeEvent extends CustomEvent<{ readonly state: AuthState }> {
  static readonly eventName = 'auth-state-change';
  constructor(state: AuthState) {
    super(AuthStateChangeEvent.eventName, eventInit({ state }));
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'auth-state-change': AuthStateChangeEvent;
  }
}
