// End to end, in Chromium on the real demo (reference server on a temporary SQLite file, the seeded
// organizations: alice owns Acme Corp and is a member of Globex; admin is a member of Acme Corp and an
// admin of Globex): <auth-org-select> in the main area and the sidebar, content guarded by role and by
// permission, the active organization across a reload and across tabs, and the members panel
// changing a real member's role on the server, which the other user's next request sees.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { startDemo, type Demo } from './harness.js';
import { openContext, settle, signIn } from './visual.js';

let demo: Demo;

before(async () => {
  demo = await startDemo();
});

after(async () => {
  await demo?.close();
});

const sidebarSelect = (page: Page) => page.locator('auth-org-select[location="sidebar"] select');
const mainSelect = (page: Page) => page.locator('main auth-org-select select');
/** The main status's text (organization and role among it). */
const statusOrg = async (page: Page) => (await page.evaluate(`document.querySelector('main auth-status').shadowRoot.textContent`) as string).replace(/\s+/g, ' ');
const cardVisible = (page: Page, heading: string) => page.locator('main section.card h2', { hasText: heading }).isVisible();

/** The active organization as the client and both selects show it. */
async function active(page: Page): Promise<{ client: string | null; main: string; sidebar: string }> {
  return {
    client: (await page.evaluate(`document.querySelector('auth-provider').state.org?.id ?? null`)) as string | null,
    main: await mainSelect(page).inputValue(),
    sidebar: await sidebarSelect(page).inputValue(),
  };
}

async function waitActive(page: Page, id: string): Promise<void> {
  await page.waitForFunction((want) => (document.querySelector('auth-provider') as unknown as { state: { org: { id: string } | null } }).state.org?.id === want, id);
  await page.waitForFunction(
    (want) => [...document.querySelectorAll('auth-org-select')].every((el) => el.shadowRoot?.querySelector('select')?.value === want),
    id,
  );
}

/** A new browser context on the demo, signed in as `username`, on the oldest organization (Acme Corp). */
async function signedIn(username: string, password: string) {
  const context = await openContext(demo.browser);
  const page = await context.newPage();
  await page.goto(demo.origin + '/');
  await settle(page);
  await signIn(page, username, password);
  await waitActive(page, 'acme');
  return { context, page };
}

/** What the signed-in user's current access token claims (decoded, not verified: the server verifies). */
async function tokenClaims(page: Page): Promise<Record<string, unknown>> {
  return page.evaluate(`(async () => {
    const token = await document.querySelector('auth-provider').client.getAccessToken();
    return JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
  })()`) as Promise<Record<string, unknown>>;
}

describe('organizations in the demo', () => {
  test('alice: both selects list her two organizations with her role; the oldest is active; guards follow the role and the permission', async () => {
    const { context, page } = await signedIn('alice', 'alice-demo-password');
    const options = await sidebarSelect(page).locator('option').allTextContents();
    assert.deepEqual(options.map((o) => o.trim()), ['Acme Corp — Owner', 'Globex — Member']);
    assert.deepEqual(await active(page), { client: 'acme', main: 'acme', sidebar: 'acme' });
    const claims = await tokenClaims(page);
    assert.equal(claims.org_id, 'acme');
    assert.equal(claims.org_role, 'owner');
    assert.ok((claims.org_permissions as string[]).includes('billing:write'));
    // Owner of Acme: the admin card (min-role="admin") and billing (permissions="billing:write").
    await page.waitForFunction(() => document.querySelector('auth-guard[min-role="admin"] section.card')?.checkVisibility());
    assert.equal(await cardVisible(page, 'Organization admins'), true);
    assert.equal(await cardVisible(page, 'Billing'), true);
    assert.match(await statusOrg(page), /Acme Corp.*Owner/);

    // The sidebar's select: Globex, where alice is a member. Both selects, the token and the guards follow.
    await sidebarSelect(page).selectOption('globex');
    await waitActive(page, 'globex');
    assert.deepEqual(await active(page), { client: 'globex', main: 'globex', sidebar: 'globex' });
    assert.equal((await tokenClaims(page)).org_role, 'member');
    await page.waitForFunction(() => !document.querySelector('auth-guard[min-role="admin"] section.card')?.checkVisibility());
    assert.equal(await cardVisible(page, 'Organization admins'), false);
    assert.equal(await cardVisible(page, 'Billing'), false);
    assert.match(await statusOrg(page), /Globex.*Member/);

    // A reload keeps it (the server's session holds the active organization).
    await page.reload();
    await settle(page);
    await waitActive(page, 'globex');

    // A second tab shows the same; switching in one switches the other.
    const other = await context.newPage();
    await other.goto(demo.origin + '/');
    await settle(other);
    await waitActive(other, 'globex');
    await mainSelect(page).selectOption('acme');
    await waitActive(page, 'acme');
    await waitActive(other, 'acme');
    await other.waitForFunction(() => document.querySelector('auth-guard[min-role="admin"] section.card')?.checkVisibility());
    await context.close();
  });

  test('the members panel: alice (owner of Acme) makes admin an admin of Acme; admin, signed in elsewhere, gets the role on the next request and loses it when taken away', async () => {
    const { context: adminContext, page: adminPage } = await signedIn('admin', 'admin-demo-password');
    // admin is a member of Acme: listing its members is refused by the server.
    const refused = await adminPage.evaluate(`document.querySelector('auth-provider').client.listMembers('acme').then(() => 'listed', (e) => e.code)`);
    assert.equal(refused, 'forbidden');

    const { context, page } = await signedIn('alice', 'alice-demo-password');
    await page.locator('main auth-org-select [part~="manage-button"]').click();
    const row = page.locator('main auth-org-select tr[part~="member"]', { hasText: 'Ada Admin' });
    await row.locator('select[part~="role-select"]').waitFor();
    await row.locator('select[part~="role-select"]').selectOption('admin');
    await page.waitForFunction(async () => {
      const members = await (document.querySelector('auth-provider') as unknown as { client: { listMembers(id: string): Promise<Array<{ username?: string; role: string }>> } }).client.listMembers('acme');
      return members.find((m) => m.username === 'admin')?.role === 'admin';
    });

    // admin's token still says member; the server reads the store: listing members now works.
    assert.equal((await tokenClaims(adminPage)).org_role, 'member');
    const listed = await adminPage.evaluate(`document.querySelector('auth-provider').client.listMembers('acme').then((m) => m.length, (e) => e.code)`);
    assert.equal(listed, 2);

    // Taken away again: admin's next request is refused, whatever its token claims.
    await row.locator('select[part~="role-select"]').selectOption('member');
    await page.waitForFunction(async () => {
      const members = await (document.querySelector('auth-provider') as unknown as { client: { listMembers(id: string): Promise<Array<{ username?: string; role: string }>> } }).client.listMembers('acme');
      return members.find((m) => m.username === 'admin')?.role === 'member';
    });
    const again = await adminPage.evaluate(`document.querySelector('auth-provider').client.listMembers('acme').then(() => 'listed', (e) => e.code)`);
    assert.equal(again, 'forbidden');
    await context.close();
    await adminContext.close();
  });
});
