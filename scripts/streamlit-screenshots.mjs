// Screenshots of the built Streamlit component page (npm run build first) inside a page that draws
// Streamlit's frame around it: light and dark themes, the main column and the sidebar, English and
// French, empty and after a wrong password. For a designer's eye, not a test: the PNGs go to
// test-results/streamlit-screenshots/ (git-ignored).
//   node scripts/streamlit-screenshots.mjs
import { createServer } from 'node:http';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { extname, join, normalize } from 'node:path';
import { chromium } from 'playwright-core';
import { chromiumArgs, chromiumPath } from '../test/chromium.mjs';

const root = new URL('..', import.meta.url).pathname;
const frontend = join(root, 'python/src/streamlit_auth_elements/frontend');
const out = join(root, 'test-results/streamlit-screenshots');
if (!existsSync(join(frontend, 'index.html'))) {
  console.error('Run `npm run build` first.');
  process.exit(1);
}
mkdirSync(out, { recursive: true });

const THEMES = {
  light: { primaryColor: '#ff4b4b', backgroundColor: '#ffffff', secondaryBackgroundColor: '#f0f2f6', textColor: '#31333F', font: '"Source Sans Pro", sans-serif', base: 'light' },
  dark: { primaryColor: '#ff4b4b', backgroundColor: '#0e1117', secondaryBackgroundColor: '#262730', textColor: '#fafafa', font: '"Source Sans Pro", sans-serif', base: 'dark' },
};

