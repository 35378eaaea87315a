import { css } from 'lit';
import { formStyles } from '../auth-form/auth-form.styles.js';

/** Shadow styles: the shared form chrome, with `--auth-reset-password-*` properties. Shown in both modes. */
export default formStyles(
  'reset-password',
  css`
    [part='login-link'] {
      padding: 0;
      border: 0;
      background: none;
      color: inherit;
      font: inherit;
      font-weight: 600;
      text-decoration: underline;
      cursor: pointer;
    }
  `,
);
