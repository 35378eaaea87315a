import { html, nothing, type PropertyDeclarations, type PropertyValues } from 'lit';
import { displayName, type AuthState } from '../../core/index.js';
import { AuthElement } from '../auth-element.js';
import { roleLabel } from '../auth-org-select/org-role.js';
import { AuthController } from '../controller.js';
import en from '../translations/en.js';
import styles from './auth-status.styles.js';

// The account link's English string comes with this element (on demand), not with the first load.
Object.assign(en, { manageAccount: 'Manage account' });

/**
 * The identity provider's account page (`client.backend.accountUrl`, OIDC backends whose discovery
 * advertises one), if it is an http(s) URL: the address comes from the provider's metadata, and a
 * `javascript:` or `data:` one must never become a link (SECURITY.md 15).
 */
function accountUrl(backend: unknown): string | null {
  const url = (backend as { accountUrl?: unknown } | undefined)?.accountUrl;
  if (typeof url !== 'string' || !URL.canParse(url)) return null;
  return /^https?:$/.test(new URL(url).protocol) ? url : null;
}

/**
 * The login status header: "Logged in as <name>" with the user's roles, the active organization and
 * the user's role in it, or
 * "Not logged in". Under an OIDC backend whose provider has an account page, a "Manage account" link
 * to it while signed in (same tab: the provider's page links back). While the session is being restored nothing is visible (the box keeps its place).
 * User data always renders as text. It is no live region: `<auth-provider>` announces logging in and
 * out once, whether or not a status header is on the page.
 *
 * Its strings follow the global `lang` attribute: its own, else the closest ancestor's, else the
 * document's.
 *
 * @summary Login status header.
 *
 * @slot - Actions shown next to the status, e.g. an `<auth-logout>`.
 *
 * @csspart base - The header row.
 * @csspart text - The status text block.
 * @csspart message - The sentence ("Logged in as …", "Not logged in").
 * @csspart user - The user's display name.
 * @csspart org - The current organization's name, when there is one.
 * @csspart org-role - The user's role in it (the default roles translated: Owner, Admin, Member), when known.
 * @csspart roles - The list of the user's roles (only when the user has roles).
 * @csspart role - One role.
 * @csspart account-link - "Manage account": a link to the identity provider's account page (OIDC
 *   backends that advertise one, `client.backend.accountUrl`; http(s) only), while signed in.
 * @csspart actions - Wrapper of the default slot.
 *
 * @cssproperty --auth-status-color - Text colour. Default `--auth-color-text`.
 * @cssproperty --auth-status-muted - Roles and organization. Default `--auth-color-muted`.
 * @cssproperty --auth-status-background - Background. Default `--auth-color-surface`.
 * @cssproperty --auth-status-border - Border colour of the role badges. Default `--auth-color-border`.
 * @cssproperty --auth-status-radius - Corner radius. Default `--auth-radius`.
 * @cssproperty --auth-status-spacing - Padding and gaps. Default `--auth-spacing`.
 * @cssproperty --auth-font
 * @cssproperty --auth-font-size
 * @cssproperty --auth-card-border
 * @cssproperty --auth-card-shadow
 * @cssproperty --auth-color-scheme
 * @cssproperty --auth-color-text
 * @cssproperty --auth-color-muted
 * @cssproperty --auth-color-surface
 * @cssproperty --auth-color-border
 * @cssproperty --auth-radius
 * @cssproperty --auth-spacing
 * @cssproperty --auth-color-accent - The account link's colour.
 * @cssproperty --auth-focus-ring - The account link's focus outline.
 * @cssproperty --auth-status-card-border - The box's border (a whole `border` value). Default `--auth-card-border`.
 * @cssproperty --auth-status-card-shadow - The box's shadow. Default `--auth-card-shadow`.
 *
 * @cssstate unknown - The session is being restored (nothing visible).
 * @cssstate anonymous - Nobody is signed in.
 * @cssstate pending - A login is in progress.
 * @cssstate authenticated - A user is signed in.
 * @cssstate error - The session could not be checked.
 *
 * @attr location - `main` (default) or `sidebar` (stacked layout). Reflected.
 * @attr fields - JSON object overriding strings, e.g. `{"signedInAs":"Hello, {name}"}`.
 */
export class AuthStatus extends AuthElement {
  static override styles = styles;

  static override properties: PropertyDeclarations = {
    location: { reflect: true },
  };

  /** `main` or `sidebar`. */
  declare location: 'main' | 'sidebar';

  protected readonly auth = new AuthController(this);
  /** Whether anything is slotted: an empty actions row takes no room (no gap under the text). */
  #actions = false;

  #onSlotChange = (event: Event): void => {
    const actions = (event.target as HTMLSlotElement)
      .assignedNodes()
      .some((node) => node.nodeType === Node.ELEMENT_NODE || node.textContent?.trim());
    if (actions !== this.#actions) {
      this.#actions = actions;
      this.requestUpdate();
    }
  };

  constructor() {
    super();
    this.location = 'main';
  }

  /** The current state of the shared client. */
  get state(): AuthState {
    return this.auth.state;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    super.willUpdate(changed);
    this.setStatusState(this.auth.state.status);
  }

  /** "Role: Owner", where only the role's name shows (the default roles translated). */
  #orgRole(role: string) {
    const [before = '', after = ''] = this.localize.term('org.yourRole').split('{role}');
    return html`<span part="org-role"><span class="visually-hidden">${before}</span>${roleLabel(this.localize, role)}${after}</span>`;
  }

  protected override render() {
    const { status, user, org } = this.auth.state;
    if (status === 'unknown' || !this.localize.ready()) {
      // The same boxes as below, invisible, so the status keeps its size when it appears.
      return html`<div part="base" class="unknown" aria-hidden="true">
        <div part="text">&nbsp;</div>
        <div part="actions" ?hidden=${!this.#actions}><slot @slotchange=${this.#onSlotChange}></slot></div>
      </div>`;
    }
    let text;
    if (status === 'authenticated' && user) {
      const [before = '', after = ''] = this.localize.term('signedInAs').split('{name}');
      const account = accountUrl(this.auth.client?.backend);
      text = html`
        <span part="message">${before}<span part="user">${displayName(user)}</span>${after}</span>
        ${org
          ? html`<span part="org"><span class="visually-hidden">${this.localize.term('organization')}: </span>${org.name}${org.role
              ? html`<span aria-hidden="true"> · </span>${this.#orgRole(org.role)}`
              : nothing}</span>`
          : nothing}
        ${user.roles.length
          ? html`<ul part="roles" aria-label=${this.localize.term('roles')}>
              ${user.roles.map((role) => html`<li part="role">${role}</li>`)}
            </ul>`
          : nothing}
        ${account ? html`<a part="account-link" href=${account}>${this.localize.term('manageAccount')}</a>` : nothing}
      `;
    } else if (status === 'pending') {
      text = html`<span part="message">${this.localize.term('signingIn')}</span>`;
    } else {
      text = html`<span part="message">${this.localize.term('notSignedIn')}</span>`;
    }
    return html`
      <div part="base">
        <div part="text">${text}</div>
        <div part="actions" ?hidden=${!this.#actions}><slot @slotchange=${this.#onSlotChange}></slot></div>
      </div>
    `;
  }
}
