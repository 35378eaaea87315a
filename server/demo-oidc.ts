/**
 * Demo mode's OpenID provider: `npm run demo` starts, next to the reference server, a real OpenID
 * provider (panva's oidc-provider, configured in test/oidc/provider.ts, the one the OIDC tests use)
 * for the demo's OIDC page (/oidc.html). Loopback only; it stops with the demo.
 *
 * Where it listens, and why: on 127.0.0.1 and, by default, the port after the demo's (PORT+1;
 * AUTH_DEMO_OIDC_PORT overrides it, `off` starts none), with the issuer `http://localhost:<port>`.
 * The page is served at `http://localhost:<PORT>`: the same host name, so the two are SAME-SITE (a
 * port separates origins, not sites). That is what lets a reload restore the OIDC session: the
 * backend re-authorizes silently in a hidden iframe, and the provider's session cookie
 * (SameSite=Lax) is only sent to a same-site frame. The price is one cookie jar (cookies do not
 * separate ports either): the provider receives the server's `ae_refresh` cookie and the server the
 * provider's `_session`/`_interaction` cookies. Their names do not collide, neither side reads the
 * other's, and both run in this one process on this machine; a real deployment has the provider on
 * its own host name.
 *
 * oidc-provider is a development dependency: it is imported here only in demo mode, and a demo
 * without it (installed with --omit=dev) runs without the OIDC page.
 */
import type { TestProvider } from '../test/oidc/provider.js';

/** The public client the demo page uses (no secret: a public client with PKCE). */
export const DEMO_OIDC_CLIENT_ID = 'auth-elements-demo';

/** The demo page that signs in with the provider, and is its redirect and post-logout URI. */
export const DEMO_OIDC_PAGE = '/oidc.html';

/** What the server needs from the running demo provider. */
export interface DemoOidc {
  /** The issuer, e.g. `http://localhost:8788`. */
  readonly issuer: string;
  readonly clientId: string;
  /** The provider's demo user (printed at start-up and shown on the page, like the demo accounts). */
  readonly username: string;
  readonly password: string;
  close(): Promise<void>;
}

/** Where to start the provider: a port (0: any free one), or null for none. */
export type DemoOidcPort = { readonly port: number; readonly explicit: boolean } | null;

/**
 * The provider's port from AUTH_DEMO_OIDC_PORT (`off` or a port 0-65535), else the one after the
 * demo's (any free port when the demo's own was left to the system, PORT=0, as tests do). Throws on
 * anything else.
 */
export function demoOidcPort(env: Readonly<Record<string, string | undefined>>, configuredPort: number, listeningPort: number): DemoOidcPort {
  const raw = env.AUTH_DEMO_OIDC_PORT?.trim();
  if (raw === undefined || raw === '') {
    return { port: configuredPort === 0 || listeningPort >= 65535 ? 0 : listeningPort + 1, explicit: false };
  }
  if (raw.toLowerCase() === 'off') return null;
  if (!/^\d{1,5}$/.test(raw) || Number(raw) > 65535) {
    throw new Error(`AUTH_DEMO_OIDC_PORT must be a port (0-65535) or "off", not ${JSON.stringify(raw)}`);
  }
  return { port: Number(raw), explicit: true };
}

/** The URIs of the demo page the provider may send the browser back to (both loopback spellings). */
export function demoRedirectUris(demoPort: number): string[] {
  return ['localhost', '127.0.0.1'].map((host) => `http://${host}:${demoPort}${DEMO_OIDC_PAGE}`);
}

const isAddressInUse = (err: unknown): boolean => (err as { code?: unknown }).code === 'EADDRINUSE';

/**
 * Start the provider for a demo listening on `demoPort`. When the default port is taken, another
 * free one is used (the page learns the issuer from the server, so any port works); an explicit
 * AUTH_DEMO_OIDC_PORT that is taken is an error. Resolves null, with a note, when oidc-provider is
 * not installed.
 */
export async function startDemoOidc(where: NonNullable<DemoOidcPort>, demoPort: number, note: (m: string) => void): Promise<DemoOidc | null> {
  let start: typeof import('../test/oidc/provider.js').startTestProvider;
  try {
    ({ startTestProvider: start } = await import('../test/oidc/provider.js'));
  } catch (err) {
    note(`the OIDC demo provider is not started: oidc-provider could not be loaded (a development dependency: npm install): ${(err as Error).message}`);
    return null;
  }
  const options = {
    clientId: DEMO_OIDC_CLIENT_ID,
    redirectUris: demoRedirectUris(demoPort),
    postLogoutRedirectUris: demoRedirectUris(demoPort),
    issuerHost: 'localhost' as const,
  };
  let provider: TestProvider;
  try {
    provider = await start({ ...options, port: where.port });
  } catch (err) {
    if (where.explicit || !isAddressInUse(err)) throw err;
    note(`port ${where.port} is taken: the OIDC demo provider listens on another free port (set AUTH_DEMO_OIDC_PORT to choose)`);
    provider = await start({ ...options, port: 0 });
  }
  return {
    issuer: provider.issuer,
    clientId: provider.clientId,
    username: provider.account.username,
    password: provider.account.password,
    close: () => provider.close(),
  };
}

/** The start-up banner's lines about the provider, in the style of server/main.ts. */
export function demoOidcBanner(oidc: DemoOidc, base: string): string[] {
  return [
    `  OIDC provider: ${oidc.issuer}   (oidc-provider on 127.0.0.1, client ${oidc.clientId})   page: ${base}${DEMO_OIDC_PAGE}`,
    `    ${oidc.username.padEnd(8)} password: ${oidc.password}   (the OIDC provider's demo user)`,
  ];
}
