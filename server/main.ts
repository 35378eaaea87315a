/**
 * Entry point: `npx tsx server/main.ts` (or `npm run server`). Reads the environment (see
 * server/README.md), starts the server and prints where to go.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApp } from './app.js';
import { ConfigError, configFromEnv, refreshCookieName, type ServerConfig } from './config.js';
import { DEMO_ACCOUNTS } from './demo.js';
import { redactSmtpUrl } from './mail/smtp.js';
import { describeStore } from './store/open.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
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

  const app = await createApp(config);
  await app.listen();
  const port = (app.server.address() as { port: number }).port;
  const base = `http://localhost:${port}`;
  const lines = [
    `auth-elements reference server listening on ${config.host}:${port}`,
    `  open:        ${base}/`,
    `  script tag:  ${base}/script-tag.html`,
    ...(config.demo ? [`  accounts:    ${base}/account.html   mailbox: ${base}/mailbox.html`] : []),
    `  API:         ${base}/api/auth/login  (JWKS: ${base}/.well-known/jwks.json)`,
    `  database:    ${describeStore(config)}`,
    `  issuer:      ${config.issuer}   audience: ${config.audience}`,
    `  cookie:      ${refreshCookieName(config)}${config.cookieSecure ? '' : '  (NOT Secure: plain-http development only)'}`,
    `  register:    ${config.registration}${config.allowedEmailDomains.length > 0 ? ` (domains: ${config.allowedEmailDomains.join(', ')})` : ''}   password minimum: ${config.passwordMinLength}`,
    `  mail:        ${config.smtpUrl !== null ? redactSmtpUrl(config.smtpUrl) : config.demo ? `development outbox (${base}/mailbox.html)` : 'none: set AUTH_SMTP_URL (reset and username mails are not sent)'}`,
    `  reset links: ${config.appUrl}?reset_token=...`,
  ];
  if (config.demo) {
    lines.push('  demo mode:   these accounts exist (never use demo mode in production):');
    for (const a of DEMO_ACCOUNTS) lines.push(`    ${a.username.padEnd(8)} password: ${a.password}   roles: ${a.roles.join(', ')}`);
  }
  if (!isLoopback(config.host)) lines.push(`  warning: listening on ${config.host}, not only on this machine`);
  console.log(lines.join('\n'));

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping`);
    app.close().then(
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

main().catch((err: unknown) => {
  console.error('auth server failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
