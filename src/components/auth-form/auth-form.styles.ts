import { css, unsafeCSS, type CSSResultGroup } from 'lit';
import { hostStyles } from '../styles/host.js';
import { tokenBase, tokenText, type TokenName } from '../styles/tokens.js';

/** Colour properties and the kit colour token each defaults to (`--auth-color-<token>`). */
const COLORS = {
  color: 'text',
  muted: 'muted',
  background: 'surface',
  border: 'border',
  accent: 'accent',
  'on-accent': 'on-accent',
  danger: 'danger',
};

/**
 * The component properties of a form element. Each `--_<name>` used by the shadow and light-DOM
 * styles is `--auth-<element>-<name>` (e.g. `--auth-register-accent`), else the shared
 * `--auth-form-<name>`, else the kit token. Both can be set on the element or on any ancestor.
 */
function properties(element: string): CSSResultGroup {
  const values: Array<[string, string]> = [
    ...Object.entries(COLORS).map(([name, color]): [string, string] => [name, tokenText(`--auth-color-${color}` as TokenName)]),
    ...['radius', 'spacing', 'focus-ring'].map((name): [string, string] => [name, tokenText(`--auth-${name}` as TokenName)]),
    ['max-width', '26rem'],
    ['placeholder-height', 'auto'],
  ];
  return unsafeCSS(
    `:host{${values.map(([name, value]) => `--_${name}:var(--auth-${element}-${name},var(--auth-form-${name},${value}))`).join(';')}}`,
  );
}

/**
 * Shadow styles shared by the form elements: the chrome around the slotted light-DOM form. While the
 * session is being restored the card keeps the real form's space (laid out, invisible) and shows nothing. An empty success message
 * stays in the accessibility tree (so it is announced when filled) but takes no room. Narrow
 * containers and the sidebar get the compact layout.
 */
const chrome = css`
  :host(:state(unknown)) [part='base'] {
    visibility: hidden;
  }
  [part='base'] {
    max-width: var(--_max-width);
    padding: var(--_spacing);
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    background: var(--_background);
    color: var(--_color);
  }
  [part='header'] {
    margin: 0 0 calc(var(--_spacing) * 0.75);
    font-size: 1.25em;
    font-weight: 600;
    line-height: 1.3;
    overflow-wrap: anywhere;
  }
  [part='error'],
  [part='success'] {
    margin: 0 0 calc(var(--_spacing) * 0.75);
    padding: calc(var(--_spacing) * 0.5) calc(var(--_spacing) * 0.75);
    border-inline-start: 3px solid var(--_danger);
    color: var(--_danger);
    overflow-wrap: anywhere;
  }
  [part='error'][hidden] {
    display: none;
  }
  [part='success'] {
    border-color: var(--_accent);
    color: inherit;
  }
  [part='success']:empty {
    margin: 0;
    padding: 0;
    border: 0;
  }
  [part='placeholder'] {
    min-height: var(--_placeholder-height);
    visibility: hidden;
  }
  @container (max-width: 20rem) {
    [part='base'] {
      padding: calc(var(--_spacing) * 0.75);
    }
    [part='header'] {
      font-size: 1.1em;
    }
  }
  :host([location='sidebar']) [part='base'] {
    padding: calc(var(--_spacing) * 0.75);
  }
  :host([location='sidebar']) [part='header'] {
    font-size: 1.1em;
  }
`;

/** Hidden while a user is signed in (login, register, forgot). */
export const signedOutOnly = css`
  :host(:state(authenticated)) {
    display: none;
  }
`;

/** The shadow styles of the form element `<auth-${element}>`, plus its own rules. */
export function formStyles(element: string, ...own: CSSResultGroup[]): CSSResultGroup {
  return [tokenBase, hostStyles, properties(element), chrome, ...own];
}
