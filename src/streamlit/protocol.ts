/**
 * The iframe half of Streamlit's components-v1 messages, and the args the Python package sends
 * (python/PROTOCOL.md). No React, no Arrow: four message types, checked on the way in.
 *
 * Who may talk to us: only `window.parent`, from the app's origin, which is the origin of the
 * `streamlitUrl` query parameter Streamlit puts on the iframe's address. That origin must be our own
 * (Streamlit serves a `declare_component(path=...)` iframe from the app's server): a page elsewhere
 * that frames this one with `?streamlitUrl=https://evil` gets no message and is never listened to.
 * We post to that origin only, never to `"*"` (SECURITY 13).
 */

export const WIDGETS = {
  login: 'auth-login',
  logout: 'auth-logout',
  register: 'auth-register',
  reset_password: 'auth-reset-password',
  forgot_password: 'auth-forgot',
  forgot_username: 'auth-forgot',
  update_details: 'auth-update-details',
  status: 'auth-status',
  session: '',
} as const;

export type WidgetKind = keyof typeof WIDGETS;

/** Who Python says is signed in (display only: Python decides). */
export interface SessionArg {
  readonly user: {
    readonly id: string;
    readonly username?: string | null;
    readonly name?: string | null;
    readonly email?: string | null;
    readonly roles?: readonly string[];
  };
  readonly expires_at: number | null;
}

export interface ReplyError {
  readonly code: string;
  readonly message: string;
  readonly description?: string;
  readonly retry_after?: number;
  /** Which rule refused it (e.g. weak_password's `too_short`), with its numbers (`min`, `max`). */
  readonly reason?: string;
  readonly min?: number;
  readonly max?: number;
}

export type ReplyArg =
  | { readonly id: string; readonly ok: true; readonly result: Readonly<Record<string, unknown>> }
  | { readonly id: string; readonly ok: false; readonly error: ReplyError };

export type CookieArg =
  | { readonly name: string; readonly value: string; readonly max_age: number; readonly secure: boolean }
  | { readonly name: string; readonly clear: true; readonly secure?: boolean };

/** The `args` of every render (PROTOCOL.md "Python -> iframe"); absent optional keys read as null. */
export interface RenderArgs {
  readonly v: 1;
  readonly widget: WidgetKind;
  readonly location: 'main' | 'sidebar';
  readonly lang: string | null;
  readonly fields: Readonly<Record<string, unknown>> | null;
  readonly options: Readonly<Record<string, unknown>>;
  readonly session: SessionArg | null;
  readonly reply: ReplyArg | null;
  readonly cookie: CookieArg | null;
  readonly route: string | null;
}

/** Streamlit's own `theme` field of the render message (the colours of the widget's surroundings). */
export interface StreamlitTheme {
  readonly primaryColor?: string;
  readonly backgroundColor?: string;
  readonly secondaryBackgroundColor?: string;
  readonly textColor?: string;
  readonly font?: string;
  readonly base?: string;
}

export interface Render {
  readonly args: RenderArgs;
  readonly theme: StreamlitTheme | null;
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const isString = (value: unknown): value is string => typeof value === 'string';
const optional = (value: unknown, test: (v: unknown) => boolean): boolean => value === undefined || value === null || test(value);

/** A cookie name (RFC 6265 token) and value (cookie-octets): nothing that could add an attribute. */
const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,128}$/;
const COOKIE_VALUE = /^[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]{0,4000}$/;

/** Why a render's args are refused, or null when they are well formed. */
function problem(args: unknown): string | null {
  if (!isObject(args)) return 'args is not an object';
  if (args.v !== 1) return `protocol version ${String(args.v)} is not 1`;
  if (!isString(args.widget) || !Object.prototype.hasOwnProperty.call(WIDGETS, args.widget)) return 'unknown widget';
  if (!optional(args.location, (v) => v === 'main' || v === 'sidebar')) return 'bad location';
  if (!optional(args.lang, isString)) return 'bad lang';
  if (!optional(args.fields, isObject) || !optional(args.options, isObject)) return 'bad fields or options';
  const session = args.session;
  if (session != null) {
    const user = isObject(session) ? session.user : null;
    if (!isObject(user) || !isString(user.id) || !user.id) return 'bad session (user.id)';
    if (!['username', 'name', 'email'].every((key) => optional(user[key], isString))) return 'bad session (user)';
    if (!optional(user.roles, (v) => Array.isArray(v) && v.every(isString))) return 'bad session (roles)';
    if (!optional((session as Json).expires_at, Number.isFinite)) return 'bad session (expires_at)';
  }
  const reply = args.reply;
  if (reply != null) {
    if (!isObject(reply) || !isString(reply.id) || !reply.id || typeof reply.ok !== 'boolean') return 'bad reply';
    if (reply.ok ? !optional(reply.result, isObject) : !isObject(reply.error) || !isString(reply.error.code)) return 'bad reply';
  }
  const cookie = args.cookie;
  if (cookie != null) {
    if (!isObject(cookie) || !isString(cookie.name) || !COOKIE_NAME.test(cookie.name)) return 'bad cookie name';
    if (cookie.clear !== true) {
      if (!isString(cookie.value) || !COOKIE_VALUE.test(cookie.value)) return 'bad cookie value';
      if (!Number.isInteger(cookie.max_age) || (cookie.max_age as number) < 0) return 'bad cookie max_age';
    }
  }
  // A path on the app's own origin: not `//host`, not a backslash trick.
  if (!optional(args.route, (v) => isString(v) && /^\/(?![/\\])[^\\\s]*$/.test(v))) return 'bad route';
  return null;
}

