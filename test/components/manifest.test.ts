/**
 * dist/custom-elements.json (`npm run build`, or `npx cem analyze`) against the elements as they are in
 * Chromium: for each element the manifest describes, its attributes are the class's observedAttributes,
 * its events those it dispatches (recorded while every element goes through its successes and
 * failures) and, across the kit, every event the source dispatches; its parts those rendered in its
 * shadow and light DOM in each of its states; its CSS properties every `var(--auth-*)` its styles
 * read. Any difference, either way, fails. Nothing here lists names: they come from the elements.
 */
import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import type { LitElement } from 'lit';
import * as kit from '../../src/components/index.js';
import type { AuthProvider } from '../../src/components/index.js';
import { ada, fakeClient, session, type FakeBackendOptions } from './fake-backend.js';
import { aliceWorld, carol } from './fake-orgs.js';
import { fillAndSubmit, mountForm, type, untilStatus } from './helpers.js';
import { choose, mountSelect, selectOf } from './org-helpers.js';

interface Named {
  name: string;
}
interface Declaration {
  tagName?: string;
  attributes?: Array<Named & { type?: { text: string } }>;
  events?: Array<Named & { type?: { text: string } }>;
  cssParts?: Named[];
  cssProperties?: Named[];
}
interface Manifest {
  modules: Array<{ path: string; declarations?: Declaration[] }>;
}

type El = HTMLElement & { updateComplete: Promise<unknown>; state: { status: 'unknown' | 'anonymous' | 'pending' | 'authenticated' | 'error' } };

/** The kit's event classes (each with its `eventName`), by class name. */
const EVENT_CLASSES = new Map(
  Object.entries(kit)
    .filter(([, value]) => typeof value === 'function' && value.prototype instanceof Event && 'eventName' in value)
    .map(([name, value]) => [name, (value as unknown as { eventName: string }).eventName]),
);
const KIT_EVENTS = new Set(EVENT_CLASSES.values());

/** Parts seen per element tag, and events dispatched per element tag, while the scenarios ran. */
const parts = new Map<string, Set<string>>();
const events = new Map<string, Set<string>>();

function add(map: Map<string, Set<string>>, tag: string, value: string): void {
  if (!map.has(tag)) map.set(tag, new Set());
  map.get(tag)!.add(value);
}

/** Record the parts an element renders now: its shadow root's, and its own light DOM's (not nested elements'). */
async function look(el: Element): Promise<void> {
  await (el as El).updateComplete;
  const own = (node: Element) => {
    let up = node.parentElement;
    while (up && !up.localName.startsWith('auth-')) up = up.parentElement;
    return up === el;
  };
  const nodes = [...(el.shadowRoot?.querySelectorAll('[part]') ?? []), ...[...el.querySelectorAll('[part]')].filter(own)];
  for (const node of nodes) for (const name of node.getAttribute('part')!.split(/\s+/).filter(Boolean)) add(parts, el.localName, name);
}

/** Every `var(--auth-…)` an element's styles read: its shadow styles, and the document sheets that name its tag. */
function cssRead(tag: string): Set<string> {
  const ctor = customElements.get(tag) as unknown as typeof LitElement;
  const sheetText = (sheet: CSSStyleSheet) => [...sheet.cssRules].map((rule) => rule.cssText).join('\n');
  const texts = ctor.elementStyles.map((style) => (style instanceof CSSStyleSheet ? sheetText(style) : style.cssText));
  for (const sheet of document.adoptedStyleSheets) {
    const text = sheetText(sheet);
    if (new RegExp(`\\b${tag}\\b`).test(text)) texts.push(text);
  }
  return new Set(texts.join('\n').match(/--auth-[\w-]+/g) ?? []);
}

