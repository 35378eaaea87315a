/**
 * The window plumbing of the OIDC backend: a popup (interactive login from a page that cannot or
 * should not navigate away, e.g. a sandboxed Streamlit component iframe) and a hidden iframe (silent
 * re-authorization with `prompt=none`), and the callback page's side of both.
 *
 * How a callback reaches the page that waits for it: the identity provider redirects the popup or the
 * iframe to the app's redirect URI with `code`/`state` (or `error`) in the query; that page (any page
 * of the app loading the kit, or the tiny `oidc-callback.html`) calls {@link answerOpener}, which posts
 * the query to `window.opener` (popup) or `window.parent` (iframe) with the target origin set to its
 * own origin. The redirect URI must therefore be **same-origin as the app page**: a callback on another
 * origin is never delivered (its message is dropped by the browser), by design.
 *
 * The waiting side trusts a message only when every check passes (SECURITY.md 13): it comes from our
 * own popup or iframe window (`event.source`), from our own origin (`event.origin`, so the opaque
 * origin `null` of a sandboxed document is refused), carries our type tag, and carries the pending
 * `state`. Anything else is ignored, not treated as an error: a stranger who can post messages to the
 * page must not be able to cancel (or complete) somebody's login.
 *
 * Nothing here logs, and no error message contains a code, a state or a verifier (SECURITY.md 31).
 *
 * Cross-Origin-Opener-Policy: when the provider's login page sends `Cross-Origin-Opener-Policy:
 * same-origin`, the browser cuts the link between the popup and this page as soon as the popup reaches
 * the provider. This page then sees the popup as closed (`win.closed` reads true) and the wait ends
 * with `popup_closed` (this page can no longer close the popup either); if the user goes on, the
 * callback page finds no opener, posts nothing and closes itself. Such a provider needs
 * `display: 'redirect'`. The same holds for the app page's own COOP: with `same-origin` the link is cut
 * as soon as the popup leaves the app's origin; `same-origin-allow-popups` (or no COOP) keeps it.
 */
import { AuthError } from './errors.js';

/** The `type` of our callback messages; any other message is not ours. */
export const CALLBACK_MESSAGE_TYPE = 'auth-elements:oidc-callback';

/** What the callback page posts: the callback's query string, as the provider sent it. */
export interface CallbackMessage {
  readonly type: typeof CALLBACK_MESSAGE_TYPE;
  readonly params: string;
}

/** Which flow a state belongs to: redirect (`r`), popup (`p`) or hidden iframe (`f`). */
export type StateFlow = 'r' | 'p' | 'f';

/** How often the popup's `closed` is read; a closed popup is reported within about a second. */
const CLOSED_POLL_MS = 250;
/**
 * After the popup is seen closed, how long a callback message already on its way still wins: the
 * callback page posts and then closes itself, and the browser may report `closed` first.
 */
const CLOSED_GRACE_MS = 500;
/** The popup's size: enough for the usual provider login pages. */
const POPUP_WIDTH = 500;
const POPUP_HEIGHT = 650;
/** setTimeout's largest delay (about 24.8 days); a longer one would fire at once. */
const MAX_DELAY_MS = 2 ** 31 - 1;

/**
 * A fresh `state`: the flow's prefix (`r.`, `p.` or `f.`) and 32 base64url characters (192 random
 * bits). The prefix lets the callback page tell, from its URL alone, where the callback must go.
 */
export function newState(flow: StateFlow): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  const b64 = btoa(String.fromCharCode(...bytes));
  return `${flow}.${b64.replace(/\+/g, '-').replace(/\//g, '_')}`;
}

/**
 * Open the popup now, empty (`about:blank`), centred over this window. It must run in the click's
 * task, before any `await`: browsers only allow a popup during a user gesture, and building the
 * authorization URL (PKCE challenge) is asynchronous, so the URL comes later through
 * {@link popupCallback}. Throws `AuthError('popup_blocked')` when the browser refused to open it.
 */
