// Honest errors across origins, in Chromium against the real reference server: a page on another
// origin than the API (a second loopback server on another port) whose requests the browser blocks
// for lack of CORS headers gets a console warning naming the cause and the fix, while the user sees
// the network message; with the page's origin in AUTH_CORS_ORIGINS the same page works, no warning.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join, normalize } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { freePort, startDemo, type Demo } from './harness.js';

const dist = new URL('../../dist/', import.meta.url).pathname;

/** The page's own server: an HTML page and the built bundle, nothing else (no API). */
async function pageServer(port: number, apiOrigin: string): Promise<Server> {
  const page = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>other origin</title>
<script type="module" src="/auth-elements.js"></script></head>
<body><auth-provider base-url="${apiOrigin}/api/auth"><auth-login></auth-login></auth-provider></body></html>`;
  const server = createServer((req, res) => {
    const path = normalize(new URL(req.url ?? '/', 'http://x').pathname);
    if (path === '/') {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(page);
      return;
    }
    try {
      const body = readFileSync(join(dist, path));
      res.writeHead(200, { 'Content-Type': path.endsWith('.js') ? 'text/javascript' : 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return server;
}

async function visit(demo: Demo, pageOrigin: string) {
  const context = await demo.browser.newContext();
  const page = await context.newPage();
  const warnings: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'warning') warnings.push(message.text());
  });
  await page.goto(pageOrigin);
  await page.locator('auth-login input[name="username"]').waitFor();
  await page.locator('auth-login input[name="username"]').fill('alice');
  await page.locator('auth-login input[name="password"]').fill('not the demo password at all');
  await page.locator('auth-login [part~="submit-button"]').click();
  const alert = page.locator('auth-login [role="alert"]:not([hidden])').first();
  await alert.waitFor();
  const text = (await alert.textContent())?.trim();
  await context.close();
  return { warnings, text };
}

describe('a page on another origin than the API', () => {
  let pagePort: number;
  let pageOrigin: string;
  const servers: Server[] = [];
  const demos: Demo[] = [];

  before(async () => {
    pagePort = await freePort();
    pageOrigin = `http://127.0.0.1:${pagePort}`;
  });

  after(async () => {
    for (const demo of demos) await demo.close();
    for (const server of servers) await new Promise((resolve) => server.close(resolve));
  });

  test('without CORS headers: a console warning with the cause and the fix; the user sees the network message', async () => {
    const demo = await startDemo();
    demos.push(demo);
    servers.push(await pageServer(pagePort, demo.origin));
    const { warnings, text } = await visit(demo, pageOrigin);
    assert.equal(text, 'The server could not be reached. Check your connection and try again.');
    const cors = warnings.filter((w) => w.includes('AUTH_CORS_ORIGINS'));
    assert.equal(cors.length, 1, `one warning per origin, got: ${JSON.stringify(warnings)}`);
    assert.ok(cors[0]!.includes(demo.origin), cors[0]);
    assert.ok(cors[0]!.includes(`Access-Control-Allow-Origin: ${pageOrigin}`), cors[0]);
    assert.ok(cors[0]!.includes(`AUTH_CORS_ORIGINS=${pageOrigin}`), cors[0]);
    await demo.close();
    demos.pop();
  });

  test("with the page's origin in AUTH_CORS_ORIGINS: the request reaches the server, no warning", async () => {
    const demo = await startDemo({ AUTH_CORS_ORIGINS: pageOrigin });
    demos.push(demo);
    for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
    servers.push(await pageServer(pagePort, demo.origin));
    const { warnings, text } = await visit(demo, pageOrigin);
    assert.equal(text, 'Invalid username or password.');
    assert.deepEqual(warnings.filter((w) => w.includes('CORS')), []);
  });
});
