/**
 * Default styles of the light-DOM forms of every form element (`<auth-login>`, `<auth-register>`, …).
 * One constructable sheet, adopted once into each root (document or shadow root) that holds one of
 * them. Everything sits in `@layer auth-elements`, so any unlayered page rule wins; selectors are
 * scoped under the elements' tag names. One exception: the invalid field's border colour is
 * `!important` in the layer, which no page rule overrides (`input { border: … }`, a theme's rules on
 * the inputs), so an error never loses its border; pages change it with `--auth-input-invalid-color`.
 * The `--_*` properties are set on each host by its shadow styles (auth-form.styles.ts) and inherited
 * by its form. Hover and active colours are mixed from the same properties (towards the text colour),
 * so they follow any theme. The submit button is as wide as the longer of its two labels (idle and
 * busy, the other one in `data-other`, laid over it hidden), so the spinner never changes its width;
 * it spans the form in containers up to 30rem wide and in the sidebar, where it keeps no room for
 * the other label (already as wide as the form, that label would only wrap and double its height).
 */
export const TAGS = ':is(auth-login,auth-register,auth-reset-password,auth-forgot,auth-update-details)';
const GAP = 'calc(var(--_spacing) * 0.5)';
const BUTTON = "[part~='submit-button']";

const rules = `
@layer auth-elements {
  ${TAGS} > form[part~='form'] {
    display: flex;
    flex-direction: column;
    gap: ${GAP};
    margin: 0;
    min-width: 0;
    font: inherit;
    color: inherit;
    & [part~='label'] {
      font-size: 0.875em;
      font-weight: 500;
      margin-top: ${GAP};
    }
    & [part~='input'] {
      box-sizing: border-box;
      width: 100%;
      min-width: 0;
      margin: 0;
      padding: 0.5em 0.75em;
      font: inherit;
      color: var(--_color);
      background: var(--_input-background);
      border: var(--_input-border);
      border-radius: var(--_input-radius);
    }
    & [part~='input']:hover:enabled {
      border-color: color-mix(in srgb, var(--_border), var(--_color));
    }
    & :is([part~='input'], button):focus-visible {
      outline: var(--_focus-ring);
      outline-offset: 2px;
    }
    & [part~='password-field'] {
      position: relative;
      & > input {
        padding-inline-end: 2.75em;
      }
    }
    & [part~='password-toggle'] {
      all: unset;
      position: absolute;
      inset-block: 1px;
      inset-inline-end: 1px;
      width: 2.5em;
      display: grid;
      place-items: center;
      color: var(--_muted);
      cursor: pointer;
      &:focus-visible {
        outline: var(--_focus-ring);
        outline-offset: -2px;
      }
      &:hover:enabled {
        color: var(--_color);
      }
      &:disabled {
        cursor: not-allowed;
      }
      & svg {
        width: 1.25em;
        height: 1.25em;
        fill: none;
        stroke: currentColor;
        stroke-width: 2;
      }
      &[aria-pressed='false'] path + path {
        display: none;
      }
    }
    & [part~='field-error'] {
      font-size: 0.875em;
      color: var(--_danger);
      overflow-wrap: anywhere;
    }
    & [part~='input']:disabled {
      opacity: 0.7;
    }
    & [part~='input'][readonly] {
      border-color: transparent;
      background: color-mix(in srgb, var(--_color) 6%, transparent);
    }
    & [part~='hint'] {
      font-size: 0.875em;
      color: var(--_muted);
      overflow-wrap: anywhere;
    }
    & ${BUTTON} {
      display: inline-grid;
      place-items: center;
      align-content: center;
      box-sizing: border-box;
      align-self: flex-start;
      max-width: 100%;
      margin-top: var(--_spacing);
      padding: 0.5em 1.25em;
      font: inherit;
      font-weight: 600;
      color: var(--_button-color);
      background: var(--_button-background);
      border: 1px solid transparent;
      border-radius: var(--_input-radius);
      cursor: pointer;
      overflow-wrap: anywhere;
      & > *,
      &::after {
        grid-area: 1 / 1;
      }
      &::after {
        content: attr(data-other);
        visibility: hidden;
      }
      &:enabled::after {
        padding-inline-start: 1.5em;
      }
      &:hover:enabled {
        background: color-mix(in srgb, var(--_accent) 85%, var(--_color));
      }
      &:active:enabled {
        background: color-mix(in srgb, var(--_accent) 70%, var(--_color));
      }
      &:disabled {
        cursor: progress;
        opacity: 0.75;
      }
    }
    & [part~='spinner'] {
      display: inline-block;
      box-sizing: border-box;
      width: 1em;
      height: 1em;
      margin-inline-end: 0.5em;
      border: 0.15em solid;
      border-inline-end-color: transparent;
      border-radius: 50%;
      animation: auth-elements-spin 0.8s linear infinite;
    }
    @media (prefers-reduced-motion: reduce) {
      & [part~='spinner'] {
        animation: none;
      }
    }
    @container (max-width: 30rem) {
      & ${BUTTON} {
        align-self: stretch;
        &::after {
          display: none;
        }
      }
    }
  }
  @keyframes auth-elements-spin {
    to {
      transform: rotate(1turn);
    }
  }
  ${TAGS}[location='sidebar'] > form ${BUTTON} {
    align-self: stretch;
    &::after {
      display: none;
    }
  }
  ${TAGS} > form [part~='input'][aria-invalid='true'] {
    border-color: var(--_input-invalid-color) !important;
  }
}
`;

const sheets = new Map<string, CSSStyleSheet>();

/** Adopt the sheet of `css` (made once) into `root` unless it is there already. */
export function adoptSheet(root: Node, css: string): void {
  if (!(root instanceof Document || root instanceof ShadowRoot)) return;
  let sheet = sheets.get(css);
  if (!sheet) {
    sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    sheets.set(css, sheet);
  }
  if (!root.adoptedStyleSheets.includes(sheet)) root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
}

/** Adopt the form sheet into `root` unless it is there already. */
export const adoptFormStyles = (root: Node): void => adoptSheet(root, rules);
