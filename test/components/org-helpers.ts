import { fixture, html, waitUntil } from '@open-wc/testing';
import '../../src/components/index.js';
import type { AuthOrgSelect, AuthProvider } from '../../src/components/index.js';
import type { AuthBackend } from '../../src/core/backend.js';
import { AuthClient } from '../../src/core/client.js';
import { noTabSync } from '../../src/core/tabs.js';
import { part } from './helpers.js';

/** Mount `<auth-provider><auth-org-select attrs></auth-org-select></auth-provider>` on `backend`. */
export async function mountSelect(backend: AuthBackend, attrs = '', width = 640, restored = true) {
  const client = new AuthClient({ backend, tabs: noTabSync });
  const wrapper = await fixture<HTMLDivElement>(html`<div style="width: ${width}px"></div>`);
  wrapper.innerHTML = `<button id="before">before</button><auth-provider><auth-org-select ${attrs}></auth-org-select></auth-provider>`;
  (wrapper.querySelector('auth-provider') as AuthProvider).client = client;
  const el = wrapper.querySelector('auth-org-select') as AuthOrgSelect;
  if (restored) await waitUntil(() => el.state.status !== 'unknown', 'the session was never restored', { timeout: 3000 });
  await el.updateComplete;
  return { client, el, wrapper };
}

/** The select, once it shows `count` options. */
export async function selectOf(el: AuthOrgSelect, count?: number): Promise<HTMLSelectElement> {
  await waitUntil(() => {
    const select = part(el, 'select') as HTMLSelectElement | null;
    return select && (count === undefined ? select.options.length > 0 : select.options.length === count);
  }, 'the select never showed its organizations', { timeout: 3000 });
  await el.updateComplete;
  return part(el, 'select') as HTMLSelectElement;
}

/** The options' texts. */
export const optionTexts = (select: HTMLSelectElement): string[] => [...select.options].map((o) => o.textContent!.trim());

/** The focused element, through shadow roots. */
export function deepActive(): Element | null {
  let active = document.activeElement;
  while (active?.shadowRoot?.activeElement) active = active.shadowRoot.activeElement;
  return active;
}

/** Choose an option as a user does (value, then a `change` event). */
export function choose(select: HTMLSelectElement, value: string): void {
  select.value = value;
  select.dispatchEvent(new Event('change', { bubbles: true, composed: true }));
}
