import { AuthRegister } from './auth-register.component.js';

export { AuthRegister };
export default AuthRegister;

// A second copy of the kit on the page (or a hot reload) must not throw.
if (!customElements.get('auth-register')) customElements.define('auth-register', AuthRegister);

declare global {
  interface HTMLElementTagNameMap {
    'auth-register': AuthRegister;
  }
}
