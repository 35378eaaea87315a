import { AuthOrgSelect } from './auth-org-select.component.js';

export { AuthOrgSelect };
export default AuthOrgSelect;

// A second copy of the kit on the page (or a hot reload) must not throw.
if (!customElements.get('auth-org-select')) customElements.define('auth-org-select', AuthOrgSelect);

declare global {
  interface HTMLElementTagNameMap {
    'auth-org-select': AuthOrgSelect;
  }
}
