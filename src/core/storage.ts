/** The part of the Web Storage API the kit uses; inject any object with these three methods. */
export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export type PersistMode = 'none' | 'session' | 'local';

/** The browser storage for a mode, or null (none, or storage unavailable: private mode, sandbox). */
export function browserStorage(mode: PersistMode): KeyValueStorage | null {
  if (mode === 'none') return null;
  try {
    const storage = mode === 'local' ? globalThis.localStorage : globalThis.sessionStorage;
    return storage ?? null;
  } catch {
    return null; // access can throw (sandboxed iframe, blocked cookies)
  }
}

/** Read a JSON value; anything unreadable is removed and reads as null. */
export function readJson(storage: KeyValueStorage | null, key: string): unknown {
  if (!storage) return null;
  try {
    const raw = storage.getItem(key);
    return raw === null ? null : (JSON.parse(raw) as unknown);
  } catch {
    safeRemove(storage, key);
    return null;
  }
}

export function writeJson(storage: KeyValueStorage | null, key: string, value: unknown): void {
  if (!storage) return;
  try {
    storage.setItem(key, JSON.stringify(value));
  } catch {
    // Quota or a blocked storage: the session still works in memory.
  }
}

export function safeRemove(storage: KeyValueStorage | null, key: string): void {
  try {
    storage?.removeItem(key);
  } catch {
    // ignore: nothing to remove from a storage we cannot reach
  }
}
