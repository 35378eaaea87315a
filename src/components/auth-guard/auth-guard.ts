import { AuthGuard } from './auth-guard.component.js';

export { AuthGuard };
export default AuthGuard;

// A second copy of the kit on the page (or a hot reload) must not throw.
if (!customElements.get('auth-guard')) customElements.define('auth-guard', AuthGuard);

declare global {
  interface HTMLElementTagNameMap {
    'auth-guard': AuthGuard;
  }
}
