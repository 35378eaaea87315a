/** Static files: content types, CSP and caching headers, and no way out of the roots. */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { StaticRoot } from '../../server/config.js';
import { HTML_CSP } from '../../server/static.js';
import { call, rawRequest, startServer, tempDir, type TestServer } from './helpers.js';

const SECRET = 'TOP-SECRET-CONTENT';

const SOURCE_MAP = '{"version":3,"sources":["src/secret-source.ts"],"mappings":"AAAA"}';

describe('static files', () => {
  let s: TestServer;
  let root: string;
  let staticRoots: StaticRoot[];
  before(async () => {
    root = tempDir('ae-static-');
    const demo = path.join(root, 'demo');
    const dist = path.join(root, 'dist');
    fs.mkdirSync(path.join(demo, 'sub'), { recursive: true });
    fs.mkdirSync(dist, { recursive: true });
    fs.writeFileSync(path.join(demo, 'index.html'), '<!doctype html><title>demo</title>');
    fs.writeFileSync(path.join(demo, 'script-tag.html'), '<!doctype html><script type="module" src="/dist/auth-elements.js"></script>');
    fs.writeFileSync(path.join(demo, 'sub', 'index.html'), '<!doctype html><title>sub</title>');
    fs.writeFileSync(path.join(demo, '.env'), SECRET);
    fs.writeFileSync(path.join(dist, 'auth-elements.js'), 'export {};');
    for (const ext of ['mjs', 'css', 'json', 'map', 'svg', 'png', 'ico', 'bin']) fs.writeFileSync(path.join(dist, `f.${ext}`), 'x');
    fs.writeFileSync(path.join(root, 'package.json'), SECRET);
    fs.writeFileSync(path.join(root, 'secret.txt'), SECRET);
    fs.symlinkSync(path.join(root, 'secret.txt'), path.join(dist, 'link.txt'));
    fs.writeFileSync(path.join(dist, 'auth-elements.js.map'), SOURCE_MAP);
    fs.symlinkSync(path.join(dist, 'auth-elements.js.map'), path.join(dist, 'map-alias.json'));
    staticRoots = [
      { urlPrefix: '/dist/', dir: dist },
      { urlPrefix: '/', dir: demo },
    ];
    s = await startServer({ config: { staticRoots } });
  });
  after(async () => {
    await s.close();
    fs.rmSync(root, { recursive: true, force: true });
    assert.deepEqual(s.logger.errors, []);
  });

  test('source maps are not served outside demo mode (404 like a missing file), also through a symlink', async () => {
    for (const p of ['/dist/auth-elements.js.map', '/dist/f.map', '/dist/F.MAP', '/dist/map-alias.json', '/dist/nope.js.map']) {
      for (const method of ['GET', 'HEAD']) {
        const r = await call(s, method, p);
        assert.equal(r.status, 404, `${method} ${p}`);
        assert.ok(typeof r.body !== 'string' || !r.body.includes('mappings'), `${method} ${p} leaked the map`);
      }
    }
    assert.equal((await call(s, 'GET', '/dist/auth-elements.js')).status, 200, 'the script itself is served');
  });

  test('demo mode serves source maps (application/json)', async () => {
    const demoServer = await startServer({ config: { staticRoots, demo: true } });
    try {
      const r = await call(demoServer, 'GET', '/dist/auth-elements.js.map');
      assert.equal(r.status, 200);
      assert.equal(r.res.headers.get('content-type'), 'application/json; charset=utf-8');
      assert.deepEqual(r.body, JSON.parse(SOURCE_MAP));
      assert.equal((await call(demoServer, 'GET', '/dist/f.map')).status, 200);
    } finally {
      await demoServer.close();
    }
  });

  test('GET / serves demo/index.html with CSP, no-cache and nosniff', async () => {
    const r = await call(s, 'GET', '/');
    assert.equal(r.status, 200);
    assert.equal(r.body, '<!doctype html><title>demo</title>');
    assert.equal(r.res.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.equal(r.res.headers.get('content-security-policy'), HTML_CSP);
    assert.equal(r.res.headers.get('cache-control'), 'no-cache');
    assert.equal(r.res.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(r.res.headers.get('referrer-policy'), 'no-referrer');
  });

  test('the CSP allows same-origin module scripts and inline styles only', () => {
    assert.match(HTML_CSP, /script-src 'self'(;|$)/);
    assert.match(HTML_CSP, /style-src 'self' 'unsafe-inline'/);
    assert.match(HTML_CSP, /frame-ancestors 'none'/);
    assert.match(HTML_CSP, /base-uri 'none'/);
    assert.doesNotMatch(HTML_CSP, /unsafe-eval/);
  });

  test('GET /script-tag.html and /dist/auth-elements.js', async () => {
    const page = await call(s, 'GET', '/script-tag.html');
    assert.equal(page.status, 200);
    const js = await call(s, 'GET', '/dist/auth-elements.js');
    assert.equal(js.status, 200);
    assert.equal(js.res.headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.equal(js.res.headers.get('content-security-policy'), null);
    assert.equal(js.res.headers.get('x-content-type-options'), 'nosniff');
  });

  test('content types by extension', async () => {
    const expected: Record<string, string> = {
      mjs: 'text/javascript; charset=utf-8',
      css: 'text/css; charset=utf-8',
      json: 'application/json; charset=utf-8',
      svg: 'image/svg+xml',
      png: 'image/png',
      ico: 'image/x-icon',
      bin: 'application/octet-stream',
    };
    for (const [ext, type] of Object.entries(expected)) {
      const r = await call(s, 'GET', `/dist/f.${ext}`);
      assert.equal(r.status, 200, ext);
      assert.equal(r.res.headers.get('content-type'), type, ext);
    }
  });

  test('HEAD gives headers without a body; ETag revalidation gives 304', async () => {
    const head = await call(s, 'HEAD', '/dist/auth-elements.js');
    assert.equal(head.status, 200);
    assert.equal(head.body, null);
    const etag = head.res.headers.get('etag') ?? '';
    assert.ok(etag !== '');
    const again = await call(s, 'GET', '/dist/auth-elements.js', { headers: { 'if-none-match': etag } });
    assert.equal(again.status, 304);
  });

  test('a directory without its slash redirects; with it, its index.html is served', async () => {
    const r = await rawRequest(s, { path: '/sub' });
    assert.equal(r.status, 308);
    assert.equal(r.headers.location, '/sub/');
    const d = await rawRequest(s, { path: '/dist' });
    assert.equal(d.status, 308);
    assert.equal(d.headers.location, '/dist/');
    assert.equal((await call(s, 'GET', '/sub/')).body, '<!doctype html><title>sub</title>');
  });

  test('missing file -> 404 JSON', async () => {
    const r = await call(s, 'GET', '/dist/nope.js');
    assert.equal(r.status, 404);
    assert.equal(r.body.error, 'not_found');
  });

  test('path traversal attempts (raw paths) -> 400/404 and never the file', async () => {
    const attempts = [
      '/dist/../package.json',
      '/dist/../secret.txt',
      '/../secret.txt',
      '/dist/%2e%2e/package.json',
      '/dist/%2E%2E/secret.txt',
      '/%2e%2e/secret.txt',
      '/dist/..%2fpackage.json',
      '/dist/%2e%2e%2fpackage.json',
      '/dist/..%2Fsecret.txt',
      '/dist/..%5csecret.txt',
      '/dist/..\\secret.txt',
      '/dist/%252e%252e/secret.txt',
      '/dist/./auth-elements.js/../../secret.txt',
      '/dist//secret.txt',
      '/dist/auth-elements.js%00.html',
      '/.env',
      '/%2eenv',
      '/dist/link.txt',
      '/dist/%',
    ];
    for (const p of attempts) {
      const r = await rawRequest(s, { path: p });
      assert.ok(r.status === 400 || r.status === 404, `${p} -> ${r.status}`);
      assert.ok(!r.body.includes(SECRET), `${p} leaked the file`);
      assert.equal(JSON.parse(r.body).error.length > 0, true);
    }
  });

  test('fetch-normalized traversal (/dist/../package.json) does not reach the repo root', async () => {
    const r = await call(s, 'GET', '/dist/../package.json');
    assert.equal(r.status, 404);
  });

  test('POST to a static path -> 405 with Allow: GET, HEAD', async () => {
    const r = await call(s, 'POST', '/index.html', { body: 'x' });
    assert.equal(r.status, 405);
    assert.equal(r.res.headers.get('allow'), 'GET, HEAD');
  });
});
