import { formStyles, signedOutOnly } from '../auth-form/auth-form.styles.js';

/** Shadow styles: the shared form chrome, with `--auth-register-*` properties; hidden when signed in. */
export default formStyles('register', signedOutOnly);
