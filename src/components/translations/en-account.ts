import en, { type ReasonMessages } from './en.js';

/**
 * English strings only the account forms show (why the server refused a new password), merged into
 * the English table when the first account form loads: they stay out of the first-load bundle.
 * Other languages carry them in their own table (fr.ts).
 */
const enAccount: Required<ReasonMessages> = {
  'reason.too_short': 'Use at least {min} characters.',
  'reason.too_long': 'Use at most {max} characters.',
  'reason.too_many_bytes': 'Use at most {max} bytes (fewer letters with accents or emoji).',
  'reason.common': 'It is too common: it appears in lists of leaked passwords.',
  'reason.username': 'It may not be your username.',
  'reason.email': 'It may not be your email address.',
};

/** Add them to the English table (account forms call this when their module loads). */
export function addAccountStrings(): void {
  Object.assign(en, enAccount);
}
