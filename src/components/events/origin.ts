import type { AuthClient } from '../../core/index.js';

/** The element whose user action is changing each client's session right now. */
const acting = new WeakMap<AuthClient, Element>();

/**
 * Run a session change (`<auth-login>`'s login, `<auth-logout>`'s logout) on behalf of `element`: the
 * provider then dispatches `auth-login` / `auth-logout` from that element, so a listener on it hears
 * the event, which bubbles through the provider to the page as before.
 */
export function actingFor<T>(client: AuthClient, element: Element, run: () => Promise<T>): Promise<T> {
  acting.set(client, element);
  return run().finally(() => acting.delete(client));
}

/**
 * Where the provider dispatches a session event of `client`: the acting element if any, else
 * `fallback`.
 */
export function eventTarget(client: AuthClient, fallback: Element): Element {
  const element = acting.get(client);
  return element?.isConnected ? element : fallback;
}
