/**
 * Default styles of the light-DOM form. One constructable sheet, adopted once into each root
 * (document or shadow root) that holds an `<auth-login>`. Everything sits in `@layer auth-elements`,
 * so any unlayered page rule wins; selectors are scoped under `auth-login`.
 */
const rules = `
@layer auth-elements {
  auth-login > form[part~='form'] {
    display: flex;
    flex-direction: column;
    gap: calc(var(--auth-login-spacing, 1rem) * 0.375);
    margin: 0;
    min-width: 0;
    font: inherit;
    color: inherit;
  }
  auth-login > form [part~='label'] {
    font-weight: 500;
    margin-top: calc(var(--auth-login-spacing, 1rem) * 0.375);
  }
  auth-login > form [part~='input'] {
    box-sizing: border-box;
    width: 100%;
    min-width: 0;
    margin: 0;
    padding: 0.5em 0.625em;
    font: inherit;
    color: var(--auth-login-color, inherit);
    background: var(--auth-login-background, transparent);
    border: 1px solid var(--auth-login-border, currentColor);
    border-radius: var(--auth-login-radius, 0.375rem);
  }
  auth-login > form [part~='input']:focus-visible,
  auth-login > form [part~='submit-button']:focus-visible {
    outline: var(--auth-login-focus-ring, 2px solid);
    outline-offset: 2px;
  }
  auth-login > form [part~='input'][aria-invalid='true'] {
    border-color: var(--auth-login-danger, currentColor);
  }
  auth-login > form [part~='input']:disabled {
    opacity: 0.7;
  }
  auth-login > form [part~='submit-button'] {
    box-sizing: border-box;
    align-self: flex-start;
    max-width: 100%;
    margin-top: calc(var(--auth-login-spacing, 1rem) * 0.75);
    padding: 0.55em 1.25em;
    font: inherit;
    font-weight: 600;
    color: var(--auth-login-on-accent, #fff);
    background: var(--auth-login-accent, #0b57d0);
    border: 1px solid transparent;
    border-radius: var(--auth-login-radius, 0.375rem);
    cursor: pointer;
    overflow-wrap: anywhere;
  }
  auth-login > form [part~='submit-button']:disabled {
    cursor: progress;
    opacity: 0.75;
  }
  @container (max-width: 20rem) {
    auth-login > form [part~='submit-button'] {
      align-self: stretch;
    }
  }
  auth-login[location='sidebar'] > form [part~='submit-button'] {
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