export function openPopup(): Window {
  const left = Math.max(0, Math.round(window.screenX + (window.outerWidth - POPUP_WIDTH) / 2));
  const top = Math.max(0, Math.round(window.screenY + (window.outerHeight - POPUP_HEIGHT) / 2));
  const features = `popup,width=${POPUP_WIDTH},height=${POPUP_HEIGHT},left=${left},top=${top}`;
  let win: Window | null = null;
  try {
    win = window.open('about:blank', '_blank', features);
  } catch {
    // A sandbox without allow-popups throws in some browsers instead of returning null.
  }
  if (!win) {
    throw new AuthError('popup_blocked', 'The browser blocked the sign-in window. Allow pop-ups for this site, then try again.');
  }
  return win;
}

export interface CallbackWaitOptions {
  /** Give up with `timeout` after this many milliseconds. */
  readonly timeoutMs: number;
  /** Give up with `aborted` when this aborts. */
  readonly signal: AbortSignal;
}

/**
 * Navigate the popup to `url` (the authorization request) and wait for its callback. Resolves the
 * callback's parameters (`code`/`state`/`iss`, or `error`/`error_description`/`state`) from the first
 * message that passes every check: `event.source === win`, `event.origin === location.origin`, our type
 * tag, and `state` equal to `state`. Every other message is ignored (see the module comment).
 *
 * Rejects with `popup_closed` when the user closes the popup (or the browser cuts the opener link),
 * `timeout` after `opts.timeoutMs`, `aborted` when `opts.signal` aborts. The popup is closed in every
 * outcome.
 */
export function popupCallback(win: Window, url: string, state: string, opts: CallbackWaitOptions): Promise<URLSearchParams> {
  return waitForCallback(win, state, opts, {
    start() {
      win.location.href = url;
    },
    isGone: () => win.closed,
    cleanup() {
      try {
        win.close();
      } catch {
        // Already closed, or the browser refuses: nothing else to do.
      }
    },
  });
}

/**
 * The same through a hidden iframe, for silent re-authorization (`prompt=none`): the provider answers
 * at once with a code or with `login_required`/`interaction_required`. The iframe is removed in every
 * outcome.
 *
 * It only works where the provider lets itself be framed by the app (`frame-ancestors`,
 * `X-Frame-Options`), the app's CSP allows the provider in `frame-src`, and the browser sends the
 * provider's session cookie to a third-party frame (browsers that block third-party cookies answer
 * `login_required`). A provider that refuses to be framed never answers: the wait then ends with
 * `timeout`, so keep `opts.timeoutMs` short.
 */
export function frameCallback(url: string, state: string, opts: CallbackWaitOptions): Promise<URLSearchParams> {
  const frame = document.createElement('iframe');
  frame.setAttribute('aria-hidden', 'true');
  frame.tabIndex = -1;
  frame.title = '';
  frame.style.cssText = 'position:absolute;width:0;height:0;border:0;visibility:hidden';
  if (opts.signal.aborted) return Promise.reject(abortedError(opts.signal));
  (document.body ?? document.documentElement).append(frame);
  // The iframe's WindowProxy stays the same across its navigations: it is the source to expect.
  const win = frame.contentWindow;
  if (!win) {
    frame.remove();
    return Promise.reject(new AuthError('timeout', 'The sign-in frame could not be created.'));
  }
  return waitForCallback(win, state, opts, {
    start() {
      frame.src = url;
    },
    isGone: () => !frame.isConnected,
    cleanup: () => frame.remove(),
  });
}

interface CallbackWindow {
  /** Send the window to the authorization URL, once the listener is in place. */
  start(): void;
  /** Whether the window has gone away (popup closed, iframe removed by someone else). */
  isGone(): boolean;
  /** Close the popup / remove the iframe. */
  cleanup(): void;
}

