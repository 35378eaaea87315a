import { css } from 'lit';
import { hostStyles } from '../styles/host.js';
import { token, tokenBase } from '../styles/tokens.js';

/** Shadow styles: the chrome around the slotted light-DOM form. */
export default [
  tokenBase,
  hostStyles,
  css`
    :host {
      --auth-login-color: ${token('--auth-color-text')};
      --auth-login-muted: ${token('--auth-color-muted')};
      --auth-login-background: ${token('--auth-color-surface')};
      --auth-login-border: ${token('--auth-color-border')};
      --auth-login-accent: ${token('--auth-color-accent')};
      --auth-login-on-accent: ${token('--auth-color-on-accent')};
      --auth-login-danger: ${token('--auth-color-danger')};
      --auth-login-radius: ${token('--auth-radius')};
      --auth-login-spacing: ${token('--auth-spacing')};
      --auth-login-focus-ring: ${token('--auth-focus-ring')};
      --auth-login-max-width: 26rem;
      --auth-login-placeholder-height: 15rem;
    }
    :host(:state(authenticated)) {
      display: none;
    }
    /* Restoring the session: keep the space, show nothing. */
    :host(:state(unknown)) [part='base'] {
      visibility: hidden;
    }
    [part='base'] {
      max-width: var(--auth-login-max-width);
      padding: var(--auth-login-spacing);
      border: 1px solid var(--auth-login-border);
      border-radius: var(--auth-login-radius);
      background: var(--auth-login-background);
      color: var(--auth-login-color);
    }
    [part='header'] {
      margin: 0 0 calc(var(--auth-login-spacing) * 0.75);
      font-size: 1.25em;
      font-weight: 600;
      line-height: 1.3;
      overflow-wrap: anywhere;
    }
    [part='error'] {
      margin: 0 0 calc(var(--auth-login-spacing) * 0.75);
      padding: calc(var(--auth-login-spacing) * 0.5) calc(var(--auth-login-spacing) * 0.75);
      border-inline-start: 3px solid var(--auth-login-danger);
      color: var(--auth-login-danger);
      overflow-wrap: anywhere;
    }
    [part='error'][hidden] {
      display: none;
    }
    [part='placeholder'] {
      min-height: var(--auth-login-placeholder-height);
    }
    /* Compact: narrow containers and the sidebar. */
    @container (max-width: 20rem) {
      [part='base'] {
        padding: calc(var(--auth-login-spacing) * 0.75);
      }
      [part='header'] {
        font-size: 1.1em;
      }
    }
    :host([location='sidebar']) [part='base'] {
      padding: calc(var(--auth-login-spacing) * 0.75);
    }
    :host([location='sidebar']) [part='header'] {
      font-size: 1.1em;
    }
  `,
];
