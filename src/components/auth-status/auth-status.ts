import { AuthStatus } from './auth-status.component.js';

export { AuthStatus };
export default AuthStatus;

// A second copy of the kit on the page (or a hot reload) must not throw.
if (!customElements.get('auth-status')) customElements.define('auth-status', AuthStatus);

declare global {
  interface HTMLElementTagNameMap {
    'auth-status': AuthStatus;
  }
}
