/**
 * Cross-tab coordination as a seam. The default uses BroadcastChannel (login/logout news for the UI)
 * and the Web Locks API (one refresh at a time across tabs, so a rotating refresh cookie is never
 * presented twice). Both degrade to in-tab behaviour where the browser lacks them.
 */
/** `org`: the active organization changed (the other tabs refresh, or re-read the remembered one). */
export type TabMessage = { readonly type: 'login' | 'logout' | 'refresh' | 'org'; readonly from: string };

export interface TabSync {
  /** Tell the other tabs. Never carries a token. */
  post(message: TabMessage): void;
  /** Listen to the other tabs; returns an unsubscribe function. */
  listen(fn: (message: TabMessage) => void): () => void;
  /** Run `fn` while holding the named lock across every tab of this origin. */
  withLock<T>(name: string, fn: () => Promise<T>): Promise<T>;
  close(): void;
}

const TYPES = new Set(['login', 'logout', 'refresh', 'org']);

function isTabMessage(value: unknown): value is TabMessage {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as { type?: unknown; from?: unknown };
  return typeof v.type === 'string' && TYPES.has(v.type) && typeof v.from === 'string';
}

/** The browser implementation. `name` separates several clients on one origin. */
export function browserTabSync(name: string): TabSync {
  const channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel(`auth-elements:${name}`) : null;
  const locks = typeof navigator !== 'undefined' ? (navigator as Navigator & { locks?: LockManager }).locks : undefined;
  return {
    post(message) {
      channel?.postMessage(message);
    },
    listen(fn) {
      if (!channel) return () => {};
      const handler = (event: MessageEvent) => {
        if (isTabMessage(event.data)) fn(event.data);
      };
      channel.addEventListener('message', handler);
      return () => channel.removeEventListener('message', handler);
    },
    withLock(lockName, fn) {
      if (!locks) return fn();
      return locks.request(`auth-elements:${name}:${lockName}`, fn) as Promise<Awaited<ReturnType<typeof fn>>>;
    },
    close() {
      channel?.close();
    },
  };
}

/** A TabSync that coordinates nothing (one tab, or tests). */
export const noTabSync: TabSync = {
  post() {},
  listen: () => () => {},
  withLock: (_name, fn) => fn(),
  close() {},
};