/** The wait shared by the popup and the iframe: one listener, one timer, one outcome, one cleanup. */
function waitForCallback(
  source: Window,
  state: string,
  opts: CallbackWaitOptions,
  target: CallbackWindow,
): Promise<URLSearchParams> {
  return new Promise((resolve, reject) => {
    if (opts.signal.aborted) {
      target.cleanup();
      reject(abortedError(opts.signal));
      return;
    }
    let graceTimer: ReturnType<typeof setTimeout> | undefined;
    const finish = (outcome: () => void) => {
      removeEventListener('message', onMessage);
      opts.signal.removeEventListener('abort', onAbort);
      clearTimeout(timeoutTimer);
      clearTimeout(graceTimer);
      clearInterval(pollTimer);
      target.cleanup();
      outcome();
    };
    const onMessage = (event: MessageEvent) => {
      const params = acceptedParams(event, source, state);
      if (params) finish(() => resolve(params));
    };
    const onAbort = () => finish(() => reject(abortedError(opts.signal)));
    const timeoutTimer = setTimeout(
      () => finish(() => reject(new AuthError('timeout', 'The sign-in window did not answer in time.'))),
      Math.min(opts.timeoutMs, MAX_DELAY_MS),
    );
    const pollTimer = setInterval(() => {
      if (graceTimer !== undefined || !target.isGone()) return;
      graceTimer = setTimeout(
        () => finish(() => reject(new AuthError('popup_closed', 'The sign-in window was closed before signing in finished.'))),
        CLOSED_GRACE_MS,
      );
    }, CLOSED_POLL_MS);
    addEventListener('message', onMessage);
    opts.signal.addEventListener('abort', onAbort, { once: true });
    try {
      target.start();
    } catch (cause) {
      finish(() => reject(new AuthError('popup_closed', 'The sign-in window could not be used.', { cause })));
    }
  });
}

/** The callback's parameters if `event` passes every check (SECURITY.md 13), else null. */
function acceptedParams(event: MessageEvent, source: Window, state: string): URLSearchParams | null {
  if (event.source !== source || event.origin !== location.origin) return null;
  const data: unknown = event.data;
  if (typeof data !== 'object' || data === null) return null;
  const message = data as Partial<Record<keyof CallbackMessage, unknown>>;
  if (message.type !== CALLBACK_MESSAGE_TYPE || typeof message.params !== 'string') return null;
  const params = new URLSearchParams(message.params);
  return params.get('state') === state ? params : null;
}

function abortedError(signal: AbortSignal): AuthError {
  return new AuthError('aborted', 'The operation was cancelled.', { cause: signal.reason });
}

/** The callback parameters removed from the address bar once read. */
const CALLBACK_KEYS = ['code', 'state', 'iss', 'session_state', 'error', 'error_description', 'error_uri'];

/**
 * On a callback page: when the URL carries a callback (`code` or `error`, with `state`) whose state
 * says it belongs to a popup (`p.`) or a hidden iframe (`f.`), remove the callback parameters from the
 * address bar, post them to `window.opener` / `window.parent` with the target origin set to this
 * page's own origin (never `"*"`: only a page of our origin can read the code), close a popup, and
 * return true. Otherwise (no callback, or a redirect callback `r.` that the backend handles itself)
 * change nothing and return false.
 *
 * When the window that should receive the callback is gone (the opener closed the login, or COOP cut
 * the link), nothing is posted; the URL is still cleaned and a popup still closes.
 */
export function answerOpener(): boolean {
  const url = new URL(location.href);
  const state = url.searchParams.get('state');
  if (!state || !(url.searchParams.has('code') || url.searchParams.has('error'))) return false;
  const target = callbackTarget(state);
  if (target === undefined) return false;
  const message: CallbackMessage = { type: CALLBACK_MESSAGE_TYPE, params: url.searchParams.toString() };
  for (const key of CALLBACK_KEYS) url.searchParams.delete(key);
  history.replaceState(history.state, '', url.href);
  target?.postMessage(message, location.origin);
  if (state.startsWith('p.')) window.close();
  return true;
}

/** Where a callback with this state goes: a window, null when it is gone, undefined when not ours to post. */
function callbackTarget(state: string): Window | null | undefined {
  if (state.startsWith('p.')) return window.opener as Window | null;
  if (state.startsWith('f.')) return window.parent === window ? null : window.parent;
  return undefined;
}
