import { ContextConsumer } from '@lit/context';
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { AuthClient, AuthState } from '../core/index.js';
import { UNKNOWN_STATE } from '../core/state.js';
import { authClientContext } from './context.js';
import { warnOnce } from './warn.js';

export interface AuthControllerOptions {
  /** Called when the state changed, before the host re-renders. */
  onChange?: (state: AuthState, previous: AuthState) => void;
}

/**
 * How an element reads the shared AuthClient: consumes it from the closest `<auth-provider>`
 * (context, subscribed, so a replaced client is followed), subscribes to its state while the host is
 * connected, and re-renders the host on every change. Without a provider, `state` stays `unknown`
 * and one console warning per element name tells the integrator why.
 */
export class AuthController implements ReactiveController {
  /** The client from the closest provider, or undefined while there is none. */
  client: AuthClient | undefined;
  /** The last state seen; `unknown` until a client is provided. */
  state: AuthState;

  readonly #host: ReactiveControllerHost & HTMLElement;
  readonly #options: AuthControllerOptions;
  readonly #consumer: ContextConsumer<typeof authClientContext, ReactiveControllerHost & HTMLElement>;
  #unsubscribe: (() => void) | null = null;
  #connected = false;

  constructor(host: ReactiveControllerHost & HTMLElement, options: AuthControllerOptions = {}) {
    this.#host = host;
    this.#options = options;
    this.client = undefined;
    this.state = UNKNOWN_STATE;
    // Added before the consumer, so hostConnected below runs before the context request is answered.
    host.addController(this);
    this.#consumer = new ContextConsumer(host, {
      context: authClientContext,
      subscribe: true,
      callback: (client) => this.#setClient(client),
    });
  }

  hostConnected(): void {
    this.#connected = true;
    if (this.client) this.#listen(this.client);
    else {
      document.addEventListener('context-provider', this.#onProvider);
      // Providers answer synchronously, or within a microtask when they build their client;
      // a frame later, no client means no provider.
      queueMicrotask(() =>
        requestAnimationFrame(() => {
          if (this.#connected && !this.client) {
            const name = this.#host.localName;
            warnOnce(`no-provider:${name}`, `${name}: no <auth-provider> above this element; it stays in the "unknown" state.`);
          }
        }),
      );
    }
  }

  hostDisconnected(): void {
    this.#connected = false;
    document.removeEventListener('context-provider', this.#onProvider);
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    // The consumer asks again on reconnection; the element may have moved under another provider.
    this.client = undefined;
    this.state = UNKNOWN_STATE;
  }

  #setClient(client: AuthClient | undefined): void {
    if (client === this.client) return;
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    this.client = client;
    if (client) {
      document.removeEventListener('context-provider', this.#onProvider);
      if (this.#connected) this.#listen(client);
    } else {
      this.#apply(UNKNOWN_STATE);
    }
  }

  #listen(client: AuthClient): void {
    if (this.#unsubscribe) return;
    this.#unsubscribe = client.subscribe((state) => this.#apply(state));
    this.#apply(client.state);
  }

  #apply(state: AuthState): void {
    if (state === this.state) return;
    const previous = this.state;
    this.state = state;
    this.#options.onChange?.(state, previous);
    this.#host.requestUpdate();
  }

  /** A provider connected after this element (its definition loaded late): ask again. */
  readonly #onProvider = (event: Event): void => {
    if ((event as Event & { context?: unknown }).context === authClientContext && !this.client) {
      this.#consumer.hostConnected();
    }
  };
}
