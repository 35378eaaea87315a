import { css } from 'lit';

export default css`
  :host {
    display: contents;
  }
  :host([hidden]) {
    display: none;
  }
  .reserve {
    visibility: hidden;
  }
`;
