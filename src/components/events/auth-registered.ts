/** Dispatched by `<auth-register>` when the server created the account. Never carries the password. */
export class AuthRegisteredEvent extends CustomEvent<{ readonly username: string }> {
  static readonly eventName = 'auth-registered';
  constructor(username: string) {
    super(AuthRegisteredEvent.eventName, { bubbles: true, composed: true, detail: Object.freeze({ username }) });
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'auth-registered': AuthRegisteredEvent;
  }
}
