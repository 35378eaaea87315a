// The test runner's stand-in for the Python package's ASGI routes (python/PROTOCOL.md, "ASGI mode"):
// real HTTP on the test server's origin, so the component's fetch is checked as the browser sends it.
// POST /__st-route/<ns>/<op> records the request and answers like a route: `{code}` (and an HttpOnly
// session cookie) for the right password, the reference server's error bodies otherwise.
// GET /__st-route/<ns>/log returns what <ns> received. Only these paths are handled.
const logs = new Map();
const PASSWORD = 'correct horse battery staple';
let codes = 0;

async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

export async function streamlitRoute(ctx, next) {
  const match = /^\/__st-route\/([\w-]+)\/(\w+)$/.exec(ctx.path);
  if (!match) return next();
  const [, ns, op] = match;
  if (!logs.has(ns)) logs.set(ns, []);
  const log = logs.get(ns);
  if (ctx.method === 'GET' && op === 'log') {
    ctx.type = 'application/json';
    ctx.body = JSON.stringify(log);
    return;
  }
  if (ctx.method !== 'POST') {
    ctx.status = 405;
    return;
  }
  const text = await readBody(ctx.req);
  let body = null;
  try {
    body = JSON.parse(text);
  } catch {
    body = null;
  }
  log.push({
    op,
    body,
    contentType: ctx.get('content-type'),
    origin: ctx.get('origin'),
    fetchSite: ctx.get('sec-fetch-site'),
    cookie: ctx.get('cookie'),
  });
  ctx.type = 'application/json';
  if (body?.username === 'flood') {
    ctx.status = 429;
    ctx.set('Retry-After', '30');
    ctx.body = JSON.stringify({ error: 'rate_limited', error_description: 'Too many attempts.' });
  } else if (op === 'login' && body?.password !== PASSWORD) {
    ctx.status = 401;
    ctx.body = JSON.stringify({ error: 'invalid_credentials', error_description: 'Invalid username or password.' });
  } else {
    codes += 1;
    if (op === 'login') ctx.set('Set-Cookie', `st_route_${ns}=opaque-${codes}; HttpOnly; Path=/; SameSite=Strict`);
    ctx.body = JSON.stringify({ code: `one-time-${codes}` });
  }
}
