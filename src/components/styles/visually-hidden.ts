import { css } from 'lit';

/**
 * Out of sight, still read by screen readers: `.visually-hidden`, and a form element's title under
 * `hide-heading` (a harmless selector elsewhere).
 */
export const visuallyHidden = css`
  .visually-hidden,
  :host([hide-heading]) [part='header'] {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip-path: inset(50%);
    white-space: nowrap;
  }
`;
