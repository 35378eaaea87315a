/**
 * Focus is never left on `<body>` after an outcome that arrives later: the control the user pressed
 * was disabled (a form while pending) or removed (the logout button, a form replaced by the signed-in
 * state), so the browser dropped the focus to `<body>`. Only then is it moved; a user who focused
 * something else meanwhile keeps it.
 */

/** The focus fell to `<body>` (or nowhere). */
export function focusLost(): boolean {
  const active = document.activeElement;
  return !active || active === document.body;
}

/** Focus the first of `targets` that is there, when the focus was lost. True when one took it. */
export function refocus(...targets: Array<HTMLElement | null | undefined>): boolean {
  if (!focusLost()) return false;
  for (const target of targets) {
    if (target?.isConnected && target.getClientRects().length) {
      target.focus();
      return true;
    }
  }
  return false;
}

/** The closest `<auth-provider>` above `element`, crossing shadow roots. */
export function providerOf(element: Element): (Element & { settleFocus?(login: boolean): Promise<void> }) | null {
  let node: Node | null = element;
  while (node) {
    if (node instanceof Element && node.localName === 'auth-provider') return node;
    node = node.parentNode instanceof ShadowRoot ? node.parentNode.host : node.parentNode;
  }
  return null;
}
