import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import type { AuthProvider } from '../../src/components/index.js';
import type { AuthStateStatus } from '../../src/core/state.js';
import { fakeClient, type FakeBackendOptions } from './fake-backend.js';

/** Wait until an element reached a status, then until it rendered it. */
export async function untilStatus(
  el: HTMLElement & { state: { status: AuthStateStatus }; updateComplete: Promise<unknown> },
  status: AuthStateStatus,
): Promise<void> {
  await waitUntil(() => el.state.status === status, `status never became ${status} (is ${el.state.status})`, {
    timeout: 3000,
  });
  await el.updateComplete;
}

/** Records console.warn calls until restored. */
export function captureWarnings(): { messages: string[]; restore(): void } {
  const original = console.warn;
  const messages: string[] = [];
  console.warn = (...args: unknown[]) => {
    messages.push(args.map(String).join(' '));
  };
  return { messages, restore: () => (console.warn = original) };
}

export function part(el: Element, name: string): HTMLElement | null {
  return el.shadowRoot?.querySelector<HTMLElement>(`[part~="${name}"]`) ?? null;
}

export function isShown(el: Element | null): boolean {
  // Laid out and not `visibility: hidden` (a restoring form is laid out invisibly to keep its size).
  return !!el && el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
}

type StatusElement = HTMLElement & { state: { status: AuthStateStatus }; updateComplete: Promise<unknown> };

/**
 * Mount `<auth-provider><tag attrs></tag></auth-provider>` on a fake client inside a 600px box, and
 * wait until the restore settled (unless `restore: 'manual'`).
 */
export async function mountForm<T extends StatusElement>(tag: string, options: FakeBackendOptions = {}, attrs = '') {
  const { client, backend } = fakeClient(options);
  const wrapper = await fixture<HTMLDivElement>(html`<div style="width: 600px"></div>`);
  wrapper.innerHTML = `<auth-provider><${tag} ${attrs}></${tag}></auth-provider>`;
  const provider = wrapper.querySelector('auth-provider') as AuthProvider;
  provider.client = client;
  const el = wrapper.querySelector(tag) as unknown as T;
  const r = options.restore;
  if (r !== 'manual') {
    await untilStatus(el, r && typeof r === 'object' ? 'authenticated' : r === 'network_error' || r === 'server_error' ? 'error' : 'anonymous');
  }
  return { client, backend, provider, el, wrapper };
}

/** The light-DOM input named `name`. */
export function field(el: Element, name: string): HTMLInputElement {
  const input = el.querySelector<HTMLInputElement>(`input[name="${name}"]`);
  if (!input) throw new Error(`no input named ${name}`);
  return input;
}

export function submitButton(el: Element): HTMLButtonElement {
  return el.querySelector('button[type=submit]') as HTMLButtonElement;
}

/** Type values into inputs (as a user would, with input events), then press the submit button. */
export async function fillAndSubmit(el: StatusElement, values: Record<string, string>): Promise<void> {
  for (const [name, value] of Object.entries(values)) type(field(el, name), value);
  submitButton(el).click();
  await el.updateComplete;
}

/** Set a value and fire `input`, as typing does. */
export function type(input: HTMLInputElement, value: string): void {
  input.value = value;
  input.dispatchEvent(new InputEvent('input', { bubbles: true, composed: true }));
}

/** The labels' texts and each input's name, type and autocomplete, in order. */
export function describeFields(el: Element) {
  return [...el.querySelectorAll('input')].map((input) => ({
    name: input.name,
    type: input.type,
    autocomplete: input.getAttribute('autocomplete'),
    label: input.labels?.[0]?.textContent?.trim(),
  }));
}

/**
 * The texts an input's `aria-describedby` points at, in order (each id must name an element), and
 * whether its `aria-errormessage` names the first of them.
 */
export function describedBy(input: HTMLInputElement): { texts: string[]; errormessage: boolean } {
  const ids = (input.getAttribute('aria-describedby') ?? '').split(/\s+/).filter(Boolean);
  const texts = ids.map((id) => {
    const target = input.ownerDocument.getElementById(id);
    if (!target) throw new Error(`aria-describedby of ${input.name} names a missing id ${id}`);
    return target.textContent?.trim() ?? '';
  });
  return { texts, errormessage: !!ids[0] && input.getAttribute('aria-errormessage') === ids[0] };
}

/**
 * The error message shown (role=alert): the form-level `part="error"` when shown, else the one next
 * to a field (`part="field-error"`); '' for none.
 */
export function errorText(el: Element): string {
  const alert = part(el, 'error');
  if (alert && !alert.hidden) return alert.textContent ?? '';
  return el.querySelector('[part~="field-error"]')?.textContent ?? '';
}

/** Text of a shadow part, trimmed; '' when absent. */
export function partText(el: Element, name: string): string {
  return part(el, name)?.textContent?.trim() ?? '';
}

/** A form element at 250 px: no horizontal overflow, and the submit button spans the form. */
export async function expectFitsSidebar(el: HTMLElement & { updateComplete: Promise<unknown> }, wrapper: HTMLElement): Promise<void> {
  wrapper.style.width = '250px';
  await el.updateComplete;
  const form = el.querySelector('form')!;
  expect(el.scrollWidth).to.be.at.most(el.clientWidth);
  expect(form.scrollWidth).to.be.at.most(form.clientWidth);
  expect(Math.round(submitButton(el).getBoundingClientRect().width)).to.equal(Math.round(form.getBoundingClientRect().width));
}
