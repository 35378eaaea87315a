import { formStyles } from '../auth-form/auth-form.styles.js';

/** Shadow styles: the shared form chrome, with `--auth-reset-password-*` properties. Shown in both modes. */
export default formStyles('reset-password');
