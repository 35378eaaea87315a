// The OIDC demo page's own script: asks the demo server where its OpenID provider listens (the port
// depends on how the demo was started), inserts the OIDC <auth-provider> from the page's template with
// that issuer, and shows each session's user and the provider's answer. Nothing here holds a token.
const slot = document.getElementById('oidc-slot');
const log = document.getElementById('events');

/** Text of a value for a <pre>: JSON, with every token-like key hidden. */
const shown = (value) =>
  JSON.stringify(value ?? null, (key, v) => (/token$/i.test(key) && typeof v === 'string' ? '(hidden)' : v), 2);

/** Keep a provider's user (and, for OIDC, the provider's answer) on the page as its state changes. */
function showSession(provider, userOut, responseOut) {
  const render = (state) => {
    userOut.textContent = shown(state?.user ?? null);
    if (responseOut) responseOut.textContent = shown(state?.status === 'authenticated' ? provider.client?.getResponse() : null);
  };
  provider.addEventListener('auth-state-change', (event) => render(event.detail.state));
  render(provider.client?.state);
}

/** One line per login, logout and error of either provider, newest first. */
function logEvents(provider, label) {
  for (const type of ['auth-login', 'auth-logout', 'auth-error']) {
    provider.addEventListener(type, (event) => {
      const item = document.createElement('li');
      const d = event.detail ?? {};
      const what = type === 'auth-error' ? `${d.code}: ${d.message}` : type === 'auth-login' ? `user=${d.user?.name ?? d.user?.id}` : '';
      item.textContent = `${new Date().toLocaleTimeString()}  ${label}  ${type}  ${what}`;
      log.prepend(item);
      while (log.children.length > 12) log.lastElementChild.remove();
    });
  }
}

/** A sentence in an alert (as text: an error description comes from the provider). */
function alertText(message) {
  const p = document.createElement('p');
  p.setAttribute('role', 'alert');
  p.className = 'alert';
  p.textContent = message;
  return p;
}

/** The OIDC <auth-provider> from the template, configured for the demo's provider. */
function oidcProvider(config) {
  const fragment = document.getElementById('oidc-template').content.cloneNode(true);
  const provider = fragment.querySelector('auth-provider');
  provider.setAttribute('issuer', config.issuer);
  provider.setAttribute('post-logout-redirect-uri', new URL('/oidc.html', location.origin).href);
  fragment.getElementById('oidc-credentials').textContent =
    `Demo user at the provider: ${config.username} / ${config.password}`;
  const problem = fragment.getElementById('oidc-problem');
  // `display` given per login: one client, two ways to leave the page. A failed login (popup closed,
  // provider error...) is said here; the client is signed out again.
  const login = (display) => {
    problem.replaceChildren();
    provider.client.login({ display }).catch((err) => problem.replaceChildren(alertText(`${err.code ?? 'error'}: ${err.message}`)));
  };
  fragment.getElementById('oidc-redirect').addEventListener('click', () => login('redirect'));
  fragment.getElementById('oidc-popup').addEventListener('click', () => login('popup'));
  return { fragment, provider };
}

const jwt = document.getElementById('jwt');
showSession(jwt, document.getElementById('jwt-user'));
logEvents(jwt, 'JWT ');

try {
  const response = await fetch('/api/dev/oidc');
  if (!response.ok) throw new Error(`the demo server answers ${response.status}`);
  const { fragment, provider } = oidcProvider(await response.json());
  showSession(provider, fragment.getElementById('oidc-user'), fragment.getElementById('oidc-response'));
  logEvents(provider, 'OIDC');
  slot.replaceChildren(fragment);
} catch (err) {
  slot.replaceChildren(alertText(`No OpenID provider runs with this demo (${err.message}). It starts with npm run demo unless ` +
    'AUTH_DEMO_OIDC_PORT=off, and needs the development dependencies (npm install).'));
}
