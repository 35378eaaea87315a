/**
 * Entry point: `npx tsx server/main.ts` (or `npm run server`). Reads the environment (see
 * server/README.md), starts the server and prints where to go.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApp, isLoopbackAddress, type App } from './app.js';
import { ConfigError, configFromEnv, refreshCookieName, type ServerConfig } from './config.js';
import { DEMO_ACCOUNTS } from './demo.js';
import { demoOidcBanner, demoOidcPort, startDemoOidc, type DemoOidc } from './demo-oidc.js';
import { mailDelivers } from './mail/index.js';
import { redactSmtpUrl } from './mail/smtp.js';
import { describeStore } from './store/open.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function isLoopback(host: string): boolean {
  return host.toLowerCase() === 'localhost' || isLoopbackAddress(host);
}

/**
 * The loud start-up warning of demo mode listening beyond loopback (HOST=0.0.0.0, a LAN address...):
 * its accounts and passwords are public. Empty when there is nothing to warn about.
 */
export function demoExposureWarning(config: Pick<ServerConfig, 'demo' | 'host'>): string[] {
  if (!config.demo || isLoopback(config.host)) return [];
  const bar = '!'.repeat(78);
  return [
    bar,
    `!! WARNING: DEMO MODE is listening on ${config.host}, reachable from other machines.`,
    '!! Anyone who reaches this server can sign in with the demo accounts (admin included): their',
    '!! passwords are printed above and published in the README.',
    '!! The development outbox (reset links) is refused to remote clients: it answers only to',
    '!! loopback clients using a loopback Host (localhost, 127.0.0.1, [::1]).',
    '!! Use HOST=127.0.0.1 unless every machine on this network is yours.',
    bar,
  ];
}

/**
 * Demo mode: start the OpenID provider for /oidc.html next to the server (server/demo-oidc.ts). A
 * provider that cannot start stops the server too, with the reason (never half a demo silently).
 */
async function startOidcOrStop(app: App, configuredPort: number, port: number): Promise<DemoOidc | null> {
  try {
    const where = demoOidcPort(process.env, configuredPort, port);
    return where === null ? null : await startDemoOidc(where, port, (m) => console.warn(`note: ${m}`));
  } catch (err) {
    console.error(`auth server: the OIDC demo provider could not start: ${err instanceof Error ? err.message : String(err)}`);
    await app.close();
    process.exit(2);
  }
}

async function main(): Promise<void> {
  let config: ServerConfig;
  try {
    config = configFromEnv(process.env, repoRoot);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`auth server: configuration error: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }

  let oidc: DemoOidc | null = null;
  const app = await createApp(config, { demoOidc: () => oidc });
  await app.listen();
  const port = (app.server.address() as { port: number }).port;
  const base = `http://localhost:${port}`;
  if (config.demo) oidc = await startOidcOrStop(app, config.port, port);
  const lines = [
    `auth-elements reference server listening on ${config.host}:${port}`,
    `  open:        ${base}/`,
    `  script tag:  ${base}/script-tag.html`,
    ...(config.demo ? [`  accounts:    ${base}/account.html   mailbox: ${base}/mailbox.html`] : []),
    `  API:         ${base}/api/auth/login  (JWKS: ${base}/.well-known/jwks.json)`,
    `  database:    ${describeStore(config)}`,
    `  issuer:      ${config.issuer}   audience: ${config.audience}`,
    `  cookie:      ${refreshCookieName(config)}${config.cookieSecure ? '' : '  (NOT Secure: plain-http development only)'}`,
    `  register:    ${config.registration}${config.allowedEmailDomains.length > 0 ? ` (domains: ${config.allowedEmailDomains.join(', ')})` : ''}${config.registration === 'closed' ? '' : mailDelivers(config) ? ', confirmed by a mailed link' : ', NOT confirmed by mail (no AUTH_SMTP_URL)'}   password minimum: ${config.passwordMinLength}`,
    `  clients:     ${config.trustProxy.length > 0 ? `X-Forwarded-For believed from ${config.trustProxy.join(', ')}` : 'by socket address (AUTH_TRUST_PROXY unset: X-Forwarded-For ignored)'}`,
    `  mail:        ${config.smtpUrl !== null ? redactSmtpUrl(config.smtpUrl) : config.demo ? `development outbox (${base}/mailbox.html)` : 'none: set AUTH_SMTP_URL (reset and username mails are not sent)'}`,
    `  reset links: ${config.appUrl}?reset_token=...`,
  ];
  if (config.demo) {
    lines.push('  demo mode:   these accounts exist (never use demo mode in production):');
    for (const a of DEMO_ACCOUNTS) lines.push(`    ${a.username.padEnd(8)} password: ${a.password}   roles: ${a.roles.join(', ')}`);
    if (oidc !== null) lines.push(...demoOidcBanner(oidc, base));
  }
  if (!isLoopback(config.host)) lines.push(`  warning: listening on ${config.host}, not only on this machine`);
  console.log(lines.join('\n'));
  const exposure = demoExposureWarning(config);
  if (exposure.length > 0) console.warn(exposure.join('\n'));

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping`);
    Promise.all([app.close(), oidc?.close()]).then(
      () => process.exit(0),
      (err: unknown) => {
        console.error('error while stopping', err);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

/** Run only as the entry point (`tsx server/main.ts`), not when a test imports a function. */
function isEntryPoint(): boolean {
  try {
    return process.argv[1] !== undefined && fs.realpathSync(process.argv[1]) === fs.realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  main().catch((err: unknown) => {
    console.error('auth server failed to start:', err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
