import { html, nothing, type PropertyDeclarations, type PropertyValues } from 'lit';
import { AuthError, type AuthClient, type AuthOrg, type AuthState } from '../../core/index.js';
import { AuthElement } from '../auth-element.js';
import { AuthController } from '../controller.js';
import { AuthOrgChangeEvent } from '../events/auth-org-change.js';
import { enOrg } from '../translations/en-org.js';
import en from '../translations/en.js';
import styles from './auth-org-select.styles.js';
import type { MembersPanel } from './members-panel.js';
import { roleLabel } from './org-role.js';

// The English strings of the select and its panel come with this element (on demand).
Object.assign(en, enOrg);

/**
 * Picks the active organization: a labelled native `<select>` of the user's organizations
 * (`client.listOrgs()`), each option "Name — Role" (the default roles translated), the active one
 * selected. Choosing one calls `client.selectOrg(id)`: meanwhile the select is disabled and
 * `aria-busy`; on failure the previous choice comes back and the error shows (role=alert). The list
 * is fetched again when the user or the active organization changes. Nothing is shown (the host
 * takes no room) while signed out, while the session is restored, or when the user has no
 * organization. Organization names render as text.
 *
 * With `manage`, owners and admins (`client.hasRole('admin')`) on a backend that lists members (the
 * reference server) get a "Manage members" button: it opens a panel (loaded on demand) with the
 * members and their roles, where they change a role (only to roles at or below their own), remove a
 * member (after a confirmation), add one by username or email, or leave the organization. The server
 * decides: each refusal shows as its message. Results are announced in a polite live region.
 *
 * Its strings follow the global `lang` attribute: its own, else the closest ancestor's, else the
 * document's.
 *
 * @summary Organization switcher, with an optional members panel.
 *
 * @fires {AuthOrgChangeEvent} auth-org-change - The user chose another organization and it is now the active one;
 *   `detail` is `{ org }`.
 * @fires {AuthErrorEvent} auth-error - Listing, selecting or a member operation failed; `detail` is `{code, message,
 *   operation}` (`list-orgs`, `select-org`, `list-members`, `add-member`, `set-member-role`, `remove-member`, `leave-org`).
 *
 * @csspart base - Wrapper of the label, the select, the error and the manage button.
 * @csspart label - The select's `<label>` ("Organization").
 * @csspart select - The native `<select>`.
 * @csspart error - The last failure (role=alert); hidden when empty.
 * @csspart manage-button - "Manage members" (with `manage`, for owners and admins); `aria-expanded`.
 * @csspart panel - The members panel (a labelled region).
 * @csspart panel-heading - Its heading ("Members of …"), focused when it opens.
 * @csspart close-button - Closes the panel (Escape too).
 * @csspart members - The members `<table>`.
 * @csspart member - One member's row.
 * @csspart member-name - The member's name (text), with `(you)` on one's own row.
 * @csspart member-detail - Username and email, under the name.
 * @csspart role-select - A member's role, as a `<select>` of the roles at or below one's own.
 * @csspart role - A role shown as text (a member above one's own role, or a role one cannot grant).
 * @csspart remove-button - Removes a member (asks first).
 * @csspart confirm - The confirmation question and its buttons.
 * @csspart confirm-button - Confirms removing or leaving.
 * @csspart cancel-button - Cancels it.
 * @csspart add-form - The form to add a member.
 * @csspart add-input - Username or email of the user to add.
 * @csspart add-role - The role to give.
 * @csspart add-button - Adds the member.
 * @csspart leave-button - "Leave organization" (asks first).
 * @csspart result - What the last operation did (polite live region).
 * @csspart panel-error - A refusal in the panel (role=alert).
 *
 * @cssproperty --auth-org-select-color - Text colour. Default `--auth-color-text`.
 * @cssproperty --auth-org-select-muted - Secondary text (the sidebar label, member details). Default `--auth-color-muted`.
 * @cssproperty --auth-org-select-background - Controls' and panel's background. Default `--auth-color-surface`.
 * @cssproperty --auth-org-select-border - Controls' border colour. Default `--auth-color-border`.
 * @cssproperty --auth-org-select-accent - The panel's main buttons (add, confirm). Default `--auth-color-accent`.
 * @cssproperty --auth-org-select-danger - Error colour. Default `--auth-color-danger`.
 * @cssproperty --auth-org-select-radius - Corner radius of the controls. Default `--auth-input-radius`, else half of `--auth-radius`.
 * @cssproperty --auth-org-select-spacing - Gaps. Default `--auth-spacing`.
 * @cssproperty --auth-org-select-focus-ring - Focus outline. Default `--auth-focus-ring`.
 * @cssproperty --auth-font
 * @cssproperty --auth-font-size
 * @cssproperty --auth-input-radius
 * @cssproperty --auth-color-scheme
 * @cssproperty --auth-color-text
 * @cssproperty --auth-color-muted
 * @cssproperty --auth-color-surface
 * @cssproperty --auth-color-border
 * @cssproperty --auth-color-accent
 * @cssproperty --auth-color-on-accent - Text on the panel's main buttons.
 * @cssproperty --auth-color-danger
 * @cssproperty --auth-radius
 * @cssproperty --auth-spacing
 * @cssproperty --auth-focus-ring
 *
 * @cssstate empty - Nothing to show (signed out, restoring, or no organization): the host is not displayed.
 * @cssstate busy - A selection is in progress.
 *
 * @attr location - `main` (default, one row) or `sidebar` (compact: stacked, full width). Reflected.
 * @attr manage - Offer the members panel to owners and admins (backends with `listMembers`).
 * @attr fields - JSON object overriding strings, e.g. `{"organization":"Workspace"}`.
 */
