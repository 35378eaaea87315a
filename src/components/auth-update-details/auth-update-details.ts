import { AuthUpdateDetails } from './auth-update-details.component.js';

export { AuthUpdateDetails };
export default AuthUpdateDetails;

// A second copy of the kit on the page (or a hot reload) must not throw.
if (!customElements.get('auth-update-details')) customElements.define('auth-update-details', AuthUpdateDetails);

declare global {
  interface HTMLElementTagNameMap {
    'auth-update-details': AuthUpdateDetails;
  }
}
