import { html, nothing, type ReactiveControllerHost, type TemplateResult } from 'lit';
import { live } from 'lit/directives/live.js';
import { AuthError, type AuthClient, type AuthOrg, type AuthUser } from '../../core/index.js';
import type { AuthMember } from '../../core/state.js';
import { adoptSheet } from '../auth-form/auth-form.form-styles.js';
import type { AuthOperation } from '../events/auth-error.js';
import type { LocalizeController } from '../localize.js';

/**
 * `<auth-org-select manage>`'s members panel: loaded on demand (its own chunk) the first time an
 * owner or admin opens it, so the select alone carries none of it. It renders inside the select's
 * shadow root (its parts are the select's), with its styles adopted there; it reads the select's
 * private `--_*` properties, so the select's documented `--auth-org-select-*` ones theme it.
 *
 * The server decides every operation; the panel only offers what could succeed (roles at or below
 * one's own, no actions on members above it) and shows each refusal as its translated message.
 */

/** What the panel needs from its `<auth-org-select>`. */
export interface PanelHost {
  client(): AuthClient | undefined;
  org(): AuthOrg | null;
  user(): AuthUser | null;
  readonly localize: LocalizeController;
  roleLabel(role: string): string;
  /** Close the panel (the focus goes back to the manage button). */
  close(): void;
  /** Announce a result after the panel closed (leaving). */
  announce(text: string): void;
  /** Report a failure as `auth-error`. */
  fail(error: unknown, operation: AuthOperation): void;
}

type Host = ReactiveControllerHost & HTMLElement;

/** The confirmation pending: a member's id, or leaving. */
const LEAVE = Symbol('leave');

const STYLES = `
[part~='panel'] {
  margin-top: calc(var(--_spacing) * 0.75);
  padding: var(--_spacing);
  border: 1px solid var(--_border);
  border-radius: var(--_radius);
  background: var(--_background);
  display: grid;
  gap: calc(var(--_spacing) * 0.75);
  min-width: 0;
}
.head {
  display: flex;
  flex-wrap: wrap;
  align-items: center;
  justify-content: space-between;
  gap: 0.5em;
}
[part~='panel-heading'] {
  margin: 0;
  font-size: 1.1em;
  overflow-wrap: anywhere;
}
[part~='members'] {
  width: 100%;
  border-collapse: collapse;
}
[part~='members'] th,
[part~='members'] td {
  padding: 0.4em 0.5em 0.4em 0;
  text-align: start;
  vertical-align: middle;
  overflow-wrap: anywhere;
}
[part~='members'] tbody th {
  font-weight: normal;
}
[part~='members'] tbody tr {
  border-top: 1px solid color-mix(in srgb, var(--_border) 50%, transparent);
}
[part~='member-name'] {
  font-weight: 600;
}
[part~='member-detail'] {
  display: block;
  font-size: 0.875em;
  color: var(--_muted);
}
[part~='confirm'] {
  display: flex;
  flex-wrap: wrap;
  align-items: center;
  gap: 0.5em;
}
[part~='confirm-button'],
[part~='add-button'] {
  color: var(--_on-accent);
  background: var(--_accent);
  border-color: var(--_accent);
}
[part~='add-form'] fieldset {
  display: flex;
  flex-wrap: wrap;
  align-items: end;
  gap: 0.5em;
  margin: 0;
  padding: 0;
  border: 0;
  min-width: 0;
}
[part~='add-form'] legend {
  padding: 0;
  margin-bottom: 0.5em;
  font-weight: 600;
}
[part~='add-form'] label {
  display: grid;
  gap: 0.25em;
  font-size: 0.875em;
  min-width: 0;
}
[part~='add-input'],
[part~='add-role'] {
  font-size: calc(1em / 0.875);
}
[part~='add-input'] {
  font-family: inherit;
  padding: 0.4em 0.6em;
  color: var(--_color);
  background: var(--_background);
  border: 1px solid var(--_border);
  border-radius: var(--_radius);
  min-width: 0;
  max-width: 100%;
}
[part~='panel-error'] {
  color: var(--_danger);
  overflow-wrap: anywhere;
}
[part~='result']:empty {
  display: none;
}
@container (max-width: 28rem) {
  [part~='members'] thead {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip-path: inset(50%);
  }
  [part~='members'] tr,
  [part~='members'] th,
  [part~='members'] td {
    display: block;
  }
  [part~='members'] tbody tr {
    padding: 0.4em 0;
  }
}
`;

