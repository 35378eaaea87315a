import type { AuthState } from '../../core/index.js';

/** Dispatched by `<auth-provider>` on every change of the shared state. Never carries a token. */
export class AuthStateChangeEvent extends CustomEvent<{ readonly state: AuthState }> {
  static readonly eventName = 'auth-state-change';
  constructor(state: AuthState) {
    super(AuthStateChangeEvent.eventName, { bubbles: true, composed: true, detail: Object.freeze({ state }) });
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'auth-state-change': AuthStateChangeEvent;
  }
}
