import { AuthResetPassword } from './auth-reset-password.component.js';

export { AuthResetPassword };
export default AuthResetPassword;

// A second copy of the kit on the page (or a hot reload) must not throw.
if (!customElements.get('auth-reset-password')) customElements.define('auth-reset-password', AuthResetPassword);

declare global {
  interface HTMLElementTagNameMap {
    'auth-reset-password': AuthResetPassword;
  }
}
