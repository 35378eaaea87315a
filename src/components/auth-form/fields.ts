import { addAccountStrings } from '../translations/en-account.js';
import type { FieldSpec } from './auth-form.js';

addAccountStrings();

// Field specs used by more than one form element.

/**
 * The account's username for password managers (autocomplete=username) in forms that do not ask
 * for it: read-only and shown, or hidden (Chromium's and 1Password's advice). Never sent.
 */
export const username = (value: string | undefined, hidden = false): FieldSpec => ({
  name: 'username',
  label: 'username',
  autocomplete: 'username',
  verbatim: true,
  required: false,
  readonly: true,
  hidden,
  value,
});

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
