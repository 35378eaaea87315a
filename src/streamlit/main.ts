/**
 * The Streamlit component page: one widget of the kit, inside the iframe Streamlit creates for
 * `declare_component(path=...)`. Python says which (`args.widget`) on every render; the elements run
 * on an AuthClient whose backend is Python (HostBackend). This page also writes Python's session
 * cookie (`args.cookie`), follows Streamlit's theme, and keeps the frame exactly as tall as the widget.
 */
import type { AuthProvider } from '../components/auth-provider/auth-provider.component.js';
import '../components/auth-provider/auth-provider.js';
import '../components/auth-login/auth-login.js';
import { loadTranslation } from '../components/localize.js';
import { AuthClient } from '../core/client.js';
import { CookieWriter } from './cookie.js';
import { HostBackend } from './host-backend.js';
import { StreamlitFrame, WIDGETS, type RenderArgs } from './protocol.js';
import { browserHostTabs, type HostTabs } from './tabs.js';
import { applyTheme } from './theme.js';

/** The other elements load when a widget first needs one (the page's first script stays small). */
const LATER: Record<string, () => Promise<unknown>> = {
  'auth-logout': () => import('../components/auth-logout/auth-logout.js'),
  'auth-status': () => import('../components/auth-status/auth-status.js'),
  'auth-register': () => import('../components/auth-register/auth-register.js'),
  'auth-reset-password': () => import('../components/auth-reset-password/auth-reset-password.js'),
  'auth-forgot': () => import('../components/auth-forgot/auth-forgot.js'),
  'auth-update-details': () => import('../components/auth-update-details/auth-update-details.js'),
};

const loading = new Map<string, Promise<unknown>>();

/** Define the element of `tag` (the ones not in the first script load now); resolves even on failure. */
function define(tag: string): Promise<unknown> {
  let load = loading.get(tag);
  if (!load) {
    load = (LATER[tag]?.() ?? customElements.whenDefined(tag)).catch((err: unknown) => {
      loading.delete(tag); // a later render tries again
      console.warn(`[auth-elements] <${tag}> could not be loaded`, err);
    });
    loading.set(tag, load);
  }
  return load;
}

type Widget = HTMLElement & { fields: unknown; token?: string | undefined; updateComplete: Promise<unknown> };

/**
 * Streamlit puts the component's iframe inline in its element container: the line box adds a
 * descender under every widget (8 px at Streamlit's 16 px font) and gives the invisible `session`
 * carrier a line of its own (26 px, plus the column's gap): streamlit/streamlit#7159 and #6605. The
 * frame element is ours to style (same origin, checked by the message layer): a block, and the
 * carrier's container out of the layout (given back should Streamlit reuse it for something else).
 */
function fitFrame(carrier: boolean): void {
  let iframe: HTMLElement | null = null;
  try {
    iframe = window.frameElement as HTMLElement | null;
  } catch {
    return;
  }
  if (!iframe) return;
  iframe.style.display = 'block';
  const container = carrier ? iframe.closest<HTMLElement>('.element-container') : null;
  if (!container) return;
  container.style.display = 'none';
  addEventListener('pagehide', () => container.style.removeProperty('display'), { once: true });
}

const frame = new StreamlitFrame();
const root = document.getElementById('root')!;

if (frame.origin) {
  // The tab news (tabs.ts). Python renders the invisible `session` carrier in every run, and the
  // carrier is the one widget that outlives a login or a logout: once signed in Python renders no
  // login form, once signed out no logout button, so their iframes are gone before the run that
  // answers reaches them. The carrier speaks for its tab: it tells the other tabs of every change of
  // Python's session it sees, and it alone asks for a rerun (`sync`, the op Python takes from it)
  // when news from another tab differs from what it shows. Known after the first render.
  let carrier = false;
  let shownUser: string | null = null;
  const news = browserHostTabs();
  const tabs: HostTabs | null = news && {
    announce: (user) => news.announce(user),
    listen: (differs, sync) => news.listen((user) => carrier && differs(user), sync),
  };
  const backend = new HostBackend({ send: (value) => frame.setComponentValue(value), origin: frame.origin, tabs });
  // Python is the authority and the tabs talk through it (HostTabs): no cross-tab client sync here.
  const client = new AuthClient({ backend, tabs: null });
  const provider = document.createElement('auth-provider') as AuthProvider;
  provider.client = client;
  // Every widget is a frame with its own provider: only the one the user acted in says "Logged in".
  provider.announceOwnOnly = true;
  root.append(provider);
  const cookies = new CookieWriter();
  let widget: Widget | null = null;
  let fields = '';
  let token: unknown;
  let sized = false;

  const attr = (name: string, value: unknown): void => {
    if (typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value))) widget!.setAttribute(name, String(value));
    else widget!.removeAttribute(name);
  };

  /** The element `args.widget` names, configured from the args (created anew when the kind changes). */
  const show = (args: RenderArgs): void => {
    const tag = WIDGETS[args.widget];
    if (widget?.localName !== tag) {
      widget?.remove();
      widget = null;
      fields = '';
      token = undefined;
      if (!tag) return;
      void define(tag);
      widget = document.createElement(tag) as Widget;
      if (tag !== 'auth-status' && tag !== 'auth-logout') widget.classList.add('ae-form');
      provider.append(widget);
    }
    if (!widget) return;
    const options = args.options;
    attr('location', args.location);
    const json = JSON.stringify(args.fields ?? {});
    if (json !== fields) widget.fields = JSON.parse((fields = json));
    if (args.widget === 'logout') attr('button-name', options.button_name);
    if (args.widget === 'register' || args.widget === 'reset_password') attr('password-min-length', options.password_min_length);
    if (args.widget === 'forgot_password' || args.widget === 'forgot_username') attr('mode', args.widget === 'forgot_username' ? 'username' : 'password');
    // A reset or registration code Python holds (from `?reset_token=` / `?verify_token=` in the app's
    // address, or given by the app): given to the element once (it drops it after use; later renders repeat it).
    if ((args.widget === 'reset_password' || args.widget === 'register') && options.token !== token) {
      token = options.token;
      if (typeof token === 'string' && token) widget.token = token;
    }
  };

  const height = (): number => Math.ceil(root.getBoundingClientRect().height);

  /** The first height is the widget's real one: language, element and session first (no jump). */
  const size = async (args: RenderArgs): Promise<void> => {
    await loadTranslation(document.documentElement.lang);
    const tag = WIDGETS[args.widget];
    if (tag) await define(tag);
    await client.start();
    await widget?.updateComplete;
    sized = true;
    frame.setFrameHeight(height());
  };

  new ResizeObserver(() => {
    if (sized) frame.setFrameHeight(height());
  }).observe(root);

  let first = true;
  frame.ready(({ args, theme }) => {
    applyTheme(theme);
    cookies.apply(args.cookie);
    const lang = args.lang ?? navigator.language ?? 'en';
    if (document.documentElement.lang !== lang) document.documentElement.lang = lang;
    show(args);
    backend.render(args);
    const user = args.session?.user.id ?? null;
    if (first) carrier = args.widget === 'session';
    else if (carrier && user !== shownUser) news?.announce(user);
    shownUser = user;
    if (first) {
      first = false;
      fitFrame(args.widget === 'session');
      void size(args);
    }
  });
}
