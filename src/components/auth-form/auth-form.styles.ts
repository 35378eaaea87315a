import { css, unsafeCSS, type CSSResultGroup } from 'lit';
import { hostStyles } from '../styles/host.js';
import { tokenBase, tokenText, type TokenName } from '../styles/tokens.js';
import { hiddenHeading } from '../styles/visually-hidden.js';

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
 * Kit tokens of the fields and the button whose defaults follow the form's other properties: the
 * fields get the card's background and the border colour (the danger colour when invalid),
 * the button the accent.
 */
const FIELDS = {
  'input-background': 'var(--_background)',
  'input-border': '1px solid var(--_border)',
  'input-radius': 'calc(var(--_radius)/2)',
  'button-background': 'var(--_accent)',
  'button-color': 'var(--_on-accent)',
  'input-invalid-color': 'var(--_danger)',
};

/**
 * The component properties of a form element. Each `--_<name>` used by the shadow and light-DOM
 * styles is `--auth-<element>-<name>` (e.g. `--auth-register-accent`), else the shared
 * `--auth-form-<name>`, else the kit token. Both can be set on the element or on any ancestor.
 */
function properties(element: string): CSSResultGroup {
  const values: Array<[string, string]> = [
    ...Object.entries(COLORS).map(([name, color]): [string, string] => [name, tokenText(`--auth-color-${color}` as TokenName)]),
    ...['radius', 'spacing', 'focus-ring', 'heading-size', 'card-border', 'card-shadow'].map((name): [string, string] => [
      name,
      tokenText(`--auth-${name}` as TokenName),
    ]),
    ...Object.entries(FIELDS).map(([name, value]): [string, string] => [name, `var(--auth-${name},${value})`]),
    ['max-width', '26rem'],
    ['placeholder-height', 'auto'],
  ];
  return unsafeCSS(
    `:host{${values.map(([name, value]) => `--_${name}:var(--auth-${element}-${name},var(--auth-form-${name},${value}))`).join(';')}}`,
  );
}

/**
 * Shadow styles shared by the form elements: the chrome around the slotted light-DOM form. While the
 * session is being restored the card keeps the real form's space (laid out, invisible) and shows nothing. The footer links (`part=footer`,
 * `part=link`) take the accent colour, thicker underline on hover. An empty success message
 * stays in the accessibility tree (so it is announced when filled) but takes no room. Narrow
 * containers and the sidebar get the compact layout.
 */
const chrome = css`
  :host(:state(unknown)) [part='base'] {
    visibility: hidden;
  }
  [part='base'] {
    max-width: var(--_max-width);
    padding: calc(var(--_spacing) * 1.5);
    border: var(--_card-border);
    border-radius: var(--_radius);
    background: var(--_background);
    color: var(--_color);
    box-shadow: var(--_card-shadow);
  }
  [part='header'] {
    margin: 0 0 calc(var(--_spacing) * 0.5);
    font-size: var(--_heading-size);
    font-weight: 600;
    line-height: 1.3;
    overflow-wrap: anywhere;
  }
  [part='error'],
  [part='success'] {
    margin: calc(var(--_spacing) * 0.75) 0;
    padding: calc(var(--_spacing) * 0.5) calc(var(--_spacing) * 0.75);
    border-radius: var(--_input-radius);
    background: color-mix(in srgb, currentColor 10%, transparent);
    color: var(--_danger);
    overflow-wrap: anywhere;
  }
  [part='error'][hidden] {
    display: none;
  }
  [part='success'] {
    color: var(--_accent);
  }
  [part='success']:empty {
    margin: 0;
    padding: 0;
  }
  [part='placeholder'] {
    min-height: var(--_placeholder-height);
    visibility: hidden;
  }
  [part='footer'] {
    margin-top: calc(var(--_spacing) * 0.75);
    font-size: 0.875em;
    color: var(--_muted);
  }
  [part='footer'] p {
    margin: 0.25em 0 0;
  }
  [part='link'] {
    color: var(--_accent);
  }
  [part='link']:hover {
    text-decoration-thickness: 2px;
  }
  [part='link']:focus-visible {
    outline: var(--_focus-ring);
    outline-offset: 2px;
  }
  @container (max-width: 20rem) {
    [part='base'] {
      padding: var(--_spacing);
    }
    [part='header'] {
      font-size: calc(var(--_heading-size) * 0.88);
    }
  }
  :host([location='sidebar']) [part='base'] {
    padding: var(--_spacing);
  }
  :host([location='sidebar']) [part='header'] {
    font-size: calc(var(--_heading-size) * 0.88);
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
  return [tokenBase, hostStyles, properties(element), chrome, hiddenHeading, ...own];
}
