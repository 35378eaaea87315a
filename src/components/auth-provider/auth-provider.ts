import { AuthProvider } from './auth-provider.component.js';

export { AuthProvider };
export default AuthProvider;

// A second copy of the kit on the page (or a hot reload) must not throw.
if (!customElements.get('auth-provider')) customElements.define('auth-provider', AuthProvider);

declare global {
  interface HTMLElementTagNameMap {
    'auth-provider': AuthProvider;
  }
}