export class MembersPanel {
  readonly #host: Host;
  readonly #h: PanelHost;
  #members: readonly AuthMember[] | null = null;
  #busy = false;
  #confirm: string | typeof LEAVE | null = null;
  /** The role one chose for oneself, waiting for the confirmation (one cannot take it back). */
  #ownRole: string | null = null;
  #error: AuthError | null = null;
  #result = '';
  /** Drops a listing that a newer one replaced. */
  #loading = 0;

  constructor(host: Host, h: PanelHost) {
    this.#host = host;
    this.#h = h;
  }

  /** Open (or reopen for another organization): load the members, focus the heading. */
  open(): void {
    adoptSheet(this.#host.shadowRoot!, STYLES);
    this.#members = null;
    this.#confirm = null;
    this.#error = null;
    this.#result = '';
    this.#update();
    const client = this.#h.client();
    const org = this.#h.org();
    if (client && org) void this.#load(client, org.id);
    void this.#host.updateComplete.then(() => this.#focus('[part~="panel-heading"]', true));
  }

  async #load(client: AuthClient, orgId: string): Promise<void> {
    const seq = ++this.#loading;
    try {
      const members = await client.listMembers(orgId);
      if (seq === this.#loading) this.#members = members;
    } catch (err) {
      if (seq !== this.#loading) return;
      this.#error = toError(err);
      this.#h.fail(this.#error, 'list-members');
    }
    this.#update();
  }

  #update(): void {
    this.#host.requestUpdate();
  }

  /** The roles one may give in the active organization: one's own and those below it, in the client's order. */
  #grantable(client: AuthClient): string[] {
    return client.orgRoles.filter((role) => client.hasRole(role));
  }

  render(): TemplateResult {
    const l = this.#h.localize;
    const org = this.#h.org();
    const client = this.#h.client();
    const message = this.#error ? l.errorMessage(this.#error.code) : '';
    const members = this.#members;
    return html`
      <section part="panel" id="panel" aria-labelledby="panel-heading" aria-busy=${this.#busy || !members ? 'true' : 'false'} @keydown=${this.#onKeydown}>
        <div class="head">
          <h3 part="panel-heading" id="panel-heading" tabindex="-1">${l.term('org.members', { org: org?.name ?? '' })}</h3>
          <button part="close-button" type="button" @click=${() => this.#h.close()}>${l.term('org.close')}</button>
        </div>
        ${members && client && org ? this.#table(client, org, members) : nothing}
        ${members && client && org ? this.#addForm(client) : nothing}
        ${org ? this.#leave(org) : nothing}
        <div part="result" role="status">${members || this.#error ? this.#result : l.term('org.loading')}</div>
        <div part="panel-error" role="alert" ?hidden=${!message}>${message}</div>
      </section>
    `;
  }