/** Every state of every element, successes and failures. */
async function scenarios(declarations: Declaration[]): Promise<void> {
  const NEW = 'a much longer new passphrase';
  const form = async (tag: string, options: FakeBackendOptions, attrs: string, values: Record<string, string> | null, until?: (el: El) => boolean) => {
    const { el } = await mountForm<El>(tag, options, attrs);
    await look(el);
    if (values) {
      for (const [name, value] of Object.entries(values)) {
        const input = el.querySelector<HTMLInputElement>(`input[name="${name}"]`);
        if (input) type(input, value);
      }
      await look(el);
      await fillAndSubmit(el, {});
      await look(el); // busy, for a delayed answer
      if (until) await waitUntil(() => until(el), `${tag} ${attrs}: never settled`, { timeout: 3000 });
      await look(el);
    }
    return el;
  };
  const shown = (name: string) => (el: El) => !!el.shadowRoot?.querySelector(`[part~="${name}"]:not([hidden]):not(:empty)`) || !!el.querySelector(`[part~="${name}"]`);
  // While the session is being restored.
  for (const tag of ['auth-login', 'auth-register', 'auth-reset-password', 'auth-forgot', 'auth-update-details', 'auth-status', 'auth-logout', 'auth-guard']) {
    const { el } = await mountForm<El>(tag, { restore: 'manual' });
    await el.updateComplete;
    await look(el);
  }
  // Login: success, wrong password (field error), a network error (form error), slow (busy), a session error.
  const login = { username: 'ada', password: 'secret' };
  await form('auth-login', {}, '', login, (el) => el.state.status === 'authenticated');
  await form('auth-login', {}, '', { ...login, password: 'wrong' }, shown('field-error'));
  await form('auth-login', { loginError: 'network_error' }, '', login, shown('error'));
  await form('auth-login', { loginDelay: 'never' }, '', login);
  await form('auth-login', { restore: 'server_error' }, '', null);
  // Login under an OIDC backend: the provider button with a logo, busy, and a provider error.
  for (const options of [{ loginDelay: 'never' as const }, { loginError: { code: 'provider_error' as const, description: 'Denied.' } }]) {
    const { el } = await mountForm<El>('auth-login', { oidc: { providerName: 'Keycloak' }, ...options });
    el.insertAdjacentHTML('beforeend', '<svg slot="logo" aria-hidden="true"></svg>');
    await waitUntil(() => el.shadowRoot!.querySelector('[part~="provider-button"]'), 'no provider button', { timeout: 3000 });
    await look(el);
    (el.shadowRoot!.querySelector('[part~="provider-button"]') as HTMLButtonElement).click();
    await look(el);
    await waitUntil(() => 'loginError' in options ? shown('error')(el) : true, 'no provider error shown', { timeout: 3000 });
    await look(el);
  }
  // Register: success, mail verification then the code, server refusals, a mismatch, slow.
  const account = { name: 'New', email: 'n@example.com', username: 'newbie', password: NEW, 'password-repeat': NEW };
  await form('auth-register', {}, '', account, shown('success'));
  const verifying = await form('auth-register', { registerVerify: true }, '', account, (el) => !!el.querySelector('input[name="verify-code"]'));
  await fillAndSubmit(verifying, { 'verify-code': 'ABC' });
  await waitUntil(() => shown('success')(verifying));
  await look(verifying);
  await form('auth-register', { accountError: { code: 'weak_password', description: 'Too common.' } }, '', account, shown('field-error'));
  await form('auth-register', { accountError: 'server_error' }, '', account, shown('error'));
  await form('auth-register', {}, '', { ...account, 'password-repeat': 'other' }, shown('field-error'));
  await form('auth-register', { accountDelay: 'never' }, '', account);
  await form('auth-register', { registerVerify: true, accountError: 'verification_token_invalid' }, 'token="t"', null);
  // Reset (code, token) and change password: success, refusal, slow.
  const reset = { 'reset-code': 'ABC', password: NEW, 'password-repeat': NEW };
  await form('auth-reset-password', {}, '', reset, shown('success'));
  await form('auth-reset-password', { accountError: 'reset_token_invalid' }, '', reset, shown('field-error'));
  await form('auth-reset-password', { accountError: 'server_error' }, 'token="t"', { password: NEW, 'password-repeat': NEW }, shown('error'));
  await form('auth-reset-password', { accountDelay: 'never' }, '', reset);
  const change = { 'current-password': 'old', password: NEW, 'password-repeat': NEW };
  await form('auth-reset-password', { restore: session(ada) }, '', change, shown('success'));
  await form('auth-reset-password', { restore: session(ada), accountError: 'invalid_credentials' }, '', change, shown('field-error'));
  // Forgot password and username.
  for (const [attrs, values] of [['', { login: 'ada' }], ['mode="username"', { email: 'ada@example.com' }]] as const) {
    await form('auth-forgot', {}, attrs, values, shown('success'));
    await form('auth-forgot', { accountError: 'invalid_input' }, attrs, values, shown('error'));
    await form('auth-forgot', { accountError: { code: 'invalid_input', description: 'Bad.' } }, attrs, values, shown('error'));
    await form('auth-forgot', { accountDelay: 'never' }, attrs, values);
  }
  // Update details.
  const details = { name: 'Ada King', email: 'ada@example.com' };
  await form('auth-update-details', { restore: session(ada) }, '', details, shown('success'));
  await form('auth-update-details', { restore: session(ada), accountError: 'email_taken' }, '', { ...details, email: 'x@example.com', 'current-password': 'p' }, shown('field-error'));
  await form('auth-update-details', { restore: session(ada), accountError: 'server_error' }, '', details, shown('error'));
  await form('auth-update-details', { restore: session(ada) }, '', { ...details, email: 'x@example.com' }, shown('field-error'));
  await form('auth-update-details', { restore: session(ada), accountDelay: 'never' }, '', details);
  // Every attribute the manifest lists set (links such as a footer's `…-href`, levels, flags), signed
  // out and signed in, so what only such an attribute renders is seen too.
  for (const d of declarations) {
    if (!d.tagName || d.tagName === 'auth-provider') continue;
    const attrs = (d.attributes ?? [])
      .filter((a) => !['fields', 'token', 'mode', 'role', 'roles', 'permissions'].includes(a.name))
      .map((a) => {
        const kind = a.type?.text ?? '';
        return kind.includes('boolean') ? a.name : `${a.name}="${kind.includes('number') ? '3' : `#${a.name}`}"`;
      })
      .join(' ');
    for (const restore of [null, session(ada)]) await look((await mountForm<El>(d.tagName, { restore }, attrs)).el);
  }
  await form('auth-reset-password', {}, 'token="t"', { password: NEW, 'password-repeat': NEW }, shown('success'));
  // Status: signed out, signing in, signed in with an organization and roles.
  {
    const { el, client } = await mountForm<El>('auth-status', { loginDelay: 'never', user: ada, org: { id: 'o', name: 'Org', role: 'owner', permissions: [] } });
    await look(el);
    void client.login({ username: 'ada', password: 'secret' }).catch(() => {});
    await untilStatus(el, 'pending');
    await look(el);
    const signedIn = await mountForm<El>('auth-status', { restore: session(ada, { id: 'o', name: 'Org', role: 'owner', permissions: [] }) });
    await look(signedIn.el);
    const account = await mountForm<El>('auth-status', { restore: session(ada), oidc: { providerName: 'Keycloak', accountUrl: 'https://id.example/account' } });
    await look(account.el);
  }
  // Organization select: a failed selection, busy, a selection; the members panel as an admin (the
  // owner's row shown as text), a confirmation, a removal, a refusal.
  {
    const backend = aliceWorld();
    const { el } = await mountSelect(backend, 'manage');
    const select = await selectOf(el, 2);
    await look(el);
    backend.failNext.set('selectOrg', 'network_error');
    choose(select, 'globex');
    await waitUntil(() => !el.shadowRoot!.querySelector<HTMLElement>('[part~="error"]')!.hidden, 'no selection error shown', { timeout: 3000 });
    await look(el);
    backend.hold();
    choose(select, 'globex');
    await look(el);
    backend.release();
    await waitUntil(() => el.state.org?.id === 'globex', 'never selected', { timeout: 3000 });
    await look(el);
    const admin = (await mountSelect(aliceWorld(carol), 'manage')).el;
    await selectOf(admin, 1);
    await look(admin);
    const panelPart = (name: string) => admin.shadowRoot!.querySelector<HTMLElement>(`[part~="${name}"]`);
    panelPart('manage-button')!.click();
    await waitUntil(() => panelPart('member'), 'no members listed', { timeout: 3000 });
    await look(admin);
    admin.shadowRoot!.querySelector<HTMLButtonElement>('tr[data-id="u-bob"] [part~="remove-button"]')!.click();
    await look(admin);
    panelPart('confirm-button')!.click();
    await waitUntil(() => !admin.shadowRoot!.querySelector('tr[data-id="u-bob"]'), 'never removed', { timeout: 3000 });
    await look(admin);
    type(panelPart('add-input') as HTMLInputElement, 'alice');
    panelPart('add-button')!.click();
    await waitUntil(() => !panelPart('panel-error')!.hidden, 'no refusal shown', { timeout: 3000 });
    await look(admin);
  }
  // Logout: signed in, logging out, a failed logout (signed out here, the server not told), a logout.
  for (const logoutError of [undefined, 'network_error'] as const) {
    const { el } = await mountForm<El>('auth-logout', { restore: session(ada), ...(logoutError ? { logoutError } : {}) });
    await look(el);
    el.shadowRoot!.querySelector('button')!.click();
    await look(el);
    await untilStatus(el, 'anonymous');
    await look(el);
  }
  // Guard: signed out, allowed, refused.
  for (const restore of [null, session(ada)]) {
    for (const attrs of ['', 'roles="nobody"']) {
      const { el } = await mountForm<El>('auth-guard', { restore }, attrs);
      await look(el);
    }
  }
  // Provider: a bad configuration, a restore that fails, a session that ends, a replaced client.
  {
    const div = await fixture<HTMLDivElement>(html`<div></div>`);
    div.innerHTML = '<auth-provider></auth-provider>';
    const bad = div.querySelector('auth-provider') as AuthProvider;
    await waitUntil(() => bad.shadowRoot?.querySelector('[part~="error"]'), 'no configuration error shown');
    await look(bad);
    const failing = await mountForm<El>('auth-status', { restore: 'session_expired' });
    await look(failing.provider);
    const { provider, client } = await mountForm<El>('auth-status', { restore: session(ada) });
    await look(provider);
    await client.logout();
    const other = fakeClient({ restore: session(ada) }).client;
    provider.client = other;
    await waitUntil(() => other.state.status === 'authenticated');
    await look(provider);
  }
}

