import { html, type PropertyDeclarations, type PropertyValues } from 'lit';
import type { AuthOrg, AuthState } from '../../core/index.js';
import { AuthElement } from '../auth-element.js';
import { AuthController } from '../controller.js';
import { warnOnce } from '../warn.js';
import styles from './auth-guard.styles.js';

function list(value: string | undefined | null): string[] {
  return (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}

/**
 * Shows its content only to a signed-in user who has one of the required `roles`, at least
 * `min-role` in the organization and one of the required `permissions` (each optional); otherwise
 * the `fallback` slot. While the session is being
 * restored, the `loading` slot if the page gave one, else the fallback laid out but invisible: neither
 * flashes, and a signed-out visitor's page does not move when the fallback appears. Only the chosen
 * slot is rendered: the other content is not displayed at all. Before the script has run, the kit's
 * stylesheet (`auth-elements.css`) does the same.
 *
 * **The guard is a convenience for the UI, not a security boundary.** Its content is still in the
 * page, and anyone can change what the browser shows. The server must check every request itself.
 *
 * A role in `roles` matches the user's roles or the organization's role exactly; `min-role` follows
 * the role order (`client.hasRole`: an owner has `admin` too, with the default order owner > admin >
 * member); a permission matches the user's permissions or those of the user's role in the
 * organization (`client.hasPermission`). The organization is the active one, or the one `org` names:
 * when that is not the active one, the guard asks `client.listOrgs()` once for the user's role there
 * (until then, and when the user is not in it, the fallback shows).
 *
 * @summary Shows content only to signed-in users (optionally with a role or permission).
 *
 * @slot - Shown when the user is signed in and satisfies `roles` and `permissions`.
 * @slot fallback - Shown otherwise (signed out, login in progress, or missing role/permission).
 * @slot loading - Shown while the session is being restored. Without it, the fallback keeps its place, invisible.
 *
 * @cssstate unknown - The session is being restored.
 * @cssstate anonymous - Nobody is signed in.
 * @cssstate pending - A login is in progress.
 * @cssstate authenticated - A user is signed in (whether or not the requirements are met).
 * @cssstate error - The session could not be checked.
 * @cssstate allowed - The default slot is shown.
 *
 * @attr roles - Comma-separated roles; the user needs any one of them. (Not `role`: that attribute
 *   is the element's ARIA role, and `role="admin"` is an invalid one. A `role` attribute is still
 *   honoured as a requirement, with a console warning, so a page that uses it fails closed.)
 * @attr role - Deprecated: read as `roles`, with a console warning (see `roles`).
 * @attr permissions - Comma-separated permissions; the user needs any one of them (the user's own, or
 *   the role's in the organization).
 * @attr min-role - At least this role in the organization, in the client's role order (`org-roles`
 *   on the provider; default owner > admin > member), compared case-insensitively.
 * @attr org - The id of the organization to check roles and permissions in. Default: the active one.
 */
export class AuthGuard extends AuthElement {
  static override styles = styles;

  static override properties: PropertyDeclarations = {
    roles: {},
    permissions: {},
    minRole: { attribute: 'min-role' },
    org: {},
  };

  /** Required roles, comma-separated; any one suffices. */
  declare roles: string | undefined;
  /** Required permissions, comma-separated; any one suffices. */
  declare permissions: string | undefined;
  /** At least this organization role (role order). */
  declare minRole: string | undefined;
  /** The organization checked (an id); default the active one. */
  declare org: string | undefined;

  protected readonly auth = new AuthController(this);

  constructor() {
    super();
    this.roles = undefined;
    this.permissions = undefined;
    this.minRole = undefined;
    this.org = undefined;
  }

  /** The organization asked for with `listOrgs()` (and for which user), so it is asked once. */
  #listed = '';
  /** Its answer. */
  #orgs: readonly AuthOrg[] = [];

  /**
   * The organization the requirements apply to: the active one, or the one `org` names (from the
   * list, asked once when it is not the active one).
   */
  #target(state: AuthState): AuthOrg | null {
    if (!this.org || this.org === state.org?.id) return state.org;
    const key = `${state.user?.id}\n${this.org}`;
    const client = this.auth.client;
    if (this.#listed !== key && client) {
      this.#listed = key;
      client.listOrgs().then(
        (orgs) => ((this.#orgs = orgs), this.requestUpdate()),
        () => undefined, // not listed: the fallback stays (fails closed)
      );
    }
    return this.#orgs.find((org) => org.id === this.org) ?? null;
  }

  // `role` is observed only to fail closed: a page that writes role="admin" gets the requirement it
  // meant (plus a warning), never content shown to every signed-in user.
  static override get observedAttributes(): string[] {
    return [...super.observedAttributes, 'role'];
  }

  override attributeChangedCallback(name: string, old: string | null, value: string | null): void {
    super.attributeChangedCallback(name, old, value);
    if (name === 'role') this.requestUpdate();
  }

  /** The current state of the shared client. */
  get state(): AuthState {
    return this.auth.state;
  }

  /** True when the default slot is shown. */
  get allowed(): boolean {
    const state = this.auth.state;
    const { status, user } = state;
    const client = this.auth.client;
    if (status !== 'authenticated' || !user || !client) return false;
    const org = this.#target(state);
    const id = org?.id;
    const roles = [...list(this.roles), ...list(this.getAttribute('role'))];
    if (roles.length && !roles.some((role) => user.roles.includes(role) || org?.role === role)) return false;
    if (this.minRole && !(id && client.hasRole(this.minRole, id))) return false;
    const permissions = list(this.permissions);
    return !permissions.length || permissions.some((p) => user.permissions.includes(p) || (!!id && client.hasPermission(p, id)));
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    super.willUpdate(changed);
    if (this.hasAttribute('role')) {
      warnOnce('guard-role', 'auth-guard: use roles="…", not role="…" (role is the ARIA role attribute); role is treated as roles.');
    }
    this.setStatusState(this.auth.state.status);
    if (this.allowed) this.internals.states.add('allowed');
    else this.internals.states.delete('allowed');
  }

  protected override render() {
    if (this.auth.state.status === 'unknown') {
      return this.querySelector(':scope > [slot="loading"]')
        ? html`<slot name="loading"></slot>`
        : html`<slot name="fallback" class="reserve"></slot>`;
    }
    return this.allowed ? html`<slot></slot>` : html`<slot name="fallback"></slot>`;
  }
}
