import type {
  AuthBackend,
  ChangePasswordInput,
  LoginInput,
  OperationContext,
  RegisterInput,
  RegistrationDone,
  RegistrationPending,
  Session,
  UpdateDetailsInput,
} from '../core/backend.js';
import { AuthError, throwIfAborted, type AuthErrorCode } from '../core/errors.js';
import type { JsonResponse } from '../core/http.js';
import { reasonOf } from '../core/reason.js';
import { makeUser } from '../core/state.js';
import type { RenderArgs, ReplyArg, ReplyError, SessionArg } from './protocol.js';
import { randomId, type HostTabs } from './tabs.js';

/** The operations Python answers (PROTOCOL.md, "Iframe -> Python"). */
export type HostOp =
  | 'login'
  | 'logout'
  | 'register'
  | 'verify_registration'
  | 'change_password'
  | 'request_password_reset'
  | 'reset_password'
  | 'request_username_reminder'
  | 'update_details'
  | 'redeem';

/** The component value: one request (or an `ack` / `sync`, which get no reply). */
export interface HostRequest {
  readonly v: 1;
  readonly id: string;
  readonly op: HostOp | 'ack' | 'sync';
  readonly input: Readonly<Record<string, string>>;
}

export interface HostBackendOptions {
  /** Set the component value (Streamlit reruns the script once). */
  send(value: HostRequest): void;
  /** The app's origin: ASGI routes are posted there and nowhere else. */
  origin: string;
  /** Default: the page's `fetch`, looked up at each call. */
  fetch?: typeof fetch;
  /** How long to wait for Python's reply (or a route's answer). Default 120 s. */
  timeoutMs?: number;
  /** News between tabs; null for none. */
  tabs?: HostTabs | null;
}

interface Answer {
  readonly result: Readonly<Record<string, unknown>>;
  readonly session: SessionArg | null;
}

interface Pending {
  readonly id: string;
  settle(reply: ReplyArg, args: RenderArgs): void;
}

/** What a successful answer tells the client: the session it brings, that it ended, or nothing. */
type Delivers = 'session' | 'signout' | null;

const CODE = /^[a-z][a-z0-9_]{0,63}$/;

/**
 * The HTTP exchange with the package's routes (core/http.ts), used in ASGI mode only: loaded on demand,
 * from the first render that names a route, so it is there before the first request (a page without
 * ASGI mode never loads it).
 */
let http: Promise<typeof import('../core/http.js')> | null = null;
const loadHttp = () => (http ??= import('../core/http.js'));

/** Who is signed in, as a key: the user as Python describes them (null: nobody). */
const keyOf = (session: SessionArg | null): string | null => (session ? JSON.stringify(session.user) : null);

/**
 * What the client sees of Python's session. `expiresAt` stays null on purpose: Python decides when
 * the session ends (a browser clock that is off must not sign the widgets out while the app's
 * content stays), and a render tells the client when it did.
 */
function toSession(session: SessionArg | null): Session | null {
  if (!session) return null;
  const { id, username, name, email, roles } = session.user;
  return {
    user: makeUser({ id, username: username ?? undefined, name: name ?? undefined, email: email ?? undefined, roles: roles ?? [] }),
    org: null,
    expiresAt: null,
    refreshable: false,
  };
}

function replyError(error: ReplyError): AuthError {
  const options: ConstructorParameters<typeof AuthError>[2] = { error: error.code, ...reasonOf(error) };
  if (typeof error.description === 'string') options.description = error.description.slice(0, 500);
  if (typeof error.retry_after === 'number' && error.retry_after > 0) options.retryAfter = error.retry_after;
  // Codes the kit does not know yet show the generic message; a code that is not a code at all is Python's bug.
  const code = (CODE.test(error.code) ? error.code : 'invalid_response') as AuthErrorCode;
  return new AuthError(code, typeof error.message === 'string' && error.message ? error.message : 'The request was refused.', options);
}

/** The code for a route's refusal: the route's own `error` (a kit code), else from the status. */
function routeCode(op: HostOp, response: JsonResponse): AuthErrorCode {
  const error = response.body?.error;
  if (error === 'invalid_token') return op === 'reset_password' ? 'reset_token_invalid' : 'session_expired';
  if (error === 'invalid_request' || error === 'invalid_json') return 'invalid_input';
  if (typeof error === 'string' && CODE.test(error)) return error as AuthErrorCode;
  if (response.status === 401) return op === 'login' ? 'invalid_credentials' : 'session_expired';
  return response.status === 400 ? 'invalid_input' : 'request_rejected';
}

