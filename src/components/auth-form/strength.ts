import { html, nothing, type ReactiveController, type ReactiveControllerHost } from 'lit';
import type { AuthState } from '../../core/index.js';
import en, { type MeterKey, type Translation } from '../translations/en.js';
import type { PasswordMeter, Term } from './auth-form.js';
import { adoptSheet, TAGS } from './auth-form.form-styles.js';
import { commonPasswords } from './common-passwords.js';

/** A reading: `too-short`, `common` and the username/email are what the server refuses. */
export type StrengthLevel = 'too-short' | 'common' | 'weak' | 'ok' | 'strong';

// The meter's English strings come with it (see MeterKey in translations/en.ts).
Object.assign(en, {
  passwordHint: 'Use at least {min} characters. Length matters more than symbols.',
  passwordShort: 'Too short ({length}/{min})',
  passwordOk: 'OK',
  passwordStrong: 'Strong',
  passwordCommon: 'Too common',
  passwordSameUsername: 'Same as your username',
  passwordSameEmail: 'Same as your email address',
  passwordWeak: 'Weak',
  passwordStrength: 'Password strength: {level}',
} satisfies Pick<Translation, MeterKey>);

/** How long typing must pause before the reading is announced. */
const PAUSE = 1000;

/**
 * The meter's styles, adopted with it (so the login's first load carries none of them): the bar is
 * the meter's `::before`, filled and coloured by `data-level`; the live region is visually hidden.
 */
const rules = `
@layer auth-elements {
  ${TAGS} > form {
    & [part~='strength'] {
      --_fill: 0%;
      --_bar: var(--_muted);
      font-size: 0.875em;
      color: var(--_muted);
      overflow-wrap: anywhere;
      &::before {
        content: '';
        display: block;
        height: 0.25rem;
        margin: 0.125rem 0 0.25rem;
        border-radius: 0.125rem;
        background:
          linear-gradient(var(--_bar), var(--_bar)) 0 0 / var(--_fill) 100% no-repeat,
          color-mix(in srgb, var(--_border) 35%, transparent);
      }
      &[data-level='too-short'] { --_fill: 20%; }
      &[data-level='common'] { --_fill: 20%; --_bar: var(--_danger); color: var(--_danger); }
      &[data-level='weak'] { --_fill: 40%; --_bar: var(--_danger); }
      &[data-level='ok'] { --_fill: 70%; --_bar: var(--_accent); }
      &[data-level='strong'] { --_fill: 100%; --_bar: var(--_accent); }
    }
    & [part~='strength-status'] {
      position: absolute;
      width: 1px;
      height: 1px;
      margin: -1px;
      overflow: hidden;
      clip-path: inset(50%);
      white-space: nowrap;
    }
  }
}
`;

/** Code points after NFC, as the server counts. */
const length = (value: string): number => [...value.normalize('NFC')].length;

/**
 * Rate a new password as the server's policy would (server/password-policy.ts), plus advice within
 * what it accepts. Null when there is nothing to say yet: an empty field, or the list still loading.
 *
 * - `too-short`: fewer code points than the minimum.
 * - `common`: in the common-password list (lower-cased), or the username or the email (trimmed,
 *   lower-cased): refused by the server.
 * - `weak`: accepted, but fewer than 5 different characters or one piece repeated (`abcabcabc…`).
 * - `strong`: at least 20 code points and 5 more than the minimum, with 10 or more different characters.
 * - `ok`: the rest.
 */
export function ratePassword(
  password: string,
  min: number,
  common: ReadonlySet<string> | null,
  context: { username?: string; email?: string } = {},
): { level: StrengthLevel; key: 'passwordCommon' | 'passwordSameUsername' | 'passwordSameEmail' | 'passwordWeak' | 'passwordOk' | 'passwordStrong' | 'passwordShort' } | null {
  const n = length(password);
  if (!n) return null;
  if (n < min) return { level: 'too-short', key: 'passwordShort' };
  const lower = password.normalize('NFC').toLowerCase();
  const same = (other = ''): boolean => other !== '' && lower.trim() === other.normalize('NFKC').trim().toLowerCase();
  if (same(context.username)) return { level: 'common', key: 'passwordSameUsername' };
  if (same(context.email)) return { level: 'common', key: 'passwordSameEmail' };
  if (!common) return null;
  if (common.has(lower)) return { level: 'common', key: 'passwordCommon' };
  const distinct = new Set(lower).size;
  if (distinct < 5 || /^(.+?)\1+$/su.test(lower)) return { level: 'weak', key: 'passwordWeak' };
  if (n >= Math.max(20, min + 5) && distinct >= 10) return { level: 'strong', key: 'passwordStrong' };
  return { level: 'ok', key: 'passwordOk' };
}