describe('custom-elements.json', () => {
  let manifest: Manifest;
  let elements: Declaration[];

  before(async function () {
    this.timeout(120000);
    const response = await fetch('/dist/custom-elements.json');
    if (!response.ok) throw new Error('dist/custom-elements.json is missing: run `npm run build` (or `npx cem analyze`) first');
    manifest = (await response.json()) as Manifest;
    elements = manifest.modules.flatMap((m) => m.declarations ?? []).filter((d) => d.tagName);
    // Record which element dispatched which kit event, while the scenarios run.
    const dispatch = EventTarget.prototype.dispatchEvent;
    EventTarget.prototype.dispatchEvent = function (this: EventTarget, event: Event) {
      if (this instanceof Element && (KIT_EVENTS.has(event.type) || event.type.startsWith('auth-'))) add(events, this.localName, event.type);
      return dispatch.call(this, event);
    };
    try {
      await scenarios(elements);
    } finally {
      EventTarget.prototype.dispatchEvent = dispatch;
    }
  });

  it('describes every element the kit defines, and only those', () => {
    const tags = elements.map((d) => d.tagName).sort();
    expect(tags).to.deep.equal(tags.filter((tag) => customElements.get(tag!)));
    const exported = Object.values(kit).filter((v) => typeof v === 'function' && v.prototype instanceof HTMLElement);
    const definedHere = exported.map((ctor) => customElements.getName(ctor as CustomElementConstructor)).filter(Boolean);
    for (const tag of definedHere) expect(tags, tag!).to.include(tag);
  });

  it("lists each element's real attributes (its observedAttributes), no more, no fewer", () => {
    const wrong: Record<string, { missing: string[]; extra: string[] }> = {};
    for (const d of elements) {
      // Observed attributes, and those its own styles select (`:host([hide-heading])`): an attribute
      // whose whole effect is CSS needs no observer.
      const ctor = customElements.get(d.tagName!) as unknown as typeof LitElement & { observedAttributes: string[] };
      const styles = ctor.elementStyles.map((style) => (style instanceof CSSStyleSheet ? '' : style.cssText)).join('\n');
      const camel = (name: string) => name.replace(/-(\w)/g, (_, c: string) => c.toUpperCase());
      const styled = [...styles.matchAll(/:host\(\[([\w-]+)[\]=~|^$*]/g)]
        .map((m) => m[1]!)
        .filter((name) => !(camel(name) in HTMLElement.prototype)); // global ones (`hidden`) are not the element's
      diff(wrong, d.tagName!, [...new Set([...ctor.observedAttributes, ...styled])], names(d.attributes));
    }
    expect(wrong).to.deep.equal({});
  });

  it('lists each element’s events: those it dispatched in its successes and failures, each with its class as type', () => {
    const wrong: Record<string, { missing: string[]; extra: string[] }> = {};
    const untyped: string[] = [];
    for (const d of elements) {
      diff(wrong, d.tagName!, [...(events.get(d.tagName!) ?? [])], names(d.events));
      for (const event of d.events ?? []) {
        const type = event.type?.text ?? '';
        if (EVENT_CLASSES.get(type) !== event.name) untyped.push(`${d.tagName} ${event.name}: type "${type}"`);
      }
    }
    expect(wrong).to.deep.equal({});
    expect(untyped).to.deep.equal([]);
  });

  it('lists, across the kit, every event the source dispatches', async () => {
    const dispatched = new Set<string>();
    for (const module of manifest.modules) {
      const source = await (await fetch(`/${module.path}`)).text();
      for (const m of source.matchAll(/new\s+(\w+)\s*\(\s*(?:["']([\w-]+)["'])?/g)) {
        const [, ctor, literal] = m;
        if (EVENT_CLASSES.has(ctor!)) dispatched.add(EVENT_CLASSES.get(ctor!)!);
        else if (/^(Custom)?Event$/.test(ctor!) && literal) dispatched.add(literal);
      }
    }
    const listed = new Set(elements.flatMap((d) => names(d.events)));
    expect([...listed].sort()).to.deep.equal([...dispatched].sort());
  });

  it('lists each element’s parts: those rendered in its shadow and light DOM in its states', () => {
    const wrong: Record<string, { missing: string[]; extra: string[] }> = {};
    for (const d of elements) diff(wrong, d.tagName!, [...(parts.get(d.tagName!) ?? [])], names(d.cssParts));
    expect(wrong).to.deep.equal({});
  });

  it('lists each element’s CSS properties: every --auth-* its styles read', () => {
    const wrong: Record<string, { missing: string[]; extra: string[] }> = {};
    for (const d of elements) diff(wrong, d.tagName!, [...cssRead(d.tagName!)], names(d.cssProperties));
    expect(wrong).to.deep.equal({});
  });
});

function names(list: Named[] | undefined): string[] {
  return (list ?? []).map((item) => item.name);
}

/** Record what the manifest misses and what it lists in vain, for one element, when it is not equal. */
function diff(wrong: Record<string, { missing: string[]; extra: string[] }>, tag: string, real: string[], listed: string[]): void {
  const missing = [...new Set(real)].filter((name) => !listed.includes(name)).sort();
  const extra = [...new Set(listed)].filter((name) => !real.includes(name)).sort();
  if (missing.length || extra.length) wrong[tag] = { missing, extra };
}
