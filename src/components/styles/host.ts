import { css } from 'lit';

/** Host defaults of every visual element: a block that is its own size container. */
export const hostStyles = css`
  :host {
    display: block;
    container-type: inline-size;
    box-sizing: border-box;
  }
  :host([hidden]) {
    display: none !important;
  }
  *,
  *::before,
  *::after {
    box-sizing: inherit;
  }
`;
