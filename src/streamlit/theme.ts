import type { StreamlitTheme } from './protocol.js';

/**
 * Streamlit's theme onto the kit's `--auth-*` tokens, so the widgets look like Streamlit's own:
 * the card is an `st.form` (the page's background, a faint border), inputs are filled with the
 * secondary background, the submit button is a primary button, errors and successes are
 * `st.error` / `st.success` boxes (index.html has the rules; this sets the values they read).
 * In the sidebar Streamlit sends the sidebar's colours, so the same mapping fits there.
 */
export function applyTheme(theme: StreamlitTheme | null, root: HTMLElement = document.documentElement): void {
  if (!theme) return;
  const dark = theme.base === 'dark';
  const text = theme.textColor ?? (dark ? '#fafafa' : '#31333f');
  const primary = theme.primaryColor ?? '#ff4b4b';
  const faded = (percent: number) => `color-mix(in srgb, ${text} ${percent}%, transparent)`;
  const fill = theme.secondaryBackgroundColor ?? (dark ? '#262730' : '#f0f2f6');
  // Streamlit's widget and form borders (its theme's borderColor, which it does not send to
  // components): the text colour, 15% over the fields' fill. Streamlit 1.67's own (#d7d3cf light,
  // #4a4742 dark) come out within 3 of each channel.
  const border = mix(text, fill, 0.15) ?? faded(20);
  const tokens: Record<string, string> = {
    '--auth-color-text': text,
    '--auth-color-muted': faded(60),
    '--auth-color-surface': theme.backgroundColor ?? (dark ? '#0e1117' : '#ffffff'),
    '--auth-color-border': border,
    '--auth-color-accent': primary,
    '--auth-color-on-accent': onColor(primary),
    // st.error's text and box; st.success's box.
    '--auth-color-danger': dark ? '#ffdede' : '#7d353b',
    '--st-error-background': dark ? 'rgba(255, 108, 108, 0.2)' : 'rgba(255, 43, 43, 0.09)',
    '--st-invalid': dark ? '#ff6c6c' : '#ff2b2b',
    // A field's own error, under the field on the card (not in a red box): red enough to read as an
    // error, with contrast on the card (8.6:1 on white, 6.9:1 on #0e1117; 7.7 and 5.4 in the sidebar).
    '--st-field-error': dark ? '#ff6c6c' : '#7d353b',
    '--st-success-color': dark ? '#dffde9' : '#177233',
    '--st-success-background': dark ? 'rgba(61, 213, 109, 0.2)' : 'rgba(33, 195, 84, 0.1)',
    '--st-input-background': fill,
  };
  if (theme.font) tokens['--auth-font'] = theme.font;
  for (const [name, value] of Object.entries(tokens)) root.style.setProperty(name, value);
  // Below the root: Streamlit's iframes are `color-scheme: normal`, and a root of another scheme
  // would be painted on an opaque canvas (a box of another colour around the widget).
  document.body.style.colorScheme = dark ? 'dark' : 'light';
  if (theme.font) adoptParentFonts(theme.font);
}

/**
 * Text on the primary colour: white, as on Streamlit's primary buttons, unless the colour is so light
 * that white would not reach 3:1; then the darkest of Streamlit's text colours.
 */
function onColor(color: string): string {
  const channels = rgbOf(color);
  if (!channels) return '#ffffff';
  const [r, g, b] = channels.map((v) => {
    const c = v / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  const luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  return 1.05 / (luminance + 0.05) >= 3 ? '#ffffff' : '#0e1117';
}

/** An opaque CSS colour's channels (0-255), read by the canvas; null for anything else. */
function rgbOf(color: string): [number, number, number] | null {
  const ctx = document.createElement('canvas').getContext('2d');
  if (!ctx) return null;
  ctx.fillStyle = color;
  const hex = /^#([0-9a-f]{6})$/i.exec(ctx.fillStyle)?.[1];
  return hex ? ([0, 2, 4].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number]) : null;
}

/** `top` at `share` over `base`, as `rgb()` (a plain colour: what getComputedStyle gives back). */
function mix(top: string, base: string, share: number): string | null {
  const a = rgbOf(top);
  const b = rgbOf(base);
  if (!a || !b) return null;
  return `rgb(${a.map((v, i) => Math.round(v * share + b[i]! * (1 - share))).join(', ')})`;
}

const adopted = new Set<string>();

/**
 * Streamlit's fonts (Source Sans, or a custom theme font) are `@font-face` rules of the app's page,
 * not of this iframe: copy the ones `font` names from the parent document (same origin, checked by
 * the message layer), with their URLs made absolute. Without them the widgets would fall back to a
 * system font next to Streamlit's text. Anything unreadable is skipped.
 */
function adoptParentFonts(font: string): void {
  if (adopted.has(font)) return;
  adopted.add(font);
  const rules: string[] = [];
  try {
    for (const sheet of window.parent.document.styleSheets) {
      const base = sheet.href ?? window.parent.location.href;
      let list: CSSRuleList;
      try {
        list = sheet.cssRules;
      } catch {
        continue; // a cross-origin stylesheet
      }
      for (const rule of list) {
        // CSSRule.FONT_FACE_RULE; `instanceof` would compare with this realm's class.
        if (rule.type !== 5) continue;
        const family = (rule as CSSFontFaceRule).style.getPropertyValue('font-family').trim().replace(/^["']|["']$/g, '');
        if (!family || !font.includes(family)) continue;
        rules.push(rule.cssText.replace(/url\(\s*(["']?)([^"')]+)\1\s*\)/g, (_m, _q, url: string) => `url("${new URL(url, base).href}")`));
      }
    }
  } catch {
    return;
  }
  if (!rules.length) return;
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(rules.join('\n'));
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
}