  #table(client: AuthClient, org: AuthOrg, members: readonly AuthMember[]): TemplateResult {
    const l = this.#h.localize;
    return html`
      <table part="members">
        <thead>
          <tr>
            <th scope="col">${l.term('org.member')}</th>
            <th scope="col">${l.term('org.role')}</th>
            <td></td>
          </tr>
        </thead>
        <tbody>
          ${members.map((member, i) => this.#row(client, org, member, i))}
        </tbody>
      </table>
    `;
  }

  #row(client: AuthClient, org: AuthOrg, member: AuthMember, index: number): TemplateResult {
    const l = this.#h.localize;
    const name = memberName(member);
    const me = member.id === this.#h.user()?.id;
    // A member above one's own role can be neither changed nor removed (the server refuses it too).
    const above = !client.hasRole(member.role);
    const roles = this.#grantable(client);
    if (!roles.includes(member.role)) roles.push(member.role);
    const detail = [member.username, member.email].filter((v) => v && v !== name).join(' · ');
    return html`
      <tr part="member" data-id=${member.id}>
        <th scope="row">
          <span part="member-name">${name}${me ? ` ${l.term('org.you')}` : ''}</span>
          ${detail ? html`<span part="member-detail">${detail}</span>` : nothing}
        </th>
        <td>
          ${above
            ? html`<span part="role">${this.#h.roleLabel(member.role)}</span>`
            : html`<select
                part="role-select"
                aria-label=${l.term('org.roleOf', { name })}
                ?disabled=${this.#busy}
                @change=${(event: Event) => this.#setRole(member, (event.target as HTMLSelectElement).value)}
              >
                ${roles.map(
                  // live: a refused change puts the member's role back (the user's pick made the option dirty).
                  (role) => html`<option value=${role} .selected=${live(role === member.role)}>${this.#h.roleLabel(role)}</option>`,
                )}
              </select>`}
        </td>
        <td>
          ${this.#confirm === member.id && me && this.#ownRole
            ? this.#confirmation(`confirm-${index}`, l.term('org.ownRoleConfirm', { role: this.#h.roleLabel(this.#ownRole) }), l.term('org.ownRoleSubmit'), () =>
                this.#commitRole(member, this.#ownRole!),
              )
            : this.#confirm === member.id
            ? this.#confirmation(`confirm-${index}`, l.term('org.removeConfirm', { name, org: org.name }), l.term('org.remove'), () => this.#remove(member))
            : above || me
              ? nothing
              : html`<button part="remove-button" type="button" aria-label=${l.term('org.removeOf', { name })} ?disabled=${this.#busy} @click=${() => this.#ask(member.id)}>
                  ${l.term('org.remove')}
                </button>`}
        </td>
      </tr>
    `;
  }

  #confirmation(id: string, question: string, action: string, confirm: () => void): TemplateResult {
    return html`<div part="confirm" role="group" aria-labelledby=${id}>
      <span id=${id}>${question}</span>
      <button part="confirm-button" type="button" ?disabled=${this.#busy} @click=${confirm}>${action}</button>
      <button part="cancel-button" type="button" ?disabled=${this.#busy} @click=${this.#cancel}>${this.#h.localize.term('org.cancel')}</button>
    </div>`;
  }

  #addForm(client: AuthClient): TemplateResult {
    const l = this.#h.localize;
    const roles = this.#grantable(client);
    return html`
      <form part="add-form" @submit=${this.#add}>
        <fieldset>
          <legend>${l.term('org.add')}</legend>
          <label>${l.term('org.login')}<input part="add-input" name="login" autocomplete="off" required /></label>
          <label
            >${l.term('org.role')}
            <select part="add-role" name="role">
              ${roles.map((role, i) => html`<option value=${role} ?selected=${i === roles.length - 1}>${this.#h.roleLabel(role)}</option>`)}
            </select>
          </label>
          <button part="add-button" type="submit" ?disabled=${this.#busy}>${l.term('org.addSubmit')}</button>
        </fieldset>
      </form>
    `;
  }

  #leave(org: AuthOrg): TemplateResult {
    const l = this.#h.localize;
    return html`<div>
      ${this.#confirm === LEAVE
        ? this.#confirmation('confirm-leave', l.term('org.leaveConfirm', { org: org.name }), l.term('org.leave'), () => void this.#leaveOrg())
        : html`<button part="leave-button" type="button" ?disabled=${this.#busy} @click=${() => this.#ask(LEAVE)}>${l.term('org.leave')}</button>`}
    </div>`;
  }

  /** Ask for a confirmation; the focus goes to its Cancel button (a second Enter does no harm). */
  #ask(what: string | typeof LEAVE): void {
    this.#confirm = what;
    this.#error = null;
    this.#update();
    void this.#host.updateComplete.then(() => this.#focus('[part~="cancel-button"]', true));
  }

  /** Back to where the confirmation started: the leave button, a member's remove button, or one's own role. */
  #cancel = (): void => {
    const was = this.#confirm;
    this.#confirm = null;
    this.#ownRole = null; // the select shows one's role again (live binding)
    this.#update();
    const row = `tr[data-id="${CSS.escape(String(was))}"]`;
    const back = was === LEAVE ? ['[part~="leave-button"]'] : [`${row} [part~="remove-button"]`, `${row} [part~="role-select"]`];
    void this.#host.updateComplete.then(() => this.#focus(back, true));
  };

  #onKeydown = (event: KeyboardEvent): void => {
    if (event.key !== 'Escape' || this.#busy) return;
    event.stopPropagation();
    if (this.#confirm !== null) this.#cancel();
    else this.#h.close();
  };

  /** A role chosen in a member's select: at once for others; one's own after a confirmation. */
  #setRole(member: AuthMember, role: string): void {
    if (member.id === this.#h.user()?.id) {
      this.#ownRole = role;
      this.#ask(member.id);
    } else {
      this.#commitRole(member, role);
    }
  }

  #commitRole(member: AuthMember, role: string): void {
    this.#ownRole = null;
    this.#confirm = null; // confirmed (one's own role): a refusal shows with the select, not the question
    const name = memberName(member);
    void this.#run(
      'set-member-role',
      (client, orgId) => client.setMemberRole({ orgId, userId: member.id, role }),
      () => this.#h.localize.term('org.changed', { name, role: this.#h.roleLabel(role) }),
      `tr[data-id="${CSS.escape(member.id)}"] [part~="role-select"]`,
    ).then((ok) => {
      // One's own role went down: new tokens carry it (best effort; the server already enforces it).
      const client = this.#h.client();
      if (ok && member.id === this.#h.user()?.id && client?.backend.refresh) void client.refresh().catch(() => undefined);
    });
  }

  #remove(member: AuthMember): void {
    const name = memberName(member);
    void this.#run(
      'remove-member',
      (client, orgId) => client.removeMember({ orgId, userId: member.id }),
      () => this.#h.localize.term('org.removed', { name }),
      '[part~="panel-heading"]',
    );
  }

  #add = (event: SubmitEvent): void => {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const login = (form.elements.namedItem('login') as HTMLInputElement).value.trim();
    const role = (form.elements.namedItem('role') as HTMLSelectElement).value;
    if (!login) {
      this.#error = new AuthError('invalid_input', 'A username or email is needed.');
      this.#update();
      return;
    }
    void this.#run(
      'add-member',
      (client, orgId) => client.addMember({ orgId, login, role }),
      () => {
        form.reset();
        return this.#h.localize.term('org.added', { name: login, role: this.#h.roleLabel(role) });
      },
      '[part~="add-input"]',
    );
  };

  async #leaveOrg(): Promise<void> {
    const org = this.#h.org();
    const left = await this.#run('leave-org', (client, orgId) => client.leaveOrg(orgId), () => '', '[part~="leave-button"]', false);
    if (left && org) {
      this.#h.close();
      this.#h.announce(this.#h.localize.term('org.left', { org: org.name }));
    }
  }

  /**
   * Run one operation on the active organization: controls disabled meanwhile, then the members
   * listed again (the server's truth), the result announced or the refusal shown, and the focus put
   * back on `focus` if the operation took it away (a disabled or removed control).
   */
  async #run(
    operation: AuthOperation,
    action: (client: AuthClient, orgId: string) => Promise<unknown>,
    done: () => string,
    focus: string,
    reload = true,
  ): Promise<boolean> {
    const client = this.#h.client();
    const org = this.#h.org();
    if (!client || !org || this.#busy) return false;
    this.#busy = true;
    this.#error = null;
    this.#result = '';
    this.#update();
    let ok = false;
    try {
      await action(client, org.id);
      ok = true;
      this.#result = done();
      this.#confirm = null;
      if (reload) await this.#load(client, org.id);
    } catch (err) {
      this.#error = toError(err);
      this.#h.fail(this.#error, operation);
    }
    this.#busy = false;
    this.#update();
    await this.#host.updateComplete;
    if (!ok && this.#confirm !== null) focus = '[part~="cancel-button"]';
    this.#focus(focus, false);
    return ok;
  }

  /** Focus the first of `selectors` found in the panel; unless `always`, only when the focus was lost meanwhile. */
  #focus(selectors: string | string[], always: boolean): void {
    const root = this.#host.shadowRoot;
    const inner = root?.activeElement as (HTMLElement & { disabled?: boolean }) | null | undefined;
    const active = document.activeElement;
    const lost = !active || active === document.body || (active === this.#host && (!inner || inner.disabled));
    if (!always && !lost) return;
    for (const selector of [selectors].flat()) {
      const target = root?.querySelector<HTMLElement>(selector);
      if (target) return target.focus();
    }
  }
}

function memberName(member: AuthMember): string {
  return member.name || member.username || member.email || member.id;
}

function toError(err: unknown): AuthError {
  return err instanceof AuthError ? err : new AuthError('network_error', 'Something went wrong.', { cause: err });
}
