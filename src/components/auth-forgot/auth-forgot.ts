import { AuthForgot } from './auth-forgot.component.js';

export { AuthForgot };
export default AuthForgot;

// A second copy of the kit on the page (or a hot reload) must not throw.
if (!customElements.get('auth-forgot')) customElements.define('auth-forgot', AuthForgot);

declare global {
  interface HTMLElementTagNameMap {
    'auth-forgot': AuthForgot;
  }
}
