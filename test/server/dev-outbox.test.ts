/**
 * Issue 6 item 17: the development outbox (demo mode) holds reset links for every account, `admin`
 * included. It is served only to a loopback client (socket address AND the client address the
 * server settled on) that names the server by a loopback Host (localhost, 127.0.0.1, [::1]; any
 * port); to anyone else it is a 404 exactly like an unknown route — also for other methods.
 *
 * The server listens on 127.0.0.1 only. A non-loopback client is real: the request leaves from this
 * machine's own non-loopback address (bound as the source address) to 127.0.0.1.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import type { IncomingMessage } from 'node:http';
import { addressGroup, isLocalDevRequest, isLoopbackAddress } from '../../server/app.js';
import { demoExposureWarning } from '../../server/main.js';
import { call, rawRequest, startServer, type TestServer } from './helpers.js';

/** The first non-internal IPv4 address of this machine (the source of a "remote" client). */
function externalIPv4(): string {
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  throw new Error('this machine has no non-loopback IPv4 address to send a non-loopback request from');
}

/** GET `path` from source address `localAddress` with the given Host header (or none). */
function requestFrom(
  s: TestServer,
  localAddress: string,
  path: string,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<{ status: number; body: string }> {
  const u = new URL(s.url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: u.hostname, port: u.port, path, method, localAddress, headers, agent: false, setHost: headers['host'] === undefined ? false : true },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('development outbox: loopback clients with a loopback Host only (issue 6 item 17)', () => {
  let s: TestServer;
  let port: string;
  let unknownRoute: { status: number; body: string };
  before(async () => {
    s = await startServer({ config: { demo: true } });
    port = new URL(s.url).port;
    await s.app.store.addOutboxMessage({ to: 'admin@example.com', subject: 'Reset your password', text: 'reset_token=secret' }, s.clock.now());
    unknownRoute = await rawRequest(s, { path: '/api/dev/no-such-route', headers: { host: `localhost:${port}` } });
  });
  after(async () => {
    await s.close();
    assert.deepEqual(s.logger.errors, []);
  });

  const assertHidden = (r: { status: number; body: string }, what: string): void => {
    assert.equal(r.status, 404, `${what} -> ${r.status}`);
    assert.equal(r.body, unknownRoute.body, `${what}: the same answer as an unknown route`);
    assert.ok(!r.body.includes('reset_token'), `${what} leaked a message`);
  };

  test('Host: evil.example (DNS rebinding, or a name pointing here) -> 404 like an unknown route', async () => {
    for (const host of ['evil.example', `evil.example:${port}`, `localhost.evil.example:${port}`, `127.0.0.1.nip.io:${port}`, 'localhost.', `[::1].evil:${port}`]) {
      assertHidden(await rawRequest(s, { path: '/api/dev/outbox', headers: { host } }), `Host ${JSON.stringify(host)}`);
    }
  });

  test('no or an empty Host header: HTTP/1.1 without Host -> 400 (node:http), HTTP/1.0 without or empty -> 404', async () => {
    assert.equal((await requestFrom(s, '127.0.0.1', '/api/dev/outbox')).status, 400);
    /** Send `head` as is on a new connection; the status and body of the answer. */
    const rawExchange = (head: string): Promise<{ status: number; body: string }> => {
      const u = new URL(s.url);
      return new Promise((resolve, reject) => {
        const socket = net.connect(Number(u.port), u.hostname, () => socket.end(head));
        let text = '';
        socket.on('data', (c: Buffer) => (text += c.toString()));
        socket.on('end', () => {
          const [top = '', body = ''] = text.split('\r\n\r\n');
          resolve({ status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(top)?.[1]), body });
        });
        socket.on('error', reject);
      });
    };
    assertHidden(await rawExchange('GET /api/dev/outbox HTTP/1.0\r\n\r\n'), 'HTTP/1.0 without Host');
    assertHidden(await rawExchange('GET /api/dev/outbox HTTP/1.0\r\nHost: \r\n\r\n'), 'empty Host');
  });

  test('from 127.0.0.1 with Host localhost / 127.0.0.1 / [::1] (any port or none) -> 200', async () => {
    for (const host of [`localhost:${port}`, 'localhost', 'LOCALHOST:1', `127.0.0.1:${port}`, '127.0.0.1', `[::1]:${port}`, '[::1]']) {
      const r = await rawRequest(s, { path: '/api/dev/outbox', headers: { host } });
      assert.equal(r.status, 200, `Host ${host}`);
      assert.equal(JSON.parse(r.body).messages[0].to, 'admin@example.com');
    }
    // fetch() sends Host 127.0.0.1:<port>
    assert.equal((await call(s, 'GET', '/api/dev/outbox')).status, 200);
  });

  test('from a non-loopback address of this machine, even with Host localhost -> 404 (GET and POST)', async () => {
    const source = externalIPv4();
    assertHidden(await requestFrom(s, source, '/api/dev/outbox', { host: `localhost:${port}` }), `GET from ${source}`);
    assertHidden(await requestFrom(s, source, '/api/dev/outbox', { host: `localhost:${port}` }, 'POST'), `POST from ${source}`);
    // The same path from loopback still works, and other endpoints answer the remote client.
    assert.equal((await requestFrom(s, '127.0.0.1', '/api/dev/outbox', { host: `localhost:${port}` })).status, 200);
    assert.equal((await requestFrom(s, source, '/healthz', { host: `localhost:${port}` })).status, 200);
  });

  test('other methods from a foreign Host -> 404 too, not 405 (the route is not revealed)', async () => {
    assertHidden(await rawRequest(s, { method: 'POST', path: '/api/dev/outbox', headers: { host: 'evil.example' } }), 'POST evil.example');
    const local = await rawRequest(s, { method: 'POST', path: '/api/dev/outbox', headers: { host: `localhost:${port}` } });
    assert.equal(local.status, 405, 'to a local client the route exists and is GET-only');
  });
});

describe('isLocalDevRequest / isLoopbackAddress (unit)', () => {
  /** The two things the check reads from a request: the TCP peer and the Host header. */
  const fakeRequest = (remoteAddress: string | undefined, host: string | undefined): IncomingMessage =>
    ({ socket: { remoteAddress }, headers: host === undefined ? {} : { host } }) as unknown as IncomingMessage;

  test('loopback addresses in every spelling; nothing else', () => {
    for (const a of ['127.0.0.1', '127.8.9.10', '::ffff:127.0.0.1', '::FFFF:127.0.0.2', '::1', '0:0:0:0:0:0:0:1', '::0001']) {
      assert.equal(isLoopbackAddress(a), true, a);
    }
    for (const a of [undefined, '', '192.0.2.2', '10.0.0.1', '::ffff:192.0.2.2', '::', '::2', 'fe80::1', 'fd00::1', '1::1', 'localhost', '127.0.0.1.evil']) {
      assert.equal(isLoopbackAddress(a), false, String(a));
    }
  });

  test('a remote client behind a local trusted proxy: the socket is loopback, the client address is not -> refused', () => {
    const viaProxy = fakeRequest('127.0.0.1', 'localhost:8787');
    assert.equal(isLocalDevRequest(viaProxy, '203.0.113.7'), false, 'IPv4 client behind the proxy');
    assert.equal(isLocalDevRequest(viaProxy, '2001:db8:1:2::/64'), false, 'IPv6 client behind the proxy (a /64 group)');
    assert.equal(isLocalDevRequest(viaProxy, '127.0.0.1'), true, 'a local client through the local proxy');
    assert.equal(isLocalDevRequest(fakeRequest('::1', '[::1]:8787'), addressGroup('::1')), true, 'IPv6 loopback as its rate-limit group');
  });

  test('a remote socket never counts, whatever the client address claims; the Host must be a loopback name', () => {
    assert.equal(isLocalDevRequest(fakeRequest('192.0.2.2', 'localhost'), '127.0.0.1'), false);
    assert.equal(isLocalDevRequest(fakeRequest(undefined, 'localhost'), '127.0.0.1'), false, 'no peer address (closed socket)');
    for (const host of [undefined, '', 'evil.example', 'localhost.evil.example', 'localhost:80:80', 'localhost:123456', '127.0.0.2', '[::1', ' localhost']) {
      assert.equal(isLocalDevRequest(fakeRequest('127.0.0.1', host), '127.0.0.1'), false, String(host));
    }
  });
});

describe('server/main.ts start-up warning for demo mode beyond loopback', () => {
  test('demo mode on a non-loopback HOST prints a loud warning naming the outbox; loopback or non-demo does not', () => {
    for (const host of ['0.0.0.0', '::', '192.0.2.2', 'example.com']) {
      const lines = demoExposureWarning({ demo: true, host });
      assert.ok(lines.length > 0, host);
      const text = lines.join('\n');
      assert.match(text, /WARNING/);
      assert.ok(text.includes(host), `names ${host}`);
      assert.match(text, /demo accounts/i);
      assert.match(text, /outbox.*refused to remote clients/is);
    }
    for (const host of ['127.0.0.1', '127.0.0.2', 'localhost', '::1', '::ffff:127.0.0.1']) {
      assert.deepEqual(demoExposureWarning({ demo: true, host }), [], host);
    }
    assert.deepEqual(demoExposureWarning({ demo: false, host: '0.0.0.0' }), [], 'not demo mode: the usual one-line note only');
  });
});
