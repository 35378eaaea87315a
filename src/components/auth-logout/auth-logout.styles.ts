import { css } from 'lit';
import { token, tokenBase } from '../styles/tokens.js';

export default [
  tokenBase,
  css`
    :host {
      --auth-logout-color: ${token('--auth-color-text')};
      --auth-logout-background: ${token('--auth-color-surface')};
      --auth-logout-border: ${token('--auth-color-border')};
      --auth-logout-danger: ${token('--auth-color-danger')};
      --auth-logout-radius: var(--auth-input-radius, calc(${token('--auth-radius')} / 2));
      --auth-logout-spacing: ${token('--auth-spacing')};
      --auth-logout-focus-ring: ${token('--auth-focus-ring')};
      /* A button sits inline; no size containment (it would collapse to zero width in flex rows). */
      display: inline-block;
      max-width: 100%;
      box-sizing: border-box;
      vertical-align: middle;
    }
    :host([hidden]) {
      display: none !important;
    }
    :host([location='sidebar']) {
      display: block;
    }
    [part='base'] {
      display: flex;
      flex-direction: column;
      gap: calc(var(--auth-logout-spacing) * 0.375);
      min-width: 0;
    }
    [part='button'] {
      box-sizing: border-box;
      max-width: 100%;
      padding: 0.45em 1em;
      font: inherit;
      color: var(--auth-logout-color);
      background: var(--auth-logout-background);
      border: 1px solid var(--auth-logout-border);
      border-radius: var(--auth-logout-radius);
      cursor: pointer;
      overflow-wrap: anywhere;
    }
    [part='button']:focus-visible {
      outline: var(--auth-logout-focus-ring);
      outline-offset: 2px;
    }
    [part='button']:disabled {
      cursor: progress;
      opacity: 0.75;
    }
    :host([location='sidebar']) [part='button'] {
      width: 100%;
    }
    [part='error'] {
      color: var(--auth-logout-danger);
      overflow-wrap: anywhere;
    }
    [part='error'][hidden] {
      display: none;
    }
  `,
];