// Streamlit's app around the iframes: a 336 px sidebar (its theme swaps the backgrounds), a centred
// 736 px main block, and a text input and button drawn the way Streamlit draws its own, to compare.
// "Source Sans Pro" is a local font here (Liberation Sans), declared by the app page only, as in
// Streamlit: the component must adopt it.
const host = (theme) => `<!doctype html><html><head><meta charset="utf-8"><style>
@font-face { font-family: "Source Sans Pro"; src: url("/font/LiberationSans-Regular.ttf"); font-weight: 400; }
@font-face { font-family: "Source Sans Pro"; src: url("/font/LiberationSans-Bold.ttf"); font-weight: 600 700; }
body { margin: 0; font-family: "Source Sans Pro", sans-serif; background: ${theme.backgroundColor}; color: ${theme.textColor}; font-size: 16px; line-height: 1.6; }
.app { display: flex; min-height: 100vh; }
aside { width: 336px; box-sizing: border-box; padding: 4rem 1.5rem 1.5rem; background: ${theme.secondaryBackgroundColor}; flex: none; }
main { flex: 1; }
.block { max-width: 736px; margin: 0 auto; padding: 4rem 1rem; box-sizing: border-box; display: flex; flex-direction: column; gap: 1rem; }
h1 { font-size: 2.75rem; font-weight: 700; margin: 0; line-height: 1.2; }
p { margin: 0; }
iframe { display: block; border: 0; width: 100%; height: 0; color-scheme: normal; }
.st-label { font-size: 14px; margin-bottom: 0.25rem; }
.st-input { box-sizing: border-box; width: 100%; height: 2.5rem; padding: 0 0.75rem; border-radius: 0.5rem; border: 1px solid ${theme.secondaryBackgroundColor}; background: ${theme.secondaryBackgroundColor}; color: ${theme.textColor}; font: inherit; }
.st-button { display: inline-flex; align-items: center; min-height: 2.5rem; padding: 0.25rem 0.75rem; border-radius: 0.5rem; border: 1px solid color-mix(in srgb, ${theme.textColor} 20%, transparent); background: ${theme.backgroundColor}; color: ${theme.textColor}; font: inherit; }
.sidebar-input { background: ${theme.backgroundColor}; border-color: ${theme.backgroundColor}; }
</style></head><body><div class="app">
<aside><p style="font-weight:600;margin-bottom:1rem">Sidebar</p><iframe id="side"></iframe>
<div style="margin-top:1rem"><div class="st-label">st.text_input</div><input class="st-input sidebar-input" value="streamlit's own"></div></aside>
<main><div class="block"><h1>My app</h1><p>Streamlit's own widgets, then the login component.</p>
<div><div class="st-label">st.text_input</div><input class="st-input" value="streamlit's own"></div>
<div><button class="st-button">st.button</button></div>
<iframe id="main"></iframe><p>Text under the component.</p></div></main></div>
<script type="module">
const params = new URLSearchParams(location.search);
const theme = ${JSON.stringify(theme)};
const sidebarTheme = { ...theme, backgroundColor: theme.secondaryBackgroundColor, secondaryBackgroundColor: theme.backgroundColor };
for (const [id, place, t] of [['main', 'main', theme], ['side', 'sidebar', sidebarTheme]]) {
  const frame = document.getElementById(id);
  frame.setAttribute('sandbox', 'allow-forms allow-same-origin allow-scripts');
  const session = params.get('signed-in') ? { user: { id: 'u-1', username: 'alice', name: 'Alice Example', roles: ['admin', 'analyst'] }, expires_at: null } : null;
  const args = { v: 1, widget: params.get('widget') || 'login', location: place, lang: params.get('lang'), fields: null, options: {}, session, reply: null, cookie: null, route: null };
  const render = () => frame.contentWindow.postMessage({ type: 'streamlit:render', args, dfs: [], disabled: false, theme: t }, '*');
  addEventListener('message', (event) => {
    if (event.source !== frame.contentWindow) return;
    const m = event.data;
    if (m.type === 'streamlit:componentReady') render();
    if (m.type === 'streamlit:setFrameHeight') frame.style.height = m.height + 'px';
    if (m.type === 'streamlit:setComponentValue' && m.value.op !== 'ack') {
      args.reply = { id: m.value.id, ok: false, error: { code: 'invalid_credentials', message: 'Invalid username or password.' } };
      render();
    }
  });
  frame.src = '/component/streamlit_auth_elements.auth/index.html?streamlitUrl=' + encodeURIComponent(location.origin + '/');
}
</script></body></html>`;

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.ttf': 'font/ttf', '.css': 'text/css' };
const server = createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  let file = null;
  if (url.pathname === '/') {
    res.setHeader('Content-Type', 'text/html');
    return res.end(host(THEMES[url.searchParams.get('theme')] ?? THEMES.light));
  }
  const prefix = '/component/streamlit_auth_elements.auth/';
  if (url.pathname.startsWith(prefix)) file = join(frontend, normalize(url.pathname.slice(prefix.length)));
  if (url.pathname.startsWith('/font/')) file = join('/usr/share/fonts/truetype/liberation', normalize(url.pathname.slice(6)));
  if (!file || !existsSync(file)) {
    res.statusCode = 404;
    return res.end();
  }
  res.setHeader('Content-Type', TYPES[extname(file)] ?? 'application/octet-stream');
  res.end(readFileSync(file));
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${server.address().port}`;
const browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 820 } });
  page.on('console', (m) => console.log('console:', m.type(), m.text()));
  page.on('pageerror', (e) => console.log('pageerror:', e.message));
  for (const theme of ['light', 'dark']) {
    for (const lang of ['en', 'fr']) {
      await page.goto(`${base}/?theme=${theme}&lang=${lang}`);
      const frames = () => ['main', 'side'].map((id) => page.frameLocator(`#${id}`));
      for (const f of frames()) await f.locator('auth-login button[type=submit]').waitFor();
      await page.waitForFunction(() => [...document.querySelectorAll('iframe')].every((f) => f.offsetHeight > 0));
      await page.evaluate(() => document.fonts.ready);
      await page.screenshot({ path: join(out, `login-${theme}-${lang}.png`) });
      for (const f of frames()) {
        await f.locator('input[name=username]').fill('alice');
        await f.locator('input[name=password]').fill('not the password');
        await f.locator('button[type=submit]').click();
        await f.locator('auth-login').evaluate((el) => new Promise((resolve) => {
          const check = () => (el.shadowRoot.querySelector('[part=error]')?.textContent.trim() ? resolve() : requestAnimationFrame(check));
          check();
        }));
      }
      await page.waitForTimeout(100); // the frame heights follow the errors
      await page.screenshot({ path: join(out, `login-${theme}-${lang}-error.png`) });
      // The keyboard focus on the username field of the main column.
      await frames()[0].locator('input[name=username]').focus();
      await page.keyboard.press('Shift+Tab');
      await page.keyboard.press('Tab');
      await page.screenshot({ path: join(out, `login-${theme}-${lang}-focus.png`), clip: { x: 336, y: 0, width: 944, height: 820 } });
    }
  }
  // The signed-in widgets: the status header and the logout button.
  for (const theme of ['light', 'dark']) {
    for (const widget of ['status', 'logout']) {
      await page.goto(`${base}/?theme=${theme}&lang=en&widget=${widget}&signed-in=1`);
      await page.waitForFunction(() => [...document.querySelectorAll('iframe')].every((f) => f.offsetHeight > 0));
      await page.screenshot({ path: join(out, `${widget}-${theme}.png`), clip: { x: 0, y: 0, width: 1280, height: 500 } });
    }
  }
  console.log(`screenshots in ${out}`);
} finally {
  await browser.close();
  server.close();
}
