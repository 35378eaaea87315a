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
      --auth-org-select-color: ${token('--auth-color-text')};
      --auth-org-select-muted: ${token('--auth-color-muted')};
      --auth-org-select-background: ${token('--auth-color-surface')};
      --auth-org-select-border: ${token('--auth-color-border')};
      --auth-org-select-accent: ${token('--auth-color-accent')};
      --auth-org-select-danger: ${token('--auth-color-danger')};
      --auth-org-select-radius: var(--auth-input-radius, calc(${token('--auth-radius')} / 2));
      --auth-org-select-spacing: ${token('--auth-spacing')};
      --auth-org-select-focus-ring: ${token('--auth-focus-ring')};
      /* What the members panel (its own chunk, members-panel.ts) reads. */
      --_color: var(--auth-org-select-color);
      --_muted: var(--auth-org-select-muted);
      --_background: var(--auth-org-select-background);
      --_border: var(--auth-org-select-border);
      --_accent: var(--auth-org-select-accent);
      --_on-accent: ${token('--auth-color-on-accent')};
      --_danger: var(--auth-org-select-danger);
      --_radius: var(--auth-org-select-radius);
      --_spacing: var(--auth-org-select-spacing);
      --_focus-ring: var(--auth-org-select-focus-ring);
      color: var(--auth-org-select-color);
    }
    :host(:state(empty)) {
      display: none;
    }
    [part~='base'] {
      display: flex;
      flex-wrap: wrap;
      align-items: center;
      gap: calc(var(--auth-org-select-spacing) * 0.5);
      min-width: 0;
    }
    [part~='label'] {
      font-weight: 600;
    }
    select,
    button {
      box-sizing: border-box;
      max-width: 100%;
      min-width: 0;
      padding: 0.4em 0.75em;
      font: inherit;
      color: var(--auth-org-select-color);
      background: var(--auth-org-select-background);
      border: 1px solid var(--auth-org-select-border);
      border-radius: var(--auth-org-select-radius);
      overflow-wrap: anywhere;
    }
    button {
      cursor: pointer;
    }
    select:focus-visible,
    button:focus-visible,
    input:focus-visible,
    [tabindex='-1']:focus-visible {
      outline: var(--auth-org-select-focus-ring);
      outline-offset: 2px;
    }
    :disabled {
      cursor: progress;
      opacity: 0.75;
    }
    [part~='error'] {
      flex-basis: 100%;
      color: var(--auth-org-select-danger);
      overflow-wrap: anywhere;
    }
    [hidden] {
      display: none !important;
    }
    /* The compact variant: stacked, full width, smaller label. */
    :host([location='sidebar']) [part~='base'] {
      flex-direction: column;
      align-items: stretch;
      gap: 0.25em;
    }
    :host([location='sidebar']) [part~='label'] {
      font-size: 0.875em;
      color: var(--auth-org-select-muted);
    }
    :host([location='sidebar']) select,
    :host([location='sidebar']) [part~='manage-button'] {
      width: 100%;
    }
  `,
];