export class AuthOrgSelect extends AuthElement {
  static override styles = styles;

  static override properties: PropertyDeclarations = {
    location: { reflect: true },
    manage: { type: Boolean },
    orgs: { state: true },
    busy: { state: true },
    operationError: { state: true },
    panelOpen: { state: true },
    notice: { state: true },
  };

  /** `main` or `sidebar`. */
  declare location: 'main' | 'sidebar';
  /** Offer the members panel to owners and admins. */
  declare manage: boolean;
  /** The user's organizations, as last listed. */
  declare orgs: readonly AuthOrg[];
  declare protected busy: boolean;
  declare protected operationError: AuthError | null;
  declare protected panelOpen: boolean;
  /** What the last panel operation that closed it did (leaving), announced politely. */
  declare protected notice: string;

  protected readonly auth = new AuthController(this, { onChange: (state, previous) => this.#onChange(state, previous) });
  /** Drops the answer of a listing that a newer one replaced. */
  #listing = 0;
  /** The members panel's module, once loaded. */
  #panel: MembersPanel | null = null;

  constructor() {
    super();
    this.location = 'main';
    this.manage = false;
    this.orgs = [];
    this.busy = false;
    this.operationError = null;
    this.panelOpen = false;
    this.notice = '';
  }

  /** The current state of the shared client. */
  get state(): AuthState {
    return this.auth.state;
  }

  protected override get scope(): string {
    return 'org';
  }

  /** List again when someone signs in, the user changes, or the active organization changes. */
  #onChange(state: AuthState, previous: AuthState): void {
    const client = this.auth.client;
    if (state.status !== 'authenticated' || !client) {
      if (state.status !== 'pending') this.#reset();
      return;
    }
    if (previous.status !== 'authenticated' || previous.user?.id !== state.user?.id || previous.org?.id !== state.org?.id) {
      // The panel belongs to the organization it was opened for.
      this.panelOpen = false;
      void this.#list(client);
    }
  }

  #reset(): void {
    this.#listing++;
    this.orgs = [];
    this.operationError = null;
    this.panelOpen = false;
  }

