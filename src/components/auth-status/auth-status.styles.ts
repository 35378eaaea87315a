import { css } from 'lit';
import { hostStyles } from '../styles/host.js';
import { token, tokenBase } from '../styles/tokens.js';
import { visuallyHidden } from '../styles/visually-hidden.js';

export default [
  tokenBase,
  hostStyles,
  visuallyHidden,
  css`
    :host {
      --auth-status-color: ${token('--auth-color-text')};
      --auth-status-muted: ${token('--auth-color-muted')};
      --auth-status-background: ${token('--auth-color-surface')};
      --auth-status-border: ${token('--auth-color-border')};
      --auth-status-radius: ${token('--auth-radius')};
      --auth-status-spacing: ${token('--auth-spacing')};
      --auth-status-card-border: ${token('--auth-card-border')};
      --auth-status-card-shadow: ${token('--auth-card-shadow')};
    }
    [part='base'] {
      display: flex;
      flex-wrap: wrap;
      align-items: center;
      justify-content: space-between;
      gap: calc(var(--auth-status-spacing) * 0.5) var(--auth-status-spacing);
      padding: calc(var(--auth-status-spacing) * 0.625) var(--auth-status-spacing);
      border: var(--auth-status-card-border);
      border-radius: var(--auth-status-radius);
      box-shadow: var(--auth-status-card-shadow);
      background: var(--auth-status-background);
      color: var(--auth-status-color);
      min-width: 0;
    }
    [part='base'].unknown {
      visibility: hidden;
    }
    [part='text'] {
      display: flex;
      flex-wrap: wrap;
      align-items: baseline;
      gap: 0.25em 0.75em;
      min-width: 0;
    }
    [part='message'],
    [part='user'],
    [part='org'] {
      overflow-wrap: anywhere;
    }
    [part='user'],
    [part='org-role'] {
      font-weight: 600;
    }
    [part='org'] {
      color: var(--auth-status-muted);
    }
    [part='roles'] {
      display: flex;
      flex-wrap: wrap;
      gap: 0.25em;
      margin: 0;
      padding: 0;
      list-style: none;
    }
    [part='role'] {
      padding: 0.05em 0.5em;
      border: 1px solid var(--auth-status-border);
      border-radius: 999px;
      color: var(--auth-status-muted);
      font-size: 0.85em;
      overflow-wrap: anywhere;
    }
    [part='account-link'] {
      color: ${token('--auth-color-accent')};
      font-size: 0.875em;
      overflow-wrap: anywhere;
      text-underline-offset: 0.15em;
    }
    [part='account-link']:hover {
      text-decoration-thickness: 2px;
    }
    [part='account-link']:focus-visible {
      outline: ${token('--auth-focus-ring')};
      outline-offset: 2px;
      border-radius: 2px;
    }
    [part='actions'][hidden] {
      display: none;
    }
    [part='actions'] {
      display: flex;
      flex-wrap: wrap;
      gap: 0.5em;
      min-width: 0;
      max-width: 100%;
    }
    @container (max-width: 20rem) {
      [part='base'] {
        flex-direction: column;
        align-items: stretch;
      }
    }
    :host([location='sidebar']) [part='base'] {
      flex-direction: column;
      align-items: stretch;
    }
  `,
];
