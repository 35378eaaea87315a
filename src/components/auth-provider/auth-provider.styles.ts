import { css } from 'lit';
import { colorScheme, token } from '../styles/tokens.js';
import { visuallyHidden } from '../styles/visually-hidden.js';

// No color-scheme on the host: it would recolour the page's own content inside the provider (its
// links, form controls, system colours). The theme reaches the elements as a variable.
export default [
  css`
    :host {
      display: contents;
    }
    :host([theme='light']) {
      --auth-color-scheme: light;
    }
    :host([theme='dark']) {
      --auth-color-scheme: dark;
    }
    :host([theme='auto']) {
      --auth-color-scheme: light dark;
    }
    :host([hidden]) {
      display: none;
    }
    [part='error'] {
      ${colorScheme}
      font-family: ${token('--auth-font')};
      display: block;
      margin: 0 0 ${token('--auth-spacing')};
      padding: calc(${token('--auth-spacing')} * 0.75);
      border: 1px solid ${token('--auth-color-danger')};
      border-radius: ${token('--auth-radius')};
      background: ${token('--auth-color-surface')};
      color: ${token('--auth-color-danger')};
      overflow-wrap: anywhere;
    }
  `,
  visuallyHidden,
];