/** The args, normalised (absent optional keys are null), or null when they are not well formed. */
export function readArgs(args: unknown): RenderArgs | null {
  const why = problem(args);
  if (why) {
    console.warn(`[auth-elements] streamlit: render ignored (${why}).`);
    return null;
  }
  const a = args as Json;
  const reply = a.reply as Json | null | undefined;
  const cookie = a.cookie as Json | null | undefined;
  return {
    v: 1,
    widget: a.widget as WidgetKind,
    location: a.location === 'sidebar' ? 'sidebar' : 'main',
    lang: (a.lang as string | null | undefined) ?? null,
    fields: (a.fields as Json | null | undefined) ?? null,
    options: (a.options as Json | null | undefined) ?? {},
    session: a.session
      ? { user: (a.session as Json).user as SessionArg['user'], expires_at: ((a.session as Json).expires_at as number | null | undefined) ?? null }
      : null,
    reply: reply ? (reply.ok ? { id: reply.id as string, ok: true, result: (reply.result as Json | null | undefined) ?? {} } : (reply as unknown as ReplyArg)) : null,
    cookie: cookie ? (cookie.clear === true ? { name: cookie.name as string, clear: true } : { name: cookie.name as string, value: cookie.value as string, max_age: cookie.max_age as number, secure: cookie.secure === true }) : null,
    route: (a.route as string | null | undefined) ?? null,
  };
}

function readTheme(theme: unknown): StreamlitTheme | null {
  if (!isObject(theme)) return null;
  const out: Record<string, string> = {};
  for (const key of ['primaryColor', 'backgroundColor', 'secondaryBackgroundColor', 'textColor', 'font', 'base']) {
    if (isString(theme[key]) && theme[key]) out[key] = theme[key] as string;
  }
  return out;
}

/**
 * The app's origin from `?streamlitUrl=`, when it is ours and we are framed; else null (the page then
 * stays inert and says why in the console).
 */
export function appOrigin(win: Window = window): string | null {
  const raw = new URLSearchParams(win.location.search).get('streamlitUrl');
  let origin: string | null = null;
  try {
    origin = raw ? new URL(raw).origin : null;
  } catch {
    origin = null;
  }
  if (!origin || origin !== win.location.origin || win.parent === win) {
    console.error('[auth-elements] streamlit: this page runs only as a Streamlit component of an app on its own origin (streamlitUrl).');
    return null;
  }
  return origin;
}

/**
 * The message layer: `ready()` announces the component (API version 1), `onRender` gets each
 * well-formed render from the parent, `setComponentValue` and `setFrameHeight` talk back.
 */
export class StreamlitFrame {
  readonly origin: string | null;
  readonly #win: Window;
  #height = -1;

  constructor(win: Window = window) {
    this.#win = win;
    this.origin = appOrigin(win);
  }

  /** Listen to renders, then tell Streamlit we are ready for them. */
  ready(onRender: (render: Render) => void): void {
    if (!this.origin) return;
    this.#win.addEventListener('message', (event: MessageEvent) => {
      // Only our parent, from the app's origin; everything else (other frames, other origins) is ignored.
      if (event.source !== this.#win.parent || event.origin !== this.origin) return;
      const data: unknown = event.data;
      if (!isObject(data) || data.type !== 'streamlit:render') return;
      const args = readArgs(data.args);
      if (args) onRender({ args, theme: readTheme(data.theme) });
    });
    this.#post('streamlit:componentReady', { apiVersion: 1 });
  }

  /** The widget's value: Streamlit stores it and reruns the script once. */
  setComponentValue(value: unknown): void {
    this.#post('streamlit:setComponentValue', { value, dataType: 'json' });
  }

  /** The iframe's height in CSS pixels; the same height twice is sent once. */
  setFrameHeight(height: number): void {
    if (height === this.#height) return;
    this.#height = height;
    this.#post('streamlit:setFrameHeight', { height });
  }

  #post(type: string, data: Json): void {
    if (this.origin) this.#win.parent.postMessage({ isStreamlitMessage: true, type, ...data }, this.origin);
  }
}
