import { AuthLogout } from './auth-logout.component.js';

export { AuthLogout };
export default AuthLogout;

// A second copy of the kit on the page (or a hot reload) must not throw.
if (!customElements.get('auth-logout')) customElements.define('auth-logout', AuthLogout);

declare global {
  interface HTMLElementTagNameMap {
    'auth-logout': AuthLogout;
  }
}
