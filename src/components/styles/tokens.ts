import { css, unsafeCSS, type CSSResult } from 'lit';

/**
 * The kit tokens. Pages set them anywhere above the elements (`:root { --auth-color-accent: … }`);
 * the elements read them with these defaults, so nothing here overrides an inherited value.
 * Colours follow the colour scheme through `light-dark()`. The elements declare no scheme of their own:
 * they take the page's (`color-scheme` is inherited; a page that declares none is light), unless
 * `--auth-color-scheme` is set above them (`<auth-provider theme>` sets it). A page rule such as
 * `auth-login { color-scheme: dark }` still wins for one element.
 */
const defaults = {
  '--auth-font': 'inherit',
  '--auth-color-text': 'light-dark(#1f1f1f, #e3e3e3)',
  '--auth-color-muted': 'light-dark(#5e5e5e, #b4b4b4)',
  '--auth-color-surface': 'light-dark(#ffffff, #1e1f20)',
  '--auth-color-border': 'light-dark(#8a8a8a, #8e918f)',
  '--auth-color-accent': 'light-dark(#0b57d0, #a8c7fa)',
  '--auth-color-on-accent': 'light-dark(#ffffff, #062e6f)',
  '--auth-color-danger': 'light-dark(#b3261e, #f2b8b5)',
  '--auth-radius': '0.75rem',
  '--auth-spacing': '1rem',
  '--auth-focus-ring': '2px solid var(--auth-color-accent, light-dark(#0b57d0, #a8c7fa))',
  '--auth-heading-size': '1.25em',
  // A quiet edge and shadow for the cards, so the fields' borders are the only boxes inside.
  '--auth-card-border': '1px solid light-dark(#0000001a, #ffffff24)',
  '--auth-card-shadow': '0 1px 3px #0000001a, 0 4px 20px #0000000f',
} as const;

export type TokenName = keyof typeof defaults;

/** `var(--auth-…, default)` for one token, to use in component styles. */
export function token(name: TokenName): CSSResult {
  return unsafeCSS(tokenText(name));
}

/** The same tokens as plain text, for the light-DOM stylesheet of `<auth-login>`. */
export function tokenText(name: TokenName): string {
  // An unset `--auth-font` leaves `font-family` invalid at computed time, i.e. inherited: the page font.
  if (name === '--auth-font') return `var(${name})`;
  return `var(${name}, ${defaults[name]})`;
}

/**
 * The elements' colour scheme: `--auth-color-scheme` when something above sets it (`light`, `dark`,
 * or `light dark` for the OS's), else, the variable being unset, the inherited scheme: the page's.
 * Never on `<auth-provider>`'s host: it is `display: contents` around the page's own content.
 */
export const colorScheme = unsafeCSS('color-scheme: var(--auth-color-scheme);');

/**
 * Colour scheme and font shared by every visual element. An unset `--auth-font-size` leaves
 * `font-size` invalid at computed time, i.e. inherited, like `--auth-font`.
 */
export const tokenBase = css`
  :host {
    ${colorScheme}
    font-family: ${token('--auth-font')};
    font-size: var(--auth-font-size);
  }
`;
