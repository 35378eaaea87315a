import { waitUntil } from '@open-wc/testing';
import type { AuthStateStatus } from '../../src/core/state.js';

/** Wait until an element reached a status, then until it rendered it. */
export async function untilStatus(
  el: HTMLElement & { state: { status: AuthStateStatus }; updateComplete: Promise<unknown> },
  status: AuthStateStatus,
): Promise<void> {
  await waitUntil(() => el.state.status === status, `status never became ${status} (is ${el.state.status})`, {
    timeout: 3000,
  });
  await el.updateComplete;
}

/** Records console.warn calls until restored. */
export function captureWarnings(): { messages: string[]; restore(): void } {
  const original = console.warn;
  const messages: string[] = [];
  console.warn = (...args: unknown[]) => {
    messages.push(args.map(String).join(' '));
  };
  return { messages, restore: () => (console.warn = original) };
}

export function part(el: Element, name: string): HTMLElement | null {
  return el.shadowRoot?.querySelector<HTMLElement>(`[part~="${name}"]`) ?? null;
}

export function isShown(el: Element | null): boolean {
  return !!el && el.getClientRects().length > 0;
}
