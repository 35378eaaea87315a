import { html, nothing, type PropertyDeclarations, type PropertyValues } from 'lit';
import { displayName, type AuthState } from '../../core/index.js';
import { AuthElement } from '../auth-element.js';
import { AuthController } from '../controller.js';
import styles from './auth-status.styles.js';

/**
 * The login status header: "Signed in as <name>" with the user's roles and organization, or
 * "Not signed in". While the session is being restored nothing is visible (the box keeps its place).
 * User data always renders as text.
 *
 * @summary Login status header.
 *
 * @slot - Actions shown next to the status, e.g. an `<auth-logout>`.
 *
 * @csspart base - The header row.
 * @csspart text - The status text block.
 * @csspart message - The sentence ("Signed in as …", "Not signed in").
 * @csspart user - The user's display name.
 * @csspart org - The current organization's name, when there is one.
 * @csspart roles - The list of the user's roles (only when the user has roles).
 * @csspart role - One role.
 * @csspart actions - Wrapper of the default slot.
 *
 * @cssproperty --auth-status-color - Text colour. Default `--auth-color-text`.
 * @cssproperty --auth-status-muted - Roles and organization. Default `--auth-color-muted`.
 * @cssproperty --auth-status-background - Background. Default `--auth-color-surface`.
 * @cssproperty --auth-status-border - Border colour. Default `--auth-color-border`.
 * @cssproperty --auth-status-radius - Corner radius. Default `--auth-radius`.
 * @cssproperty --auth-status-spacing - Padding and gaps. Default `--auth-spacing`.
 *
 * @cssstate unknown - The session is being restored (nothing visible).
 * @cssstate anonymous - Nobody is signed in.
 * @cssstate pending - A login is in progress.
 * @cssstate authenticated - A user is signed in.
 * @cssstate error - The session could not be checked.
 *
 * @attr location - `main` (default) or `sidebar` (stacked layout). Reflected.
 * @attr fields - JSON object overriding strings, e.g. `{"signedInAs":"Hello, {name}"}`.
 * @attr lang - Language of the strings (else the closest ancestor's, else the document's).
 */
export class AuthStatus extends AuthElement {
  static override styles = styles;

  static override properties: PropertyDeclarations = {
    location: { reflect: true },
  };

  /** `main` or `sidebar`. */
  declare location: 'main' | 'sidebar';

  protected readonly auth = new AuthController(this);

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

  protected override render() {
    const { status, user, org } = this.auth.state;
    if (status === 'unknown' || !this.localize.ready()) {
      // The same boxes as below, invisible, so the status keeps its size when it appears.
      return html`<div part="base" class="unknown" aria-hidden="true">
        <div part="text">&nbsp;</div>
        <div part="actions"><slot></slot></div>
      </div>`;
    }
    let text;
    if (status === 'authenticated' && user) {
      const [before = '', after = ''] = this.localize.term('signedInAs').split('{name}');
      text = html`
        <span part="message">${before}<span part="user">${displayName(user)}</span>${after}</span>
        ${org ? html`<span part="org"><span class="visually-hidden">${this.localize.term('organization')}: </span>${org.name}</span>` : nothing}
        ${user.roles.length
          ? html`<ul part="roles" aria-label=${this.localize.term('roles')}>
              ${user.roles.map((role) => html`<li part="role">${role}</li>`)}
            </ul>`
          : nothing}
      `;
    } else if (status === 'pending') {
      text = html`<span part="message">${this.localize.term('signingIn')}</span>`;
    } else {
      text = html`<span part="message">${this.localize.term('notSignedIn')}</span>`;
    }
    return html`
      <div part="base">
        <div part="text" role="status">${text}</div>
        <div part="actions"><slot></slot></div>
      </div>
    `;
  }
}
