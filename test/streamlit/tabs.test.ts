/**
 * Two tabs of one Streamlit app: this page and a popup (another top-level tab, same origin), each
 * with component iframes of its own fake host. A login or logout in one tab makes exactly one iframe
 * of the other tab send `{op: 'sync'}` (its Python reruns and re-checks the session); the iframes of
 * the tab that signed in or out send none (their Python already reran).
 */
import { expect } from '@open-wc/testing';
import { alice, FakeStreamlit, fill, ok, untilStatus, waitUntil, type Value } from './host.js';

afterEach(() => FakeStreamlit.stopAll());

/** Resolves with the next news on the iframes' channel: every iframe created before has had it by then. */
function nextNews(): Promise<unknown> {
  const channel = new BroadcastChannel('auth-elements:streamlit');
  return new Promise((resolve) =>
    channel.addEventListener('message', (event) => {
      channel.close();
      resolve(event.data);
    }),
  );
}

/** Another tab of the app: a page of this origin in a new top-level window, loaded. */
async function openTab(name: string): Promise<Window> {
  const tab = window.open('/test/streamlit/tab.html', name);
  expect(tab, 'a popup (another tab)').to.be.ok;
  await waitUntil(() => tab!.document.readyState === 'complete' && tab!.location.pathname.endsWith('/tab.html'), 'the other tab');
  return tab!;
}

const syncs = (hosts: FakeStreamlit[]) => hosts.flatMap((h) => h.values.filter((v) => v.op === 'sync'));

describe('streamlit component: tabs', () => {
  let popup: Window | null = null;
  afterEach(() => popup?.close());

  it('a login or logout in one tab makes one iframe of each other tab sync; its own tab stays quiet', async () => {
    popup = await openTab('streamlit-other-tab');
    // This tab: a login widget and a status widget. The other tab: a status widget and a login widget.
    const login = await FakeStreamlit.start({ args: { widget: 'login' } });
    const status = await FakeStreamlit.start({ args: { widget: 'status' } });
    const other = [
      await FakeStreamlit.start({ args: { widget: 'status' }, win: popup! }),
      await FakeStreamlit.start({ args: { widget: 'login' }, win: popup! }),
    ];
    const el = await untilStatus(login, 'auth-login', 'anonymous');
    await untilStatus(other[1]!, 'auth-login', 'anonymous');

    const news = nextNews();
    fill(el, { username: 'alice', password: 'the right password' });
    const request = await login.value(0);
    // The run that handled it renders this tab's widgets with the session.
    login.render({ reply: ok(request.id), session: alice });
    status.render({ session: alice });
    expect(await news).to.deep.include({ v: 1, user: 'u-1' });
    await Promise.all([login.flush(), other[0]!.flush()]);
    const sync = syncs(other);
    expect(sync).to.have.length(1);
    expect(sync[0]).to.deep.equal({ v: 1, id: sync[0]!.id, op: 'sync', input: {} } satisfies Value);
    expect(syncs([login, status])).to.deep.equal([]);
    expect(JSON.stringify(await news)).not.to.include('password');

    // The other tab's Python re-checked: signed in there too. Then a logout in this tab.
    for (const host of other) host.render({ session: alice });
    await untilStatus(other[1]!, 'auth-login', 'authenticated');
    const logout = await FakeStreamlit.start({ args: { widget: 'logout', session: alice } });
    const button = (await untilStatus(logout, 'auth-logout', 'authenticated')).shadowRoot!.querySelector<HTMLButtonElement>('[part=button]')!;
    const bye = nextNews();
    button.click();
    const out = await logout.value(0);
    logout.render({ reply: ok(out.id), session: null });
    expect(await bye).to.deep.include({ v: 1, user: null });
    await Promise.all([login.flush(), other[0]!.flush()]);
    expect(syncs(other)).to.have.length(2);
    expect(syncs([login, status, logout])).to.deep.equal([]);
  });

  it('news that matches what a tab shows asks for no rerun', async () => {
    popup = await openTab('streamlit-other-tab-2');
    const login = await FakeStreamlit.start({ args: { widget: 'login' } });
    const other = await FakeStreamlit.start({ args: { widget: 'status', session: alice }, win: popup! });
    await untilStatus(other, 'auth-status', 'authenticated');
    const el = await untilStatus(login, 'auth-login', 'anonymous');
    const news = nextNews();
    fill(el, { username: 'alice', password: 'the right password' });
    const request = await login.value(0);
    login.render({ reply: ok(request.id), session: alice });
    await news;
    await other.flush();
    expect(other.values).to.deep.equal([]);
  });
});
