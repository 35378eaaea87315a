import type { ReactiveController, ReactiveControllerHost } from 'lit';
import en, { type Translation, type TranslationKey } from './translations/en.js';
import fr from './translations/fr.js';
import { warnOnce } from './warn.js';

export type { Translation, TranslationKey };

const translations = new Map<string, Translation>([
  ['en', en],
  ['fr', fr],
]);

/** Add or replace a language (`code` is a BCP 47 tag such as `de` or `pt-BR`). */
export function registerTranslation(...tables: Translation[]): void {
  for (const table of tables) translations.set(table.$code.toLowerCase(), table);
}

/** Streamlit-Authenticator's `fields` names, accepted as aliases of the kit's keys. */
const ALIASES: Readonly<Record<string, TranslationKey>> = {
  'Form name': 'title',
  Username: 'username',
  Password: 'password',
  Login: 'submit',
  Logout: 'logout',
  Register: 'submit',
  Reset: 'submit',
  Submit: 'submit',
  Update: 'submit',
  Name: 'name',
  Email: 'email',
  'Repeat password': 'passwordRepeat',
  'Current password': 'currentPassword',
  'New password': 'newPassword',
};

/**
 * What `fields` accepts: any translation key, a Streamlit-Authenticator alias, or (on a form
 * element) the bare name of one of its own keys (`title`, `submit`, `success`), mapped to text.
 */
export type Fields = Partial<Record<TranslationKey | keyof typeof ALIASES | 'success', string>>;

/**
 * The language of an element: its own `lang`, else the closest ancestor's (crossing shadow roots),
 * else the document's, else English.
 */
export function languageOf(element: Element): string {
  let node: Element | null = element;
  while (node) {
    const lang = node.getAttribute('lang');
    if (lang) return lang;
    node = node.parentElement ?? (node.parentNode instanceof ShadowRoot ? node.parentNode.host : null);
  }
  return document.documentElement.lang || 'en';
}

/** The table for a language tag: exact match, then the primary subtag (`fr-CA` -> `fr`), then English. */
export function translationFor(lang: string): Translation {
  const tag = lang.toLowerCase();
  return translations.get(tag) ?? translations.get(tag.split('-')[0] ?? '') ?? en;
}

const has = (key: string): boolean => Object.prototype.hasOwnProperty.call(en, key) && !key.startsWith('$');

/**
 * Keep only string values and map aliases to the kit's keys. With a `scope` (a form element's key
 * prefix, e.g. `register`), a bare name such as `title` maps to `register.title` when that exists.
 */
export function normalizeFields(fields: unknown, scope = ''): Partial<Record<TranslationKey, string>> {
  const out: Partial<Record<TranslationKey, string>> = {};
  if (typeof fields !== 'object' || fields === null) return out;
  for (const [key, value] of Object.entries(fields)) {
    if (typeof value !== 'string') continue;
    let name: string = ALIASES[key] ?? key;
    if (scope && has(`${scope}.${name}`)) name = `${scope}.${name}`;
    if (has(name)) out[name as TranslationKey] = value;
  }
  return out;
}

/** The `fields` attribute converter: JSON text to an object; bad JSON warns and reads as `{}`. */
export const fieldsConverter = {
  fromAttribute(value: string | null): Fields {
    if (!value) return {};
    try {
      const parsed: unknown = JSON.parse(value);
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed as Fields;
    } catch {
      // fall through to the warning
    }
    warnOnce('fields-json', 'the `fields` attribute must be a JSON object, e.g. fields=\'{"title":"Sign in"}\'.');
    return {};
  },
  toAttribute(value: Fields): string {
    return JSON.stringify(value);
  },
};

/**
 * Strings for one element: `fields` first, then the element's language, then English. Re-renders
 * the host when a `lang` attribute changes anywhere above it.
 */
export class LocalizeController implements ReactiveController {
  readonly #host: ReactiveControllerHost & HTMLElement & { fields: Fields };
  readonly #scope: (() => string) | undefined;
  #observer: MutationObserver | null = null;

  /** `scope` gives the host's key prefix for bare names in `fields` (see `normalizeFields`). */
  constructor(host: ReactiveControllerHost & HTMLElement & { fields: Fields }, scope?: () => string) {
    this.#host = host;
    this.#scope = scope;
    host.addController(this);
  }

  hostConnected(): void {
    this.#observer = new MutationObserver(() => this.#host.requestUpdate());
    const options = { attributes: true, attributeFilter: ['lang'], subtree: true };
    this.#observer.observe(document.documentElement, options);
    const root = this.#host.getRootNode();
    if (root instanceof ShadowRoot) this.#observer.observe(root, options);
  }

  hostDisconnected(): void {
    this.#observer?.disconnect();
    this.#observer = null;
  }

  /** The language in force, e.g. `fr`. */
  lang(): string {
    return languageOf(this.#host);
  }

  /** The string for `key`, with `{placeholders}` filled in (as text). */
  term(key: TranslationKey, values: Readonly<Record<string, string>> = {}): string {
    const fields = normalizeFields(this.#host.fields, this.#scope?.());
    const text = fields[key] ?? translationFor(this.lang())[key];
    return fill(text, values);
  }

  /** The user message for an error code; unknown codes get the generic message. */
  errorMessage(code: string): string {
    const key = `error.${code}`;
    return Object.prototype.hasOwnProperty.call(en, key) ? this.term(key as TranslationKey) : this.term('error.unknown');
  }
}

export function fill(text: string, values: Readonly<Record<string, string>>): string {
  return text.replace(/\{(\w+)\}/g, (match, name: string) => values[name] ?? match);
}
