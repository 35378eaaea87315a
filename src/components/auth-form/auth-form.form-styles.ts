/**
 * Default styles of the light-DOM forms of every form element (`<auth-login>`, `<auth-register>`, …).
 * One constructable sheet, adopted once into each root (document or shadow root) that holds one of
 * them. Everything sits in `@layer auth-elements`, so any unlayered page rule wins; selectors are
 * scoped under the elements' tag names. The `--_*` properties are set on each host by its shadow
 * styles (auth-form.styles.ts) and inherited by its form. An empty strength indicator (a live
 * region) stays in the accessibility tree but takes no room: its margin cancels the flex gap.
 */
const TAGS = ':is(auth-login,auth-register,auth-reset-password,auth-forgot,auth-update-details)';
const GAP = 'calc(var(--_spacing) * 0.375)';

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
      font-weight: 500;
      margin-top: ${GAP};
    }
    & [part~='input'] {
      box-sizing: border-box;
      width: 100%;
      min-width: 0;
      margin: 0;
      padding: 0.5em 0.625em;
      font: inherit;
      color: var(--_color);
      background: var(--_background);
      border: 1px solid var(--_border);
      border-radius: var(--_radius);
    }
    & :is([part~='input'], [part~='submit-button']):focus-visible {
      outline: var(--_focus-ring);
      outline-offset: 2px;
    }
    & [part~='input'][aria-invalid='true'] {
      border-color: var(--_danger);
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
      margin-top: calc(var(--_spacing) * 0.75);
      padding: 0.55em 1.25em;
      font: inherit;
      font-weight: 600;
      color: var(--_on-accent);
      background: var(--_accent);
      border: 1px solid transparent;
      border-radius: var(--_radius);
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
