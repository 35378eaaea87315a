import { css } from 'lit';
import { formStyles } from '../auth-form/auth-form.styles.js';

/** Shadow styles: the shared form chrome, with `--auth-update-details-*` properties; shown only when signed in. */
export default formStyles(
  'update-details',
  css`
    :host(:not(:state(authenticated), :state(unknown))) {
      display: none;
    }
  `,
);
