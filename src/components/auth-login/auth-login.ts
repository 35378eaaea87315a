import { AuthLogin } from './auth-login.component.js';

export { AuthLogin };
export default AuthLogin;

// A second copy of the kit on the page (or a hot reload) must not throw.
if (!customElements.get('auth-login')) customElements.define('auth-login', AuthLogin);

declare global {
  interface HTMLElementTagNameMap {
    'auth-login': AuthLogin;
  }
}
