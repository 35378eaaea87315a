/**
 * Two tabs of one Streamlit app: this page and a popup (another top-level tab, same origin), each
 * with component iframes of its own fake host. A login or logout in one tab makes the other tab's
 * `session` carrier send `{op: 'sync'}` once (its Python reruns and re-checks the session); the
 * iframes of the tab that signed in or out send none (their Python already reran). The carrier of
 * the tab that signed in or out tells: it is the one iframe of that tab the answering run renders.
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

  it('a login or logout in one tab: its session carrier tells the other tabs, whose carrier asks for one rerun; its own tab stays quiet', async () => {
    popup = await openTab('streamlit-other-tab');
    // As Python renders them: each tab has its invisible `session` carrier (every run renders it), this
    // tab a login widget, the other tab a status widget and a login widget.
    const carrier = await FakeStreamlit.start({ args: { widget: 'session' } });
    const login = await FakeStreamlit.start({ args: { widget: 'login' } });
    const otherCarrier = await FakeStreamlit.start({ args: { widget: 'session' }, win: popup! });
    const other = [
      await FakeStreamlit.start({ args: { widget: 'status' }, win: popup! }),
      await FakeStreamlit.start({ args: { widget: 'login' }, win: popup! }),
    ];
    const el = await untilStatus(login, 'auth-login', 'anonymous');
    await untilStatus(other[1]!, 'auth-login', 'anonymous');

    const news = nextNews();
    fill(el, { username: 'alice', password: 'the right password' });
    await login.value(0);
    // The run that handled it no longer renders the login widget (Streamlit drops its iframe): only
    // the carrier (and the other widgets) get the session.
    carrier.render({ session: alice });
    expect(await news).to.deep.include({ v: 1, user: 'u-1' });
    await Promise.all([carrier.flush(), otherCarrier.flush()]);
    expect(syncs(other)).to.deep.equal([], 'only the carrier asks for a rerun');
    const sync = syncs([otherCarrier]);
    expect(sync).to.have.length(1);
    expect(sync[0]).to.deep.equal({ v: 1, id: sync[0]!.id, op: 'sync', input: {} } satisfies Value);
    expect(syncs([carrier, login])).to.deep.equal([]);
    expect(JSON.stringify(await news)).not.to.include('password');

    // The other tab's Python re-checked: signed in there too. Then a logout in this tab, whose
    // answering run renders no logout button: the carrier tells.
    for (const host of [otherCarrier, ...other]) host.render({ session: alice });
    await untilStatus(other[1]!, 'auth-login', 'authenticated');
    const logout = await FakeStreamlit.start({ args: { widget: 'logout', session: alice } });
    const button = (await untilStatus(logout, 'auth-logout', 'authenticated')).shadowRoot!.querySelector<HTMLButtonElement>('[part=button]')!;
    const bye = nextNews();
    button.click();
    await logout.value(0);
    carrier.render({ session: null });
    expect(await bye).to.deep.include({ v: 1, user: null });
    await Promise.all([carrier.flush(), otherCarrier.flush()]);
    expect(syncs([otherCarrier])).to.have.length(2);
    expect(syncs([carrier, login, logout, ...other])).to.deep.equal([]);
  });

  it('the carrier tells nothing on its first render (a reload is no news)', async () => {
    popup = await openTab('streamlit-other-tab-3');
    const otherCarrier = await FakeStreamlit.start({ args: { widget: 'session' }, win: popup! });
    const carrier = await FakeStreamlit.start({ args: { widget: 'session', session: alice } });
    await Promise.all([carrier.flush(), otherCarrier.flush()]);
    // A later render with the same session is no news either.
    carrier.render({ session: alice });
    await Promise.all([carrier.flush(), otherCarrier.flush()]);
    expect(syncs([otherCarrier, carrier])).to.deep.equal([]);
  });

  it('news that matches what a tab shows asks for no rerun', async () => {
    popup = await openTab('streamlit-other-tab-2');
    const carrier = await FakeStreamlit.start({ args: { widget: 'session' } });
    const login = await FakeStreamlit.start({ args: { widget: 'login' } });
    const other = await FakeStreamlit.start({ args: { widget: 'session', session: alice }, win: popup! });
    const el = await untilStatus(login, 'auth-login', 'anonymous');
    const news = nextNews();
    fill(el, { username: 'alice', password: 'the right password' });
    await login.value(0);
    carrier.render({ session: alice });
    await news;
    await other.flush();
    expect(other.values).to.deep.equal([]);
  });
});
