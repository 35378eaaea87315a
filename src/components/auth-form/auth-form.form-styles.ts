/**
 * Default styles of the light-DOM forms of every form element (`<auth-login>`, `<auth-register>`, …).
 * One constructable sheet, adopted once into each root (document or shadow root) that holds one of
 * them. Everything sits in `@layer auth-elements`, so any unlayered page rule wins; selectors are
 * scoped under the elements' tag names. One exception: the invalid field's border colour is
 * `!important` in the layer, which no page rule overrides (`input { border: … }`, a theme's rules on
 * the inputs), so an error never loses its border; pages change it with `--auth-input-invalid-color`. The `--_*` properties are set on each host by its shadow
 * styles (auth-form.styles.ts) and inherited by its form. An empty strength indicator (a live
 * region) stays in the accessibility tree but takes no room: its margin cancels the flex gap.
 */
const TAGS = ':is(auth-login,auth-register,auth-reset-password,auth-forgot,auth-update-details)';
const GAP = 'calc(var(--_spacing) * 0.5)';

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
    & :is([part~='input'], [part~='submit-button']):focus-visible {
      outline: var(--_focus-ring);
      outline-offset: 2px;
    }
    & [part~='field-error'] {
      font-size: 0.875em;
      color: var(--_danger);
      overflow-wrap: anywhere;
    }
    & [part~='input']:disabled {
      opacity: 0.7;
    }
    & :is([part~='hint'], [part~='strength']) {
      font-size: 0.875em;
      color: var(--_muted);
      overflow-wrap: anywhere;
    }
    & [part~='strength']:empty {
      margin-top: calc(-1 * ${GAP});
    }
    & [part~='submit-button'] {
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
    }
    & [part~='submit-button']:disabled {
      cursor: progress;
      opacity: 0.75;
    }
    @container (max-width: 20rem) {
      & [part~='submit-button'] {
        align-self: stretch;
      }
    }
  }
  ${TAGS}[location='sidebar'] > form [part~='submit-button'] {
    align-self: stretch;
  }
  ${TAGS} > form [part~='input'][aria-invalid='true'] {
    border-color: var(--_input-invalid-color) !important;
  }
}
`;

let sheet: CSSStyleSheet | null = null;

/** Adopt the form sheet into `root` unless it is there already. */
export function adoptFormStyles(root: Node): void {
  if (!(root instanceof Document || root instanceof ShadowRoot)) return;
  if (!sheet) {
    sheet = new CSSStyleSheet();
    sheet.replaceSync(rules);
  }
  if (!root.adoptedStyleSheets.includes(sheet)) root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
}
