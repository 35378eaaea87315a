import { css } from 'lit';
import { token, tokenBase } from '../styles/tokens.js';

export default [
  tokenBase,
  css`
    :host {
      display: contents;
    }
    :host([hidden]) {
      display: none;
    }
    [part='error'] {
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
];
