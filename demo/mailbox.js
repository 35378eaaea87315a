// Shows the development outbox (GET /api/dev/outbox, demo mode only). Everything is rendered as text;
// only links to this demo's own origin become clickable.
const list = document.getElementById('messages');
const status = document.getElementById('status');

function linkify(parent, text) {
  const pattern = /https?:\/\/[^\s<>"]+/g;
  let last = 0;
  for (const match of text.matchAll(pattern)) {
    parent.append(text.slice(last, match.index));
    let url = null;
    try {
      url = new URL(match[0]);
    } catch {
      url = null;
    }
    if (url && url.origin === location.origin) {
      const a = document.createElement('a');
      a.href = url.href;
      a.textContent = match[0];
      parent.append(a);
    } else parent.append(match[0]);
    last = match.index + match[0].length;
  }
  parent.append(text.slice(last));
}

async function load() {
  status.textContent = 'Loading…';
  try {
    const response = await fetch('/api/dev/outbox', { cache: 'no-store' });
    if (!response.ok) throw new Error(`the server answered ${response.status}`);
    const body = await response.json();
    const messages = Array.isArray(body) ? body : body.messages ?? [];
    list.replaceChildren();
    for (const message of messages) {
      const item = document.createElement('li');
      item.className = 'card mail';
      const head = document.createElement('div');
      head.className = 'mail-head';
      const when = message.createdAt ?? message.created_at;
      head.textContent = `To: ${message.to} · ${message.subject}${when ? ' · ' + new Date(when).toLocaleTimeString() : ''}`;
      const text = document.createElement('pre');
      linkify(text, String(message.text ?? ''));
      item.append(head, text);
      list.append(item);
    }
    status.textContent = messages.length ? `${messages.length} message(s)` : 'No mail yet. Try "Forgot password" on the account page.';
  } catch (err) {
    status.textContent = `The outbox could not be read: ${err.message}`;
  }
}

document.getElementById('refresh').addEventListener('click', load);
load();