  async #list(client: AuthClient): Promise<void> {
    const seq = ++this.#listing;
    try {
      const orgs = await client.listOrgs();
      if (seq === this.#listing) this.orgs = orgs;
    } catch (err) {
      if (seq !== this.#listing) return;
      // No list (a backend without one, or a failure): at least the active organization.
      const active = this.auth.state.org;
      this.orgs = active ? [active] : [];
      if ((err as AuthError).code !== 'unsupported') this.dispatchAuthError(err, 'list-orgs');
    }
  }

  /** Owners and admins, with `manage`, on a backend that lists members. */
  get #canManage(): boolean {
    const client = this.auth.client;
    return this.manage && !!client?.backend.listMembers && client.hasRole('admin');
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    super.willUpdate(changed);
    this.setStatusState(this.auth.state.status);
    const states = this.internals.states;
    if (this.#visible()) states.delete('empty');
    else states.add('empty');
    if (this.busy) states.add('busy');
    else states.delete('busy');
    if (this.panelOpen && !this.#canManage) this.panelOpen = false;
  }

  #visible(): boolean {
    return this.auth.state.status === 'authenticated' && this.orgs.length > 0 && this.localize.ready();
  }

  protected override render() {
    if (!this.#visible()) return nothing;
    const active = this.auth.state.org?.id;
    const message = this.operationError ? this.localize.errorMessage(this.operationError.code) : '';
    const open = this.panelOpen && !!this.#panel;
    return html`
      <div part="base">
        <label part="label" for="select">${this.localize.term('organization')}</label>
        <select
          part="select"
          id="select"
          ?disabled=${this.busy}
          aria-busy=${this.busy ? 'true' : 'false'}
          aria-describedby="error"
          @change=${this.#onSelect}
        >
          ${active && !this.orgs.some((org) => org.id === active) ? html`<option value="" selected disabled></option>` : nothing}
          ${this.orgs.map((org) => html`<option value=${org.id} .selected=${org.id === active}>${this.#optionText(org)}</option>`)}
        </select>
        <div part="error" id="error" role="alert" ?hidden=${!message}>${message}</div>
        <div class="visually-hidden" role="status">${this.notice}</div>
        ${this.#canManage
          ? html`<button part="manage-button" type="button" aria-expanded=${open ? 'true' : 'false'} aria-controls="panel" @click=${this.#togglePanel}>
              ${this.localize.term('org.manage')}
            </button>`
          : nothing}
      </div>
      ${open ? this.#panel!.render() : nothing}
    `;
  }

  #optionText(org: AuthOrg): string {
    return org.role ? this.localize.term('org.option', { name: org.name, role: roleLabel(this.localize, org.role) }) : org.name;
  }

  get #select(): HTMLSelectElement | null | undefined {
    return this.shadowRoot?.querySelector('select');
  }

  async #onSelect(event: Event): Promise<void> {
    const select = event.target as HTMLSelectElement;
    const client = this.auth.client;
    const id = select.value;
    if (!client || this.busy || !id || id === this.auth.state.org?.id) return;
    this.busy = true;
    this.operationError = null;
    try {
      await client.selectOrg(id);
      const org = client.state.org;
      // Re-authorizing at the identity provider: the page is going away; stay busy until it does.
      if (org?.id !== id) return;
      this.busy = false;
      this.dispatchEvent(new AuthOrgChangeEvent(org));
    } catch (err) {
      this.busy = false;
      this.operationError = err instanceof AuthError ? err : new AuthError('network_error', 'Something went wrong.', { cause: err });
      this.dispatchAuthError(this.operationError, 'select-org');
    }
    await this.updateComplete;
    // The previous choice comes back on failure (the user's pick left the option's state dirty).
    const current = this.#select;
    if (current) current.value = this.auth.state.org?.id ?? '';
  }

  async #togglePanel(): Promise<void> {
    if (this.panelOpen) {
      this.closePanel();
      return;
    }
    if (!this.#panel) {
      const { MembersPanel } = await import('./members-panel.js');
      this.#panel ??= new MembersPanel(this, {
        client: () => this.auth.client,
        org: () => this.auth.state.org,
        user: () => this.auth.state.user,
        localize: this.localize,
        roleLabel: (role) => roleLabel(this.localize, role),
        close: () => this.closePanel(),
        announce: (text) => (this.notice = text),
        fail: (err, operation) => this.dispatchAuthError(err, operation),
      });
    }
    this.notice = '';
    this.panelOpen = true;
    this.#panel.open();
  }

  /** Close the members panel; the focus goes back to its button (else, gone with the role, the select). */
  closePanel(): void {
    this.panelOpen = false;
    void this.updateComplete.then(() => {
      const root = this.shadowRoot;
      (root?.querySelector<HTMLElement>('[part~="manage-button"]') ?? root?.querySelector('select'))?.focus();
    });
  }
}
