/**
 * Focus is never left on `<body>` after an outcome that arrives later: the control the user pressed
 * was disabled (a form while pending) or removed (the logout button, a form replaced by the signed-in
 * state), so the browser dropped the focus to `<body>`. Only then is it moved; a user who focused
 * something else meanwhile keeps it. Loaded on demand (outside the script-tag bundle's first load):
 * the form elements start loading it when they connect.
 */

type Updating = HTMLElement & { updateComplete?: Promise<unknown> };

/**
 * What just ended, and where the focus goes (the first that is there):
 * - `error` (no field at fault: network, rate limit, server, a closed popup): the form's first
 *   control (field, or the OIDC login's button), to try again;
 * - `done` (a success): the form's heading, where its message follows; but a form that the success
 *   hid (a login: the signed-in state replaced it) goes on as `login`;
 * - `login`: the first `<auth-logout>`'s button under the same `<auth-provider>`, else the provider's
 *   announcement ("Logged in as …");
 * - `logout`: the first `<auth-login>`'s heading, else the provider's announcement ("Logged out").
 * A heading hidden with `hide-heading` shows no focus: its form's first control takes it instead.
 */
export type Outcome = 'error' | 'done' | 'login' | 'logout';

/**
 * A form element's first control: its first field, else (`<auth-login>` under an OIDC backend, whose
 * form is one button in its shadow root) that button.
 */
const first = (el: Element): HTMLElement | null | undefined => el.querySelector('input') ?? el.shadowRoot?.querySelector('button');

/** A form element's start: its heading, or its first control when the heading is hidden. */
const start = (el: Element): HTMLElement | null | undefined =>
  el.hasAttribute('hide-heading') ? first(el) : el.shadowRoot?.querySelector<HTMLElement>('[part=header]');

/** After `outcome` of `from`, once the elements rendered it, move the focus if it was lost. */
export async function settleFocus(from: Updating, outcome: Outcome): Promise<void> {
  await from.updateComplete;
  if (outcome === 'done' && !from.getClientRects().length) outcome = 'login';
  let provider: Node | null = from;
  while (provider && (provider as Element).localName !== 'auth-provider') {
    provider = provider.parentNode instanceof ShadowRoot ? provider.parentNode.host : provider.parentNode;
  }
  const next = outcome === 'login' ? 'auth-logout' : outcome === 'logout' ? 'auth-login' : '';
  const elements = next ? [...((provider as Updating | null)?.querySelectorAll<Updating>(next) ?? [])] : [from];
  await Promise.all([(provider as Updating | null)?.updateComplete, ...elements.map((el) => el.updateComplete)]);
  const active = document.activeElement;
  if (active && active !== document.body) return;
  const targets = elements.map((el) =>
    outcome === 'login' ? el.shadowRoot?.querySelector<HTMLElement>('[part=button]') : outcome === 'error' ? first(el) : start(el),
  );
  if (next) targets.push((provider as Element | null)?.shadowRoot?.querySelector<HTMLElement>('[part=announcement]'));
  targets.find((target) => target?.isConnected && target.getClientRects().length)?.focus();
}
