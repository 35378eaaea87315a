// The demo page's own script: an event log, a language switch, and one API call with the access token.
const provider = document.getElementById('auth');
const log = document.getElementById('events');

// Every kit event; each comes from the element the user acted on (or the provider) and bubbles here.
const EVENTS = [
  'auth-state-change',
  'auth-login',
  'auth-logout',
  'auth-error',
  'auth-registered',
  'auth-verification-sent',
  'auth-password-changed',
  'auth-password-reset',
  'auth-reset-requested',
  'auth-username-requested',
  'auth-details-updated',
  'auth-org-change',
];
for (const type of EVENTS) {
  provider.addEventListener(type, (event) => {
    const item = document.createElement('li');
    const detail = event.detail ?? {};
    const summary =
      type === 'auth-state-change'
        ? `status=${detail.state?.status}${detail.state?.user ? ` user=${detail.state.user.username ?? detail.state.user.id}` : ''}`
        : type === 'auth-error'
          ? `${detail.code}: ${detail.message}`
          : Object.entries(detail)
              .map(([key, value]) => `${key}=${value?.username ?? value?.name ?? value}`)
              .join(' ');
    item.textContent = `${new Date().toLocaleTimeString()}  ${type} from <${event.target.localName}>  ${summary}`;
    log.prepend(item);
    while (log.children.length > 12) log.lastElementChild.remove();
  });
}

document.getElementById('lang').addEventListener('change', (event) => {
  document.documentElement.lang = event.target.value;
  // Elements read `lang` when they render; ask them to render again.
  for (const el of document.querySelectorAll('auth-login, auth-logout, auth-status, auth-org-select')) el.requestUpdate?.();
});

document.getElementById('call-api').addEventListener('click', async () => {
  const out = document.getElementById('api-result');
  const client = provider.client;
  const token = await client.getAccessToken();
  const response = await fetch('/api/auth/session', { headers: token ? { Authorization: `Bearer ${token}` } : {} });
  const body = await response.json();
  out.textContent = `${response.status} ${JSON.stringify(body, null, 2)}`;
});
