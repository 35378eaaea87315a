/**
 * The script-tag bundle's other elements (guard, logout, status, the account forms, the organization select), defined on first
 * use: each loads (a small chunk next to the bundle) when its tag first appears in the document, so
 * a page with only a login form never downloads them. A tag already in the page starts loading when
 * the bundle runs, alongside the session restore, so it is ready as soon as there is a state to show
 * (auth-elements.css keeps an undefined guard's content hidden meanwhile). Tags inside other
 * components' shadow roots are not seen: call `defineAccountElements()` for those.
 */
const loaders: Record<string, () => Promise<unknown>> = {
  'auth-guard': () => import('./auth-guard/auth-guard.js'),
  'auth-logout': () => import('./auth-logout/auth-logout.js'),
  'auth-status': () => import('./auth-status/auth-status.js'),
  'auth-register': () => import('./auth-register/auth-register.js'),
  'auth-reset-password': () => import('./auth-reset-password/auth-reset-password.js'),
  'auth-forgot': () => import('./auth-forgot/auth-forgot.js'),
  'auth-update-details': () => import('./auth-update-details/auth-update-details.js'),
  'auth-org-select': () => import('./auth-org-select/auth-org-select.js'),
};
const loading = new Map<string, Promise<unknown>>();

function load(tag: string): Promise<unknown> {
  let promise = loading.get(tag);
  if (!promise) {
    promise = loaders[tag]!().catch((err: unknown) => {
      loading.delete(tag); // a later appearance tries again
      console.warn(`[auth-elements] <${tag}> could not be loaded`, err);
    });
    loading.set(tag, promise);
  }
  return promise;
}

/** Load and define every on-demand element now (e.g. before using them inside a shadow root). */
export async function defineAccountElements(): Promise<void> {
  await Promise.all(Object.keys(loaders).map(load));
}

function scan(root: ParentNode): void {
  for (const el of root.querySelectorAll<Element>(Object.keys(loaders).join(','))) void load(el.localName);
}

if (typeof document !== 'undefined') {
  const observer = new MutationObserver((records) => {
    for (const record of records) {
      for (const node of record.addedNodes) {
        if (node instanceof Element) {
          if (node.localName in loaders) void load(node.localName);
          scan(node);
        }
      }
    }
    if (loading.size === Object.keys(loaders).length) observer.disconnect();
  });
  observer.observe(document, { childList: true, subtree: true });
  scan(document);
}
