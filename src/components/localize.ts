import type { ReactiveController, ReactiveControllerHost } from 'lit';
import en, { type Translation, type TranslationKey } from './translations/en.js';
import { warnOnce } from './warn.js';

export type { Translation, TranslationKey };

/**
 * Loads one language's table on demand: a dynamic import of a module whose default export is the
 * table (`() => import('./de.js')`), or any function whose promise gives the table itself.
 */
export type TranslationLoader = () => Promise<Translation | { readonly default: Translation }>;

/*
 * Languages, by lower-case BCP 47 tag. English is built in (it is the fallback of every key); the
 * other languages the kit ships load on demand, so a page pays only for the language it shows.
 */
const translations = new Map<string, Translation>([['en', en]]);
/** Languages that load on demand. A loader that fails is dropped: its language is unavailable. */
const loaders = new Map<string, TranslationLoader>([['fr', () => import('./translations/fr.js')]]);
/** The load of each tag, shared by every caller; true once its table is registered. */
const loads = new Map<string, Promise<boolean>>();
/** Every connected element with a LocalizeController, rendered again when a table arrives. */
const hosts = new Set<ReactiveControllerHost>();

const rerenderAll = (): void => hosts.forEach((host) => host.requestUpdate());

/**
 * Add or replace a language (`code` is a BCP 47 tag such as `de` or `pt-BR`), available at once.
 * Connected elements render again. A table registered this way wins over a loader for the same tag.
 */
export function registerTranslation(...tables: Translation[]): void {
  for (const table of tables) translations.set(table.$code.toLowerCase(), table);
  rerenderAll();
}

/**
 * Make a language load on demand (`tag` is a BCP 47 tag such as `de` or `pt-BR`):
 * `registerTranslationLoader('de', () => import('./de.js'))`. The loader runs once, the first time
 * an element in that language connects or renders (or `loadTranslation` asks for it); until its
 * table arrives the elements show the fallback (the primary subtag's table, else English), then
 * render again. A loader that fails warns once and the fallback stays. Registering replaces an
 * earlier loader for the tag (and forgets its failure); a table registered with
 * `registerTranslation` wins over any loader.
 */
export function registerTranslationLoader(tag: string, loader: TranslationLoader): void {
  const code = tag.toLowerCase();
  loaders.set(code, loader);
  loads.delete(code);
  rerenderAll();
}

/**
 * Load the table for a language tag (exact tag, then its primary subtag: `fr-CA` -> `fr`) if it is
 * not there yet, e.g. to have it before elements render: `await loadTranslation('fr')`. Resolves
 * when the table is registered or known to be unavailable (no such language, or its loader failed:
 * the elements then use English); never rejects. Concurrent calls share one load.
 */
export function loadTranslation(lang: string): Promise<void> {
  return pendingLoad(lang.toLowerCase()) ?? Promise.resolve();
}

/** The load still needed for `tag` (started or joined here), or null when there is none. */
function pendingLoad(tag: string): Promise<void> | null {
  for (const code of [tag, tag.split('-')[0] ?? '']) {
    if (translations.has(code)) return null;
    const loader = loaders.get(code);
    if (!loader) continue;
    let load = loads.get(code);
    if (!load) {
      load = Promise.resolve()
        .then(loader)
        .then((value) => {
          // A module (its default export) or the table itself; a table registered meanwhile wins.
          if (!translations.has(code)) translations.set(code, (value as { default?: Translation }).default ?? (value as Translation));
          rerenderAll();
          return true;
        })
        .catch((err: unknown) => {
          if (loaders.get(code) === loader) loaders.delete(code);
          warnOnce(`translation-${code}`, `the "${code}" translation could not be loaded (${String(err)}); showing the fallback language.`);
          rerenderAll(); // elements waiting for this language show the fallback now
          return false;
        });
      loads.set(code, load);
    }
    // A tag that turns out to be unavailable: go on with the next candidate.
    return load.then((loaded) => (loaded ? undefined : (pendingLoad(tag) ?? undefined)));
  }
  return null;
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
 * element) the bare name of one of its own keys (`title`, `submit`, `success`), mapped to text; and,
 * under a language tag (`fr`, `pt-BR`), such a map for that language only:
 * `{"title": "Sign in", "fr": {"title": "Connectez-vous"}}`. The language's own map wins (the exact
 * tag over its primary subtag), then the plain keys, which apply to every language.
 */
export type Fields = Partial<Record<TranslationKey | keyof typeof ALIASES | 'success', string>> & {
  readonly [lang: string]: string | Readonly<Record<string, string>> | undefined;
};

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

