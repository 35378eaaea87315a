/**
 * A fake Streamlit host for the component page: it does what Streamlit's frontend does for a
 * components-v1 iframe (ComponentInstance): creates the iframe with Streamlit's sandbox and a
 * `streamlitUrl` query parameter, waits for `streamlit:componentReady`, sends `streamlit:render`
 * messages (args, dfs, disabled, theme) with target "*", routes the iframe's messages by `source`,
 * sets the iframe's height on `setFrameHeight`, and records every message. Python is the test: it
 * reads the component values and renders the replies itself.
 */
import { waitUntil as waitUntilOnce } from '@open-wc/testing';

/** `waitUntil` with a time limit for a machine shared with other work (5 s; the default is 1 s). */
export function waitUntil(predicate: () => unknown, message?: string, options: { timeout?: number } = {}): Promise<void> {
  return waitUntilOnce(predicate, message, { timeout: 5000, ...options });
}

export const ORIGIN = location.origin;
export const PAGE = '/src/streamlit/index.html';
export const SANDBOX = 'allow-forms allow-modals allow-popups allow-popups-to-escape-sandbox allow-same-origin allow-scripts allow-downloads';

export interface User {
  id: string;
  username?: string | null;
  name?: string | null;
  email?: string | null;
  roles?: string[];
}

export interface Args {
  v: number;
  widget: string;
  location: 'main' | 'sidebar';
  lang: string | null;
  fields: Record<string, unknown> | null;
  options: Record<string, unknown>;
  session: { user: User; expires_at: number | null } | null;
  reply: unknown;
  cookie: unknown;
  route: string | null;
}

export interface Theme {
  primaryColor: string;
  backgroundColor: string;
  secondaryBackgroundColor: string;
  textColor: string;
  font: string;
  base: 'light' | 'dark';
}

export const LIGHT: Theme = {
  primaryColor: '#ff4b4b',
  backgroundColor: '#ffffff',
  secondaryBackgroundColor: '#f0f2f6',
  textColor: '#31333F',
  font: '"Source Sans Pro", sans-serif',
  base: 'light',
};

export const DARK: Theme = {
  primaryColor: '#ff4b4b',
  backgroundColor: '#0e1117',
  secondaryBackgroundColor: '#262730',
  textColor: '#fafafa',
  font: '"Source Sans Pro", sans-serif',
  base: 'dark',
};

/** In the sidebar Streamlit swaps the two backgrounds. */
export const LIGHT_SIDEBAR: Theme = { ...LIGHT, backgroundColor: '#f0f2f6', secondaryBackgroundColor: '#ffffff' };
export const DARK_SIDEBAR: Theme = { ...DARK, backgroundColor: '#262730', secondaryBackgroundColor: '#0e1117' };

export const alice = {
  user: { id: 'u-1', username: 'alice', name: 'Alice Example', email: 'alice@example.com', roles: ['admin'] },
  expires_at: null,
};

export function args(patch: Partial<Args> = {}): Args {
  return {
    v: 1,
    widget: 'login',
    location: 'main',
    lang: 'en',
    fields: null,
    options: {},
    session: null,
    reply: null,
    cookie: null,
    route: null,
    ...patch,
  };
}

export interface Message {
  isStreamlitMessage?: boolean;
  type: string;
  [key: string]: unknown;
}

export interface Value {
  v: number;
  id: string;
  op: string;
  input: Record<string, unknown>;
}

export interface HostOptions {
  args?: Partial<Args>;
  theme?: Theme | null;
  /** The window whose document holds the iframe (a popup is another tab). Default: this one. */
  win?: Window;
  /** CSS width of the iframe (Streamlit: the column's width). Default 600px. */
  width?: string;
  /** Called with the iframe's window once it said it is ready, before the first render. */
  beforeFirstRender?: (win: Window) => void;
  /** The query of the iframe's address. Default `streamlitUrl=<this origin>/`. */
  query?: string;
}

