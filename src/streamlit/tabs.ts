/**
 * News between the component iframes of one origin: "this tab signed in (as user X) or out". Another
 * tab's Python does not know until its script runs again, so one iframe of each other tab asks for a
 * rerun (`sync`). The iframes of the sending tab stay quiet: their Python already reran.
 *
 * One tab, one sync: the iframes of a tab share its sessionStorage (same origin, same top-level
 * tab), where each piece of news is claimed once: the sender claims it before posting, so its own
 * tab never syncs, and the first iframe of another tab to claim it sends the sync.
 */
const CHANNEL = 'auth-elements:streamlit';
const CLAIMS = 'auth-elements:streamlit-news';

export interface TabNews {
  readonly v: 1;
  /** Random, per piece of news. */
  readonly id: string;
  /** Who is signed in now (the user id Python reported), or null when signed out. */
  readonly user: string | null;
}

export interface HostTabs {
  announce(user: string | null): void;
  /**
   * News from another tab that `differs` from what this iframe shows, and that no other iframe of
   * this tab has taken yet, calls `sync`. Returns the unsubscribe function.
   */
  listen(differs: (user: string | null) => boolean, sync: () => void): () => void;
}

/** ≥128 random bits, base64url (22 characters). */
export function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function isNews(value: unknown): value is TabNews {
  const v = value as TabNews | null;
  return typeof v === 'object' && v !== null && v.v === 1 && typeof v.id === 'string' && (v.user === null || typeof v.user === 'string');
}

/** True the first time this tab claims `id` (and when the tab's storage is unavailable). */
function claim(id: string): boolean {
  try {
    const ids: unknown = JSON.parse(sessionStorage.getItem(CLAIMS) ?? '[]');
    const list = Array.isArray(ids) ? ids : [];
    if (list.includes(id)) return false;
    sessionStorage.setItem(CLAIMS, JSON.stringify([...list.slice(-19), id]));
  } catch {
    // No storage: every iframe of the tab syncs (more reruns, still right).
  }
  return true;
}

export function browserHostTabs(): HostTabs | null {
  if (typeof BroadcastChannel !== 'function') return null;
  const channel = new BroadcastChannel(CHANNEL);
  return {
    announce(user) {
      const news: TabNews = { v: 1, id: randomId(), user };
      claim(news.id);
      channel.postMessage(news);
    },
    listen(differs, sync) {
      const handler = (event: MessageEvent) => {
        if (isNews(event.data) && differs(event.data.user) && claim(event.data.id)) sync();
      };
      channel.addEventListener('message', handler);
      return () => channel.removeEventListener('message', handler);
    },
  };
}