/**
 * The table for a language tag: exact match, then the primary subtag (`fr-CA` -> `fr`), then English.
 * Synchronous: a language that loads on demand and is not there yet starts loading (see
 * `loadTranslation`), and the fallback is returned for now; elements render again when it arrives.
 */
export function translationFor(lang: string): Translation {
  const tag = lang.toLowerCase();
  const table = translations.get(tag);
  if (table) return table;
  void pendingLoad(tag);
  return translations.get(tag.split('-')[0] ?? '') ?? en;
}

const has = (key: string): boolean => Object.prototype.hasOwnProperty.call(en, key) && !key.startsWith('$');

/**
 * Keep only string values and map aliases to the kit's keys. With a `scope` (a form element's key
 * prefix, e.g. `register`), a bare name such as `title` maps to `register.title` when that exists.
 * With a `lang`, the maps under that tag and its primary subtag apply too (see `Fields`).
 */
export function normalizeFields(fields: unknown, scope = '', lang = ''): Partial<Record<TranslationKey, string>> {
  const out: Partial<Record<TranslationKey, string>> = {};
  if (typeof fields !== 'object' || fields === null) return out;
  const tag = lang.toLowerCase();
  let primary: unknown;
  let exact: unknown;
  for (const [key, value] of Object.entries(fields)) {
    const code = key.toLowerCase();
    if (code === tag) exact = value;
    else if (code === tag.split('-')[0]) primary = value;
    if (typeof value !== 'string') continue;
    let name: string = ALIASES[key] ?? key;
    if (scope && has(`${scope}.${name}`)) name = `${scope}.${name}`;
    if (has(name)) out[name as TranslationKey] = value;
  }
  return lang ? { ...out, ...normalizeFields(primary, scope), ...normalizeFields(exact, scope) } : out;
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
 * the host when a `lang` attribute changes anywhere above it, and when a language table arrives
 * (languages other than English load on demand: the host's language starts loading when it
 * connects, and shows in English only until its table is there).
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
    hosts.add(this.#host);
    // Start loading this element's language now, not at its first render with text.
    void pendingLoad(this.lang().toLowerCase());
    this.#observer = new MutationObserver(() => this.#host.requestUpdate());
    const options = { attributes: true, attributeFilter: ['lang'], subtree: true };
    this.#observer.observe(document.documentElement, options);
    const root = this.#host.getRootNode();
    if (root instanceof ShadowRoot) this.#observer.observe(root, options);
  }

  hostDisconnected(): void {
    hosts.delete(this.#host);
    this.#observer?.disconnect();
    this.#observer = null;
  }

  /**
   * False while the element's language is still loading. Elements show their placeholder, not
   * English, until then: a French page never flashes English text.
   */
  ready(): boolean {
    return pendingLoad(this.lang().toLowerCase()) === null;
  }

  /** The language in force, e.g. `fr`. */
  lang(): string {
    return languageOf(this.#host);
  }

  /** The code of the table in force (`en` for a language the kit lacks), e.g. `fr`. */
  code(): string {
    return translationFor(this.lang()).$code;
  }

  /** The string for `key`, with `{placeholders}` filled in (as text). */
  term(key: TranslationKey, values: Readonly<Record<string, string | number>> = {}): string {
    const fields = normalizeFields(this.#host.fields, this.#scope?.(), this.lang());
    // A table that lacks a key (e.g. one loaded from elsewhere) falls back to English for it.
    const text = fields[key] ?? translationFor(this.lang())[key] ?? en[key] ?? '';
    return fill(text, values);
  }

  /** "in 30 seconds", "in 3 minutes", "in 2 hours", in the table's language (Intl). */
  inTime(seconds: number): string {
    const [n, unit] = seconds < 60 ? [seconds, 'second'] : seconds < 5400 ? [seconds / 60, 'minute'] : [seconds / 3600, 'hour'];
    return new Intl.RelativeTimeFormat(this.code()).format(Math.ceil(n), unit as Intl.RelativeTimeFormatUnit);
  }

  /** The user message for an error code; unknown codes get the generic message. */
  errorMessage(code: string): string {
    const key = `error.${code}`;
    return Object.prototype.hasOwnProperty.call(en, key) ? this.term(key as TranslationKey) : this.term('error.unknown');
  }
}

export function fill(text: string, values: Readonly<Record<string, string | number>>): string {
  return text.replace(/\{(\w+)\}/g, (match, name: string) => String(values[name] ?? match));
}