/**
 * The Streamlit host backend: every operation is a request to Python, sent as the component value
 * (`{v: 1, id, op, input}`), and answered on a later render (`args.reply` with the same id). Python
 * decides who is signed in; `args.session` of each render says whom, and `watch` reports the changes
 * Python makes by itself (a logout from another widget, another tab, an expired session).
 *
 * - One request at a time: a request waits for the previous one's reply.
 * - A reply that does not carry the id we wait for (an older request's, sent again on a rerun) is ignored.
 * - No reply within `timeoutMs` (120 s): `timeout`.
 * - A request that carried a password is followed by an `ack` as soon as it is answered (or given up),
 *   which replaces it in Streamlit's widget state: the password does not stay there. A successful
 *   login is the exception: Python stops rendering the login widget, which drops its state without
 *   another rerun; should Python render it again anyway, the next render brings the `ack`.
 * - ASGI mode (`args.route`): requests with a password go to `<route>/<op>` on the app's origin with
 *   `fetch` (JSON, same-origin credentials), never through widget state; the route answers a
 *   one-time code, which the `redeem` request hands to Python; its reply is the operation's. A
 *   logout posts `<route>/logout` (which clears the HttpOnly cookie) before telling Python.
 * - After a login or logout of its own, it tells the other tabs (HostTabs); news from another tab
 *   that differs from this iframe's session makes it send a `sync`.
 */
export class HostBackend implements AuthBackend {
  readonly kind = 'host';
  readonly #send: (value: HostRequest) => void;
  readonly #origin: string;
  readonly #fetch: typeof fetch;
  readonly #timeoutMs: number;
  readonly #tabs: HostTabs | null;
  readonly #watchers = new Set<(session: Session | null) => void>();
  /** The last render's args. */
  #args: RenderArgs | null = null;
  readonly #rendered: Promise<void>;
  #onFirstRender!: () => void;
  #pending: Pending | null = null;
  #queue: Promise<unknown> = Promise.resolve();
  /** The session the client was last told of (undefined until restore). */
  #known: string | null | undefined = undefined;
  /** Successful logins whose widget Python still renders: their password is dropped at the next render. */
  readonly #loggedIn = new Set<string>();

  constructor(options: HostBackendOptions) {
    this.#send = options.send;
    this.#origin = options.origin;
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
    this.#timeoutMs = options.timeoutMs ?? 120_000;
    this.#tabs = options.tabs ?? null;
    this.#rendered = new Promise((resolve) => (this.#onFirstRender = resolve));
    this.#tabs?.listen(
      (user) => user !== (this.#args?.session?.user.id ?? null),
      () => void this.#serial(async () => this.#post('sync', {})),
    );
  }

