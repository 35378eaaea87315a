import type { CookieArg } from './protocol.js';

/**
 * `args.cookie` (plain `streamlit run`): Python's session token as a first-party cookie, written by
 * this page because Python cannot set one from a script run. `name=value; Path=/; Max-Age=…;
 * SameSite=Strict` (+ `Secure` when Python asks, and always on https), or `Max-Age=0` to clear it.
 * Each distinct cookie is written once: a re-render, or another iframe that already wrote it (the
 * same value in `document.cookie`), does not write it again. Name and value were checked when the
 * render was read (protocol.ts): they cannot carry an attribute of their own.
 */
export class CookieWriter {
  #last = '';

  constructor(private readonly doc: Document = document) {}

  apply(cookie: CookieArg | null): void {
    if (!cookie) return;
    const present = this.#current(cookie.name);
    const clear = 'clear' in cookie;
    const key = clear ? `${cookie.name}\n` : `${cookie.name}\n${cookie.value}`;
    if (key === this.#last) return;
    this.#last = key;
    if (clear ? present === null : present === cookie.value) return;
    const secure = cookie.secure || this.doc.location.protocol === 'https:' ? '; Secure' : '';
    this.doc.cookie = clear
      ? `${cookie.name}=; Path=/; Max-Age=0; SameSite=Strict${secure}`
      : `${cookie.name}=${cookie.value}; Path=/; Max-Age=${cookie.max_age}; SameSite=Strict${secure}`;
  }

  #current(name: string): string | null {
    for (const pair of this.doc.cookie.split('; ')) {
      const at = pair.indexOf('=');
      if (at > 0 && pair.slice(0, at) === name) return pair.slice(at + 1);
    }
    return null;
  }
}
