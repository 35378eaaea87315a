// The demo page's own script: an event log, a language switch, and one API call with the access token.
const provider = document.getElementById('auth');
const log = document.getElementById('events');

for (const type of ['auth-state-change', 'auth-login', 'auth-logout', 'auth-error']) {
  provider.addEventListener(type, (event) => {
    const item = document.createElement('li');
    const detail = event.detail ?? {};
    const summary =
      type === 'auth-state-change'
        ? `status=${detail.state?.status}${detail.state?.user ? ` user=${detail.state.user.username ?? detail.state.user.id}` : ''}`
        : type === 'auth-error'
          ? `${detail.code}: ${detail.message}`
          : type === 'auth-login'
            ? `user=${detail.user?.username ?? ''}`
            : '';
    item.textContent = `${new Date().toLocaleTimeString()}  ${type}  ${summary}`;
    log.prepend(item);
    while (log.children.length > 12) log.lastElementChild.remove();
  });
}

document.getElementById('lang').addEventListener('change', (event) => {
  document.documentElement.lang = event.target.value;
  // Elements read `lang` when they render; ask them to render again.
  for (const el of document.querySelectorAll('auth-login, auth-logout, auth-status')) el.requestUpdate?.();
});

document.getElementById('call-api').addEventListener('click', async () => {
  const out = document.getElementById('api-result');
  const client = provider.client;
  const token = await client.getAccessToken();
  const response = await fetch('/api/auth/session', { headers: token ? { Authorization: `Bearer ${token}` } : {} });
  const body = await response.json();
  out.textContent = `${response.status} ${JSON.stringify(body, null, 2)}`;
});
