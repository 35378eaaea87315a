import type { AuthUser } from '../../core/index.js';
import { eventInit } from './init.js';

/**
 * Dispatched by `<auth-update-details>` when the server saved the details; `detail.user` is the
 * updated user.
 */
export class AuthDetailsUpdatedEvent extends CustomEvent<{ readonly user: AuthUser }> {
  static readonly eventName = 'auth-details-updated';
  constructor(user: AuthUser) {
    super(AuthDetailsUpdatedEvent.eventName, eventInit({ user }));
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'auth-details-updated': AuthDetailsUpdatedEvent;
  }
}
