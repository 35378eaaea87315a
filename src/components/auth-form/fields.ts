import type { LocalizeController, TranslationKey } from '../localize.js';
import en from '../translations/en.js';
import { enAccount } from '../translations/en-account.js';
import type { FieldSpec, FormError } from './auth-form.js';

// The account forms' English strings join the table with them (every account form imports this module).
Object.assign(en, enAccount);

/**
 * Read a token from the page address (`?<name>=…`, the link in a mail) once, and remove it from the
 * address bar with `history.replaceState`, so it neither stays in the history nor leaks through
 * `Referer`. Null when absent.
 */
export function takeUrlParam(name: string): string | null {
  const url = new URL(location.href);
  const value = url.searchParams.get(name);
  if (value !== null) {
    url.searchParams.delete(name);
    history.replaceState(history.state, '', url);
  }
  return value;
}

// Field specs used by more than one form element.

/**
 * The account's username for password managers (autocomplete=username) in forms that do not ask
 * for it (Chromium's and 1Password's advice); never sent. `fillUsername` makes it read-only.
 */
export const username: FieldSpec = { name: 'username', label: 'username', autocomplete: 'username', verbatim: true, required: false };

/**
 * Fill the username field of `host`'s form, read-only (also after `form.reset()`), and hide it with
 * its label when `hidden`.
 */
export function fillUsername(host: Element, value = '', hidden = false): void {
  const input = host.querySelector<HTMLInputElement>('input[name="username"]');
  if (!input) return;
  input.readOnly = true;
  input.defaultValue = input.value = value;
  for (const el of [input, ...(input.labels ?? [])]) el.hidden = hidden;
}

/**
 * Which rule refused the request, translated from the server's `reason` (`reason.too_short`, with
 * `{min}`, …); undefined for a reason the kit does not know (the caller falls back).
 */
export function reasonText(localize: LocalizeController, error: FormError): string | undefined {
  const key = `reason.${error.reason}`;
  return Object.prototype.hasOwnProperty.call(en, key) ? localize.term(key as TranslationKey, error.params) : undefined;
}

export const name: FieldSpec = { name: 'name', label: 'name', autocomplete: 'name' };

export const email = (errors: string[]): FieldSpec => ({
  name: 'email',
  label: 'email',
  autocomplete: 'email',
  type: 'email',
  verbatim: true,
  errors,
});

export const currentPassword: FieldSpec = {
  name: 'current-password',
  label: 'currentPassword',
  autocomplete: 'current-password',
  type: 'password',
  errors: ['invalid_credentials', 'password_required_for_email'],
};

/**
 * A new password (with the policy hint and the strength indicator) and its repetition. A refused
 * password empties both; a mismatch empties only the repetition.
 */
export const newPassword = (label: 'password' | 'newPassword'): FieldSpec[] => [
  { name: 'password', label, autocomplete: 'new-password', type: 'password', strength: true, errors: ['weak_password'] },
  {
    name: 'password-repeat',
    label: 'passwordRepeat',
    autocomplete: 'new-password',
    type: 'password',
    errors: ['password_mismatch'],
    clearOn: ['password_mismatch', 'weak_password'],
  },
];