  /** Feed each well-formed render's args: settles the request it answers and reports session changes. */
  render(args: RenderArgs): void {
    this.#args = args;
    if (args.route) void loadHttp().catch(() => (http = null)); // tried again at the request
    this.#onFirstRender();
    const reply = args.reply;
    const pending = this.#pending;
    if (reply && pending && reply.id === pending.id) pending.settle(reply, args);
    else if (reply && this.#loggedIn.delete(reply.id)) this.#post('ack', { of: reply.id });
    const key = keyOf(args.session);
    if (this.#known === undefined || key === this.#known) return;
    this.#known = key;
    const session = toSession(args.session);
    for (const fn of [...this.#watchers]) fn(session);
  }

  async restore(ctx: OperationContext): Promise<Session | null> {
    await this.#rendered;
    throwIfAborted(ctx.signal);
    const session = this.#args!.session;
    this.#known = keyOf(session);
    return toSession(session);
  }

  watch(listener: (session: Session | null) => void): () => void {
    this.#watchers.add(listener);
    return () => this.#watchers.delete(listener);
  }

  async login(input: LoginInput, ctx: OperationContext): Promise<Session> {
    const answer = await this.#request('login', { username: input.username ?? '', password: input.password ?? '' }, ctx, true, 'session');
    const session = this.#signedIn(answer);
    this.#tabs?.announce(session.user.id);
    return session;
  }

  /**
   * ASGI mode: the route clears the HttpOnly cookie (no script can) and revokes its session first;
   * Python is told either way (it revokes the session too), so a failed post still signs out.
   */
  async logout(ctx: OperationContext): Promise<void> {
    await this.#request('logout', {}, ctx, false, 'signout');
    this.#tabs?.announce(null);
  }

  /** Python holds the session: nothing to forget here. The next render says who is signed in. */
  forget(): void {
    this.#known = null;
  }

  async register(input: RegisterInput, ctx: OperationContext): Promise<RegistrationPending | null> {
    const { name, email, username, password } = input;
    const { result } = await this.#request('register', { name, email, username, password }, ctx, true);
    return result.verification_sent === true ? { kind: 'verify' } : null;
  }

  async verifyRegistration(input: { token: string }, ctx: OperationContext): Promise<RegistrationDone> {
    const { result } = await this.#request('verify_registration', { token: input.token }, ctx, false);
    return { username: typeof result.username === 'string' ? result.username : null, session: null };
  }

  async changePassword(input: ChangePasswordInput, ctx: OperationContext): Promise<void> {
    await this.#request('change_password', { current_password: input.currentPassword, new_password: input.newPassword }, ctx, true);
  }

  async requestPasswordReset(input: { login: string }, ctx: OperationContext): Promise<void> {
    await this.#request('request_password_reset', { login: input.login }, ctx, false);
  }

  async resetPassword(input: { token: string; password: string }, ctx: OperationContext): Promise<void> {
    await this.#request('reset_password', { token: input.token, password: input.password }, ctx, true);
  }

  async requestUsernameReminder(input: { email: string }, ctx: OperationContext): Promise<void> {
    await this.#request('request_username_reminder', { email: input.email }, ctx, false);
  }

  async updateDetails(input: UpdateDetailsInput, ctx: OperationContext): Promise<Session> {
    const body: Record<string, string> = {};
    if (input.name !== undefined) body.name = input.name;
    if (input.email !== undefined) body.email = input.email;
    if (input.currentPassword !== undefined) body.current_password = input.currentPassword;
    return this.#signedIn(await this.#request('update_details', body, ctx, input.currentPassword !== undefined, 'session'));
  }

  // ---------------------------------------------------------------------------------------------

  /** The session an answer brought. */
  #signedIn(answer: Answer): Session {
    const session = toSession(answer.session);
    if (!session) throw new AuthError('invalid_response', 'Python answered without a session.');
    return session;
  }

  /**
   * One operation, after the previous one. `secret`: its input holds a password. `delivers`: the
   * operation itself tells the client of the session its answer brings (or that it ended), so the
   * render that answers does not report it through `watch` as well.
   */
  #request(op: HostOp, input: Record<string, string>, ctx: OperationContext, secret: boolean, delivers: Delivers = null): Promise<Answer> {
    return this.#serial(async () => {
      throwIfAborted(ctx.signal);
      const route = this.#args?.route;
      if (route && secret) {
        const code = await this.#postRoute(route, op, input, ctx);
        return this.#ask('redeem', { code }, ctx, false, delivers);
      }
      if (route && op === 'logout') await this.#postRoute(route, op, input, ctx).catch(() => undefined);
      return this.#ask(op, input, ctx, secret, delivers);
    });
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** Send a request as the component value and wait for the render that answers it. */
  #ask(op: HostOp, input: Record<string, string>, ctx: OperationContext, secret: boolean, delivers: Delivers): Promise<Answer> {
    return new Promise<Answer>((resolve, reject) => {
      const id = randomId();
      const end = (): void => {
        clearTimeout(timer);
        ctx.signal.removeEventListener('abort', onAbort);
        if (this.#pending?.id === id) this.#pending = null;
      };
      // Given up: drop the password from widget state too.
      const fail = (error: AuthError): void => {
        end();
        if (secret) this.#post('ack', { of: id });
        reject(error);
      };
      const onAbort = (): void => fail(new AuthError('aborted', 'The operation was cancelled.'));
      const timer = setTimeout(() => fail(new AuthError('timeout', 'The app did not answer in time.')), this.#timeoutMs);
      ctx.signal.addEventListener('abort', onAbort, { once: true });
      this.#pending = {
        id,
        settle: (reply, args) => {
          end();
          if (reply.ok && delivers) this.#known = delivers === 'session' ? keyOf(args.session) : null;
          if (secret && reply.ok && op === 'login') this.#loggedIn.add(id);
          else if (secret) this.#post('ack', { of: id });
          if (reply.ok) resolve({ result: reply.result, session: args.session });
          else reject(replyError(reply.error));
        },
      };
      this.#send({ v: 1, id, op, input });
    });
  }

  /** ASGI mode: the credentials go to the package's route; resolves the one-time code it answers (logout: none). */
  async #postRoute(route: string, op: HostOp, input: Record<string, string>, ctx: OperationContext): Promise<string> {
    const url = new URL(`${route.replace(/\/+$/, '')}/${op}`, this.#origin);
    if (url.origin !== this.#origin) throw new AuthError('invalid_response', 'The route is not on the app origin.');
    const { errorFromResponse, requestJson } = await loadHttp().catch((err: unknown) => {
      http = null;
      throw new AuthError('network_error', 'The server could not be reached.', { cause: err });
    });
    const response = await requestJson(this.#fetch, url.href, {
      method: 'POST',
      body: input,
      format: 'json',
      credentials: 'same-origin',
      signal: ctx.signal,
      timeoutMs: this.#timeoutMs,
    });
    if (response.status >= 200 && response.status < 300) {
      if (op === 'logout') return '';
      const code = response.body?.code;
      if (typeof code === 'string' && code) return code;
      throw new AuthError('invalid_response', 'The route answered without a code.', { status: response.status });
    }
    throw errorFromResponse(response, routeCode(op, response), 'The request was refused.');
  }

  #post(op: 'ack' | 'sync', input: Record<string, string>): void {
    this.#send({ v: 1, id: randomId(), op, input });
  }
}