const hosts = new Set<FakeStreamlit>();

export class FakeStreamlit {
  readonly iframe: HTMLIFrameElement;
  /** Every message the iframe posted, in order. */
  readonly received: Message[] = [];
  args: Args;
  theme: Theme | null;
  readonly #win: Window;
  readonly #options: HostOptions;
  #ready = false;

  private constructor(options: HostOptions) {
    this.#options = options;
    this.#win = options.win ?? window;
    this.args = args(options.args);
    this.theme = options.theme === undefined ? LIGHT : options.theme;
    const doc = this.#win.document;
    this.iframe = doc.createElement('iframe');
    this.iframe.setAttribute('sandbox', SANDBOX);
    this.iframe.title = 'streamlit_auth_elements.auth';
    this.iframe.style.cssText = `display: block; border: 0; width: ${options.width ?? '600px'}; height: 0; color-scheme: normal`;
    this.#win.addEventListener('message', this.#onMessage);
    const query = options.query ?? `streamlitUrl=${encodeURIComponent(`${ORIGIN}/`)}`;
    this.iframe.src = `${PAGE}?${query}`;
    doc.body.append(this.iframe);
    hosts.add(this);
  }

  /** Mount the iframe and wait until it is ready and has had its first render. */
  static async start(options: HostOptions = {}): Promise<FakeStreamlit> {
    const host = new FakeStreamlit(options);
    try {
      await waitUntil(() => host.#ready, 'the component never said it was ready', { timeout: 8000 });
    } catch (err) {
      const win = host.window as (Window & { __postTargets?: string[] }) | null;
      let state = 'no window';
      try {
        state = `${win?.location.href} ${win?.document.readyState} provider=${!!win?.document.querySelector('auth-provider')} posted=${JSON.stringify(win?.__postTargets)} received=${host.received.length}`;
      } catch (e) {
        state = String(e);
      }
      throw new Error(`${(err as Error).message} (${state})`);
    }
    return host;
  }

  /** Stop every host (afterEach). */
  static stopAll(): void {
    for (const host of hosts) host.stop();
  }

  get window(): Window & { __postTargets?: string[] } {
    return this.iframe.contentWindow as Window & { __postTargets?: string[] };
  }

  get document(): Document {
    return this.iframe.contentDocument!;
  }

  /** The component values, in order. */
  get values(): Value[] {
    return this.received.filter((m) => m.type === 'streamlit:setComponentValue').map((m) => m.value as Value);
  }

  get heights(): number[] {
    return this.received.filter((m) => m.type === 'streamlit:setFrameHeight').map((m) => m.height as number);
  }

  /** Send a render with these args changed (Streamlit: a script run that renders the widget). */
  render(patch: Partial<Args> = {}, theme: Theme | null = this.theme): void {
    this.args = { ...this.args, ...patch };
    this.theme = theme;
    this.post({ type: 'streamlit:render', args: this.args, dfs: [], disabled: false, theme });
  }

  /**
   * Post anything to the iframe, as the parent. Through a function of the host window's realm: a
   * message's source is the realm of the script that posts it (a popup's host is another window).
   */
  post(data: unknown): void {
    const win = this.#win as Window & typeof globalThis;
    new win.Function('target', 'data', 'target.postMessage(data, "*")')(this.window, data);
  }

  /** Wait for the component value number `index` (0-based). */
  async value(index: number): Promise<Value> {
    await waitUntil(() => this.values.length > index, `component value #${index} never came (${this.values.length} so far)`, { timeout: 5000 });
    return this.values[index]!;
  }

  /** Wait until the iframe posted a message that matches. */
  async until(test: (m: Message) => boolean, what: string): Promise<Message> {
    await waitUntil(() => this.received.some(test), what, { timeout: 5000 });
    return this.received.find(test)!;
  }

  /**
   * Resolves once every message the iframe has posted so far has reached us: a message we post to
   * ourselves is queued behind them (the same event loop, one task source).
   */
  async flush(): Promise<void> {
    const token = Math.random().toString(36);
    await new Promise<void>((resolve) => {
      const onMessage = (event: MessageEvent) => {
        if (event.data === token) {
          this.#win.removeEventListener('message', onMessage);
          resolve();
        }
      };
      this.#win.addEventListener('message', onMessage);
      this.#win.postMessage(token, ORIGIN);
    });
  }

  /** Resolves after the iframe handled the next message event dispatched to it (any sender). */
  handled(): Promise<void> {
    return new Promise((resolve) => this.window.addEventListener('message', () => setTimeout(resolve), { once: true }));
  }

  stop(): void {
    this.#win.removeEventListener('message', this.#onMessage);
    this.iframe.remove();
    hosts.delete(this);
    // Undo the recorder's wrappers (test/streamlit/recorder.js) once no component is left.
    const post = this.#win.postMessage as typeof window.postMessage & { __builtin?: typeof window.postMessage };
    if (![...hosts].some((h) => h.#win === this.#win) && post.__builtin) this.#win.postMessage = post.__builtin;
  }

  readonly #onMessage = (event: MessageEvent): void => {
    // Streamlit routes component messages by the window that sent them.
    if (event.source !== this.iframe.contentWindow) return;
    const data = event.data as Message;
    if (!data || data.isStreamlitMessage !== true) return;
    this.received.push(data);
    if (data.type === 'streamlit:componentReady' && !this.#ready) {
      this.#options.beforeFirstRender?.(this.window);
      this.render();
      this.#ready = true;
    } else if (data.type === 'streamlit:setFrameHeight') {
      this.iframe.style.height = `${data.height as number}px`;
    }
  };
}

/** The element the widget shows, inside the iframe. */
export function widget<T extends HTMLElement = HTMLElement & { updateComplete: Promise<unknown>; state: { status: string } }>(host: FakeStreamlit, tag: string): T | null {
  return host.document.querySelector(tag) as T | null;
}

/** Wait until the widget's element has this status and has rendered it. */
export type Widget = HTMLElement & { updateComplete: Promise<unknown>; state: { status: string } };

export async function untilStatus(host: FakeStreamlit, tag: string, status: string): Promise<Widget> {
  await waitUntil(() => (widget(host, tag) as { state?: { status: string } } | null)?.state?.status === status, `<${tag}> never became ${status}`, { timeout: 5000 });
  const el = widget(host, tag) as Widget;
  await el.updateComplete;
  return el;
}

/** Type into the iframe's form as a user would, then press the submit button. */
export function fill(el: Element, values: Record<string, string>): void {
  for (const [name, value] of Object.entries(values)) {
    const input = el.querySelector<HTMLInputElement>(`input[name="${name}"]`);
    if (!input) throw new Error(`no input named ${name}`);
    input.value = value;
    input.dispatchEvent(new Event('input', { bubbles: true }));
  }
  el.querySelector<HTMLButtonElement>('button[type=submit]')!.click();
}

export function partText(el: Element, name: string): string {
  return el.shadowRoot?.querySelector(`[part~="${name}"]`)?.textContent?.trim() ?? '';
}

/** The error message shown: the form-level `part="error"` when shown, else the one next to a field. */
export function errorText(el: Element): string {
  const alert = el.shadowRoot?.querySelector<HTMLElement>('[part~="error"]');
  if (alert && !alert.hidden) return alert.textContent?.trim() ?? '';
  return el.querySelector('[part~="field-error"]')?.textContent?.trim() ?? '';
}

export function ok(id: string, result: Record<string, unknown> = {}) {
  return { id, ok: true, result };
}

export function refused(id: string, code: string, extra: Record<string, unknown> = {}) {
  return { id, ok: false, error: { code, message: `refused: ${code}`, ...extra } };
}