type Host = ReactiveControllerHost & HTMLElement & { readonly state: AuthState };

/**
 * The strength meter of `<auth-register>` and `<auth-reset-password>` (in their chunks, never in the
 * login's first load). Under the new password (`password`): a bar and its text (`part="strength"`,
 * `data-level`), from the first keystroke; the common-password list loads then (common-passwords.ts),
 * only the band the policy's minimum can meet. The reading is announced in one polite live region
 * (`part="strength-status"`) once typing pauses for a second, after the list is there; not on every
 * keystroke. The username and email are the form's fields, else the signed-in user's.
 */
export class StrengthMeter implements PasswordMeter, ReactiveController {
  readonly #host: Host;
  #common: ReadonlySet<string> | null = null;
  /** The band loaded or loading: 8 covers every minimum, 15 those of 15 and more. */
  #band = 0;
  #loading: Promise<void> | null = null;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #announced = '';
  #input: HTMLInputElement | null = null;
  #min = 15;
  #t: Term | null = null;

  constructor(host: Host) {
    this.#host = host;
    host.addController(this);
  }

  hostConnected(): void {
    adoptSheet(this.#host.getRootNode(), rules);
  }

  hostDisconnected(): void {
    clearTimeout(this.#timer);
  }

  typed(input: HTMLInputElement): void {
    if (input !== this.#input) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#announce(), PAUSE);
  }

  render(input: HTMLInputElement | null, id: string, min: number, t: Term): unknown {
    this.#input = input;
    this.#min = min;
    this.#t = t;
    const value = input?.value ?? '';
    if (value) void this.#load();
    else this.#announced = '';
    const reading = this.#reading();
    return html`<div part="hint" id="${id}-hint">${t('passwordHint', { min: String(min) })}</div>
      <div part="strength" id="${id}-strength" data-level=${reading?.level ?? nothing} ?hidden=${!reading}>${reading?.text ?? nothing}</div>
      <div part="strength-status" role="status">${this.#announced}</div>`;
  }

  /** The reading of the field now, with its text. */
  #reading(): { level: StrengthLevel; text: string } | null {
    const input = this.#input;
    const t = this.#t;
    if (!input || !t) return null;
    const other = (name: 'username' | 'email'): string => {
      const field = input.form?.elements.namedItem(name);
      return field instanceof HTMLInputElement ? field.value : (this.#host.state.user?.[name] ?? '');
    };
    const rating = ratePassword(input.value, this.#min, this.#common, { username: other('username'), email: other('email') });
    if (!rating) return null;
    const values = { length: String(length(input.value)), min: String(this.#min) };
    return { level: rating.level, text: t(rating.key, values) };
  }

  /** Load the list for the current minimum (once per band); render again when it is there. */
  #load(): Promise<void> {
    const band = this.#min < 15 ? 8 : 15;
    if (this.#loading && (this.#band === 8 || band === 15)) return this.#loading;
    this.#band = band;
    this.#common = null; // no reading from a band that does not cover the minimum
    const load = commonPasswords(this.#min).then(
      (set) => {
        if (this.#loading === load) this.#common = set;
      },
      () => {
        // Unavailable (offline?): rate without it (tried again for another band); the server still refuses them.
        if (this.#loading === load) this.#common = new Set();
      },
    );
    this.#loading = load;
    void load.then(() => this.#host.requestUpdate());
    return load;
  }

  async #announce(): Promise<void> {
    await this.#load();
    const reading = this.#input?.value ? this.#reading() : null;
    const text = reading && this.#t ? this.#t('passwordStrength', { level: reading.text }) : '';
    if (text !== this.#announced) {
      this.#announced = text;
      this.#host.requestUpdate();
    }
  }
}
