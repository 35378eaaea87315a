/** Dispatched by `<auth-provider>` when the status goes from `authenticated` to `anonymous`. */
export class AuthLogoutEvent extends CustomEvent<Readonly<Record<string, never>>> {
  static readonly eventName = 'auth-logout';
  constructor() {
    super(AuthLogoutEvent.eventName, { bubbles: true, composed: true, detail: Object.freeze({}) });
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'auth-logout': AuthLogoutEvent;
  }
}
