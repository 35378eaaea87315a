// Size is a test: the script-tag bundle and the Streamlit component page must stay within their
// min+gzip budget, and the core entry must not drag in Lit. Prints a small report; exits 1 when a budget is broken.
import { readFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';

const BUDGET = 25 * 1024; // bytes, min+gzip: dist/auth-elements.js, what every page loads
const LAZY_BUDGET = 8 * 1024; // each chunk the bundle loads on demand (the jose verifier)
// The OIDC backend's chunk, loaded only by <auth-provider backend="oidc">: src/core/oidc.ts, the window
// messaging (oidc-window.ts), oauth4webapi (discovery, PKCE, grants, UserInfo, revocation) and jose
// (the ID token's signature against the JWKS). Its own budget: the 8 KB one is for small chunks.
const OIDC_BUDGET = 20 * 1024;
const isOidc = (file) => /\/oidc-[\w-]+\.js$/.test(file);
const dist = new URL('../dist/', import.meta.url).pathname;
let failed = 0;

function gz(file) {
  return gzipSync(readFileSync(file), { level: 9 }).length;
}

function check(ok, line) {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${line}`);
  if (!ok) failed++;
}

const bundle = join(dist, 'auth-elements.js');
if (!existsSync(bundle)) {
  console.error('size: dist/auth-elements.js is missing; run `npm run build` first.');
  process.exit(1);
}
const size = gz(bundle);
check(size <= BUDGET, `script-tag bundle: ${(size / 1024).toFixed(2)} KB min+gzip (budget ${BUDGET / 1024} KB)`);
const bundleGraph = graph(bundle);
let whole = size;
for (const file of bundleGraph.lazy) {
  const lazy = graph(file).files.filter((f) => f !== bundle).reduce((n, f) => n + gz(f), 0);
  whole += lazy;
  const budget = isOidc(file) ? OIDC_BUDGET : LAZY_BUDGET;
  check(lazy <= budget, `  loaded on demand: ${file.slice(dist.length)} ${(lazy / 1024).toFixed(2)} KB (budget ${budget / 1024} KB)`);
  // What that chunk loads on demand in its turn (e.g. <auth-org-select>'s members panel), on top of it.
  const parent = graph(file);
  for (const inner of parent.lazy.filter((f) => !bundleGraph.lazy.includes(f) && !/\/common-passwords-/.test(f))) {
    const more = graph(inner).files.filter((f) => f !== bundle && !parent.files.includes(f)).reduce((n, f) => n + gz(f), 0);
    whole += more;
    check(more <= LAZY_BUDGET, `    then on demand: ${inner.slice(dist.length)} ${(more / 1024).toFixed(2)} KB (budget ${LAZY_BUDGET / 1024} KB)`);
  }
}
// A page without OIDC downloads none of it: the OIDC chunk is only a dynamic import of the bundle, and
// neither oauth4webapi nor the window messaging is in what every page loads.
const oidcChunks = bundleGraph.lazy.filter(isOidc);
check(
  oidcChunks.length === 1 && !bundleGraph.files.some(isOidc) && !bundleGraph.files.some((f) => /oauth4webapi|OAUTH_|auth-elements:oidc-callback/.test(readFileSync(f, 'utf8'))),
  `OIDC loads on demand only: ${oidcChunks.map((f) => f.slice(dist.length)).join(', ') || 'no OIDC chunk found'}; none of its code in the script-tag bundle`,
);
// The common-password list of the strength meter: loaded by <auth-register>/<auth-reset-password> on
// first typing, never at page load (src/components/auth-form/common-passwords.ts), in two bands.
const LIST_BUDGET = 64 * 1024;
/** The list chunks that the on-demand chunks `lazy` import (found by following the imports). */
const listChunks = (lazy) => [...new Set(lazy.flatMap((f) => graph(f).lazy).filter((f) => /\/common-passwords-(8|15)-[^/]*\.js$/.test(f)))];
function checkList(label, dir, first, lazy) {
  const files = listChunks(lazy);
  check(files.length === 2, `${label}: the common-password list's two chunks are next to it (${files.map((f) => f.slice(dir.length)).join(', ') || 'none'})`);
  for (const file of files) check(gz(file) <= LIST_BUDGET && !first.includes(file), `  on first typing: ${file.slice(dir.length)} ${(gz(file) / 1024).toFixed(2)} KB (budget ${LIST_BUDGET / 1024} KB, never at page load)`);
}
checkList('script-tag bundle', join(dist, 'chunks/'), bundleGraph.files, bundleGraph.lazy);
check(bundleGraph.bare.length === 0, `script-tag bundle is self-contained (bare imports: ${bundleGraph.bare.join(', ') || 'none'})`);
// Vite's preload helper (0.5 KB) has nothing to preload here: scripts/vite-plain-import.ts leaves it out.
const withHelper = (files) => files.filter((f) => readFileSync(f, 'utf8').includes('vite:preloadError'));
check(withHelper(bundleGraph.files).length === 0, `script-tag bundle: no Vite preload helper (found in: ${withHelper(bundleGraph.files).map((f) => f.slice(dist.length)).join(', ') || 'none'})`);
console.log(`info script-tag bundle with every on-demand chunk: ${(whole / 1024).toFixed(2)} KB`);

// Walk a file's static imports: relative chunks are followed, bare imports collected, and dynamic
// `import('./x')` targets listed as lazy (not followed).
function graph(entry) {
  const seen = new Set();
  const bare = new Set();
  const lazy = new Set();
  const stack = [entry];
  while (stack.length) {
    const file = stack.pop();
    if (seen.has(file)) continue;
    seen.add(file);
    const src = readFileSync(file, 'utf8');
    for (const m of src.matchAll(/(?:import|export)\s*(?:[^'"]*?from\s*)?["']([^"']+)["']/g)) {
      const spec = m[1];
      if (spec.startsWith('.')) stack.push(join(dirname(file), spec));
      else bare.add(spec);
    }
    for (const m of src.matchAll(/import\(\s*["']([^"']+)["']\s*\)/g)) {
      if (m[1].startsWith('.')) lazy.add(join(dirname(file), m[1]));
      else bare.add(m[1]);
    }
  }
  return { files: [...seen], bare: [...bare], lazy: [...lazy].filter((f) => !seen.has(f)) };
}

// The Streamlit component page (vite.streamlit.config.ts): the script its index.html loads at first,
// with its static imports, has the same budget; the other elements and French load on demand.
const frontend = new URL('../python/src/streamlit_auth_elements/frontend/', import.meta.url).pathname;
const page = join(frontend, 'index.html');
if (existsSync(page)) {
  const src = /<script type="module"[^>]*\ssrc="\.\/([^"]+)"/.exec(readFileSync(page, 'utf8'))?.[1];
  const entry = src ? graph(join(frontend, src)) : null;
  const first = entry ? entry.files.reduce((n, f) => n + gz(f), 0) : Infinity;
  check(first <= BUDGET, `streamlit component page: ${src ? (first / 1024).toFixed(2) : '?'} KB min+gzip at first (budget ${BUDGET / 1024} KB)`);
  if (entry) {
    check(entry.bare.length === 0, `streamlit component page is self-contained (bare imports: ${entry.bare.join(', ') || 'none'})`);
    check(withHelper(entry.files).length === 0, `streamlit component page: no Vite preload helper at first (found in: ${withHelper(entry.files).map((f) => f.slice(frontend.length)).join(', ') || 'none'})`);
    // ASGI mode's HTTP exchange with the routes (core/http.ts) loads on demand (src/streamlit/host-backend.ts).
    const http = (f) => /\/http-[\w-]+\.js$/.test(f);
    check(entry.lazy.some(http) && !entry.files.some(http), `streamlit component page: the HTTP exchange (ASGI mode) loads on demand (${entry.lazy.filter(http).map((f) => f.slice(frontend.length)).join(', ') || 'no http chunk found'})`);
    const later = entry.lazy.map((f) => {
      const size = graph(f).files.filter((g) => !entry.files.includes(g)).reduce((n, g) => n + gz(g), 0);
      return `${f.slice(f.lastIndexOf('/') + 1).replace(/-[\w-]{8}\.js$/, '')} ${(size / 1024).toFixed(2)} KB`;
    });
    console.log(`info streamlit component page, loaded on demand: ${later.join(', ')}`);
    checkList('streamlit component page', join(frontend, 'assets/'), entry.files, entry.lazy);
  }
} else check(false, 'python/src/streamlit_auth_elements/frontend/index.html is missing; run `npm run build` first');

const core = graph(join(dist, 'core.js'));
for (const file of core.lazy) core.bare.push(...graph(file).bare.map((b) => `${b} (on demand)`));
const lit = core.bare.filter((s) => /^(lit|@lit\/)/.test(s));
check(lit.length === 0, `core entry imports: ${core.bare.join(', ') || '(none)'}${lit.length ? ' (Lit must not be here)' : ''}`);
const coreSize = core.files.reduce((n, f) => n + gz(f), 0);
console.log(`info core entry (unminified, without jose): ${(coreSize / 1024).toFixed(2)} KB gzip in ${core.files.length} file(s)`);

const components = graph(join(dist, 'components.js'));
console.log(`info components entry imports: ${components.bare.join(', ')}`);
// The custom-elements manifest must describe every element the bundle defines.
const manifestFile = join(dist, 'custom-elements.json');
if (existsSync(manifestFile)) {
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
  const described = new Set(manifest.modules.flatMap((m) => m.declarations ?? []).map((d) => d.tagName).filter(Boolean));
  // Defined by the bundle itself or by a chunk it loads on first use (the account forms).
  const defining = [bundle, ...bundleGraph.lazy];
  const defined = defining.flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/define\("([a-z]+-[a-z-]+)"/g)].map((m) => m[1]));
  const missing = defined.filter((tag) => !described.has(tag));
  check(
    defined.length === described.size && missing.length === 0,
    `custom-elements.json describes ${described.size} elements; the bundle and its chunks define ${defined.length}${missing.length ? `; missing: ${missing.join(', ')}` : ''}`,
  );
} else check(false, 'dist/custom-elements.json is missing');

if (failed) {
  console.error(`size: ${failed} budget check(s) failed`);
  process.exit(1);
}
console.log('size: all budgets met');
