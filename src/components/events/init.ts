/**
 * What every kit event shares: it bubbles, crosses shadow roots (composed), and its detail is frozen
 * plain data that never holds a token or a password.
 */
export function eventInit<T>(detail: T): CustomEventInit<Readonly<T>> {
  return { bubbles: true, composed: true, detail: Object.freeze(detail) };
}
