import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { type OrderEventPayload, type UserDto, USERNAME_PATTERN } from '@herald/contracts';
import type { OutboxItemDto } from '@herald/notifications/admin/outbox-admin.dto';
import type { ApiKeyInfo } from '@herald/notifications/push/api-keys.service';
import { type ApiKeyRow, type OutboxEventRow, USERNAME_INPUT_PATTERN } from '../apps/web/src/admin/types';
import { closeBrowser, ensureWebBuilt, launchChromium, signInWithForm, watchedPage, waitForPage } from './support/browser';
import { sleep } from './support/sockets';
import { DEMO_PASSWORD, startTestServer, type TestServer } from './support/server';

/**
 * The admin screens in a real browser (Debian's Chromium) against a real Herald: users (create, roles,
 * disable, new password), push API keys (shown once, last use, revoke) and parked outbox events
 * (reason, requeue); admins only, usable from the keyboard, in both languages, at 390 and 1440 px.
 */
const ROOT = resolve(__dirname, '..');
const ARTIFACTS = join(ROOT, 'test-artifacts');
const WIDE = { width: 1440, height: 900 };
const PHONE = { width: 390, height: 844 };

// The web's own copies of the answers must stay the server's: a renamed or dropped field fails to compile here.
const keyShape: ApiKeyRow = {} as ApiKeyInfo;
const outboxShape: OutboxEventRow = {} as OutboxItemDto;
void keyShape;
void outboxShape;

describe('admin screens in a real browser', () => {
  let server: TestServer;
  let browser: Browser;
  let db: Client;
  let adminToken: string;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    ensureWebBuilt();
    mkdirSync(ARTIFACTS, { recursive: true });
    server = await startTestServer();
    db = new Client({ connectionString: server.db.url });
    await db.connect();
    adminToken = (await server.login('admin')).accessToken;
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await closeBrowser(browser, contexts);
    await db?.end();
    await server?.stop();
  });

  async function newPage(options: { locale?: string; viewport?: { width: number; height: number } } = {}): Promise<Page> {
    const context = await browser.newContext({ locale: options.locale ?? 'en-US', viewport: options.viewport ?? WIDE });
    contexts.push(context);
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
    return watchedPage(context);
  }

  /** Signs in through the login form, as a person would (also for accounts the demo chips do not offer). */
  async function signIn(username: string, password = DEMO_PASSWORD, options: Parameters<typeof newPage>[0] = {}): Promise<Page> {
    const page = await newPage(options);
    await signInWithForm(page, server.url, username, password);
    return page;
  }

  const shot = (page: Page, name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
  /** How far the page is wider than its viewport (0 when nothing overflows sideways). */
  const overflow = (page: Page) => page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
  const activeName = (page: Page) => page.evaluate<string>("document.activeElement?.name ?? ''");
  const activeValue = (page: Page) => page.evaluate<string>("document.activeElement?.value ?? ''");
  const activeText = (page: Page) => page.evaluate<string>("document.activeElement?.textContent ?? ''");
  const userRow = (page: Page, username: string) => page.locator(`[data-testid="user-row"][data-username="${username}"]`);

  async function tabUntil(page: Page, reached: () => Promise<boolean>, what: string, max = 25): Promise<void> {
    for (let i = 0; i < max; i++) {
      if (await reached()) return;
      await page.keyboard.press('Tab');
    }
    throw new Error(`Tab never reached ${what}`);
  }

  it('the username field refuses exactly what the server does (browsers compile `pattern` with the v flag)', () => {
    const input = new RegExp(`^(?:${USERNAME_INPUT_PATTERN})$`, 'v');
    for (const name of ['ab', 'abc', 'a-b.c_d', 'A'.repeat(64), 'A'.repeat(65), 'with space', 'ümlaut', 'semi;colon', '-lead', 'x'.repeat(3) + '\n']) {
      expect([name, input.test(name)]).toEqual([name, USERNAME_PATTERN.test(name)]);
    }
  });

  const loginStatus = async (username: string, password: string) =>
    (await server.request('POST', '/api/auth/login', { body: { username, password } })).status;

  it('an admin creates a user from the keyboard alone; the user signs in; roles, disabling and a new password take effect', async () => {
    const admin = await signIn('admin');
    await admin.getByRole('link', { name: 'Admin' }).click();
    await admin.waitForURL(/\/admin$/);
    await admin.getByRole('heading', { name: 'Administration' }).waitFor();
    await admin.getByTestId('users-table').waitFor();
    expect(await userRow(admin, 'alice').getByTestId('user-roles').textContent()).toBe('sales');

    // Keyboard only: from the main content (focused after the page change) to the form, filled and sent.
    const longName = `Frank ${'Verylongsurnamewithoutanyspaces'.repeat(4)}`.slice(0, 128); // the server's maximum
    await waitForPage(admin, 'document.activeElement && document.activeElement.id === "main"');
    await tabUntil(admin, async () => (await activeName(admin)) === 'username', 'the username field');
    await admin.keyboard.type('frank.li');
    await admin.keyboard.press('Tab');
    expect(await activeName(admin)).toBe('password');
    await admin.keyboard.type('first-password');
    await admin.keyboard.press('Tab');
    expect(await activeName(admin)).toBe('displayName');
    await admin.keyboard.type(longName);
    await tabUntil(admin, async () => (await activeValue(admin)) === 'sales', 'the sales role');
    await admin.keyboard.press('Space');
    await tabUntil(admin, async () => (await activeText(admin)) === 'Create user', 'the submit button');
    await admin.keyboard.press('Enter');
    await admin.getByTestId('create-user-notice').filter({ hasText: 'User frank.li created.' }).waitFor();
    expect(await activeName(admin)).toBe('username'); // ready for the next one
    const row = userRow(admin, 'frank.li');
    expect(await row.getByTestId('user-display-name').textContent()).toBe(longName);
    expect(await row.getByTestId('user-roles').textContent()).toBe('sales, staff');
    expect(await row.getByTestId('user-status').textContent()).toBe('Active');
    expect(await overflow(admin)).toBe(0);
    await shot(admin, 'admin-users');
    const frank = ((await server.request('GET', '/api/users', { token: adminToken })).body as UserDto[]).find((u) => u.username === 'frank.li')!;
    expect({ ...frank, roles: [...frank.roles].sort() }).toMatchObject({ displayName: longName, roles: ['sales', 'staff'], disabled: false });

    // The new user signs in with the password the admin chose, on a phone; they are no admin, and their long name fits.
    const frankPage = await signIn('frank.li', 'first-password', { viewport: PHONE });
    expect(await frankPage.getByTestId('current-user').textContent()).toContain('Frank');
    expect(await frankPage.getByRole('link', { name: 'Admin' }).count()).toBe(0);
    expect(await overflow(frankPage)).toBe(0);
    await frankPage.getByTestId('account-menu-toggle').click();
    await frankPage.getByTestId('current-user').waitFor();
    expect(await overflow(frankPage)).toBe(0);

    // Careless input: a taken name and a too-short password get sentences, not raw bodies.
    await admin.getByLabel('Username').fill('ALICE');
    await admin.getByLabel('Password', { exact: true }).fill('long-enough-password');
    await admin.getByRole('button', { name: 'Create user' }).click();
    await admin.getByTestId('create-user-notice').filter({ hasText: 'The username "ALICE" is taken (usernames are case-insensitive).' }).waitFor();
    expect(await admin.getByTestId('create-user-notice').getAttribute('role')).toBe('alert');
    await admin.getByLabel('Username').fill('');
    await admin.getByLabel('Password', { exact: true }).fill('');

    // Roles: staff off, manager on.
    await row.getByRole('button', { name: 'Edit frank.li' }).click();
    const editor = admin.getByTestId('user-editor');
    await editor.getByLabel('staff').uncheck();
    await editor.getByLabel('manager').check();
    await editor.getByRole('button', { name: 'Save' }).click();
    await editor.getByTestId('user-editor-notice').filter({ hasText: 'Changes to frank.li saved.' }).waitFor();
    expect(await row.getByTestId('user-roles').textContent()).toBe('manager, sales');
    expect((await server.login('frank.li', 'first-password')).user.roles.sort()).toEqual(['manager', 'sales']);

    // Disable: sign-in refused; enable again.
    await editor.getByRole('button', { name: 'Disable account' }).click();
    await editor.getByTestId('user-editor-notice').filter({ hasText: 'frank.li is disabled and has been signed out.' }).waitFor();
    expect(await row.getByTestId('user-status').textContent()).toBe('Disabled');
    expect(await loginStatus('frank.li', 'first-password')).toBe(401);
    await editor.getByRole('button', { name: 'Enable account' }).click();
    await editor.getByTestId('user-editor-notice').filter({ hasText: 'frank.li can sign in again.' }).waitFor();
    expect(await loginStatus('frank.li', 'first-password')).toBe(200);

    // A new password: the old one stops working, the new one works.
    await editor.getByLabel('New password', { exact: true }).fill('second-password');
    await editor.getByRole('button', { name: 'Set new password' }).click();
    await editor.getByTestId('user-editor-notice').filter({ hasText: 'New password set for frank.li' }).waitFor();
    expect(await loginStatus('frank.li', 'first-password')).toBe(401);
    expect(await loginStatus('frank.li', 'second-password')).toBe(200);

    // The last admin cannot take away their own admin role, and cannot disable themselves.
    await row.getByRole('button', { name: 'Close frank.li' }).click();
    const self = userRow(admin, 'admin');
    await self.getByRole('button', { name: 'Edit admin' }).click();
    expect(await editor.getByRole('button', { name: 'Disable account' }).isDisabled()).toBe(true);
    await editor.getByLabel('admin', { exact: true }).uncheck();
    await editor.getByRole('button', { name: 'Save' }).click();
    await editor.getByTestId('user-editor-notice').filter({ hasText: 'This is the last active admin; make another user admin first.' }).waitFor();
    expect(await self.getByTestId('user-roles').textContent()).toBe('admin');
  }, 120_000);

  it('an API key is shown once with a copy button, works for pushes, shows its last use, and is refused once revoked', async () => {
    const admin = await signIn('admin');
    await admin.goto(`${server.url}/admin/api-keys`);
    await admin.getByTestId('keys-table').waitFor(); // the demo key is listed
    await admin.getByLabel('Name').fill('billing system');
    await admin.getByRole('button', { name: 'Create key' }).click();
    const reveal = admin.getByTestId('key-reveal');
    await reveal.getByText('Copy it now: you will not see this key again.').waitFor();
    const key = await reveal.getByTestId('new-key').inputValue();
    expect(key).toMatch(/^hk_[0-9a-f]{8}_[A-Za-z0-9_-]{32}$/);
    expect(await activeValue(admin)).toBe(key); // focused and selected for copying
    await reveal.getByRole('button', { name: 'Copy key' }).click();
    await reveal.getByTestId('copy-status').filter({ hasText: 'Copied to the clipboard.' }).waitFor();
    expect(await admin.evaluate<string>('navigator.clipboard.readText()')).toBe(key);
    await shot(admin, 'admin-api-key-once');

    const keyRow = admin.locator('[data-testid="key-row"]', { hasText: 'billing system' });
    expect(await keyRow.getByTestId('key-last-used').textContent()).toBe('never');
    const alice = await server.login('alice');
    const push = () =>
      server.request('POST', '/api/push', { headers: { 'x-api-key': key }, body: { to: { userIds: [alice.user.id] }, type: 'billing.invoice', title: 'Invoice 17 is due' } });
    expect((await push()).status).toBe(202);
    await admin.getByRole('button', { name: 'Refresh' }).click();
    await keyRow.getByTestId('key-last-used').locator('time').waitFor();

    // Once dismissed, the key is nowhere on the page, and not after a reload either.
    await reveal.getByRole('button', { name: 'I have stored it' }).click();
    expect(await reveal.count()).toBe(0);
    expect(await admin.content()).not.toContain(key);
    await admin.reload();
    await admin.getByTestId('keys-table').waitFor();
    expect(await admin.content()).not.toContain(key);

    // Revoke asks first; Cancel keeps it, the confirmation (reached with the keyboard) revokes it.
    await keyRow.getByRole('button', { name: 'Revoke billing system' }).click();
    await keyRow.getByText('Revoke “billing system”? Systems using it are refused at once; this cannot be undone.').waitFor();
    await keyRow.getByRole('button', { name: 'Cancel' }).click();
    await keyRow.getByRole('button', { name: 'Revoke billing system' }).click();
    await admin.keyboard.press('Escape'); // also cancels, and gives the focus back
    await waitForPage(admin, "document.activeElement?.textContent === 'Revoke billing system'");
    expect((await push()).status).toBe(202);
    await keyRow.getByRole('button', { name: 'Revoke billing system' }).click();
    expect(await activeText(admin)).toBe('Yes, revoke');
    await admin.keyboard.press('Enter');
    await admin.getByTestId('keys-notice').filter({ hasText: 'Key “billing system” revoked.' }).waitFor();
    await keyRow.getByTestId('key-status').filter({ hasText: 'Revoked' }).waitFor();
    const refused = await push();
    expect(refused.status).toBe(401);

    // A name the server refuses never leaves the browser; the field says why.
    await admin.getByLabel('Name').fill('no/slashes');
    await admin.getByRole('button', { name: 'Create key' }).click();
    expect(await admin.getByLabel('Name').evaluate((el) => (el as unknown as { validity: { patternMismatch: boolean } }).validity.patternMismatch)).toBe(true);
    expect(((await server.request('GET', '/api/api-keys', { token: adminToken })).body as ApiKeyInfo[]).some((k) => k.name === 'no/slashes')).toBe(false);
  }, 90_000);

  it('a parked outbox event is listed with its reason and, once fixed, requeued and delivered', async () => {
    const [{ id }] = (await db.query(`INSERT INTO outbox (type, aggregate_id, payload) VALUES ('invoice.sent', 'inv-77', '{}') RETURNING id::text`)).rows;
    await db.query(`SELECT pg_notify('herald_outbox', '')`);
    const state = async () =>
      (await db.query(`SELECT parked_at, processed_at, attempts FROM outbox WHERE id = $1`, [id])).rows[0] as { parked_at: Date | null; processed_at: Date | null; attempts: number };
    for (const started = Date.now(); !(await state()).parked_at; ) {
      if (Date.now() - started > 10_000) throw new Error('the dispatcher never parked the row');
      await sleep(50);
    }

    const admin = await signIn('admin', DEMO_PASSWORD, { viewport: PHONE });
    await admin.goto(`${server.url}/admin/outbox`);
    const row = admin.locator(`[data-testid="outbox-row"][data-outbox-id="${id}"]`);
    await row.waitFor();
    expect(await row.textContent()).toContain('invoice.sent');
    expect(await row.getByTestId('outbox-reason').textContent()).toMatch(/No audience rule for event type "invoice\.sent"/);
    expect(await overflow(admin)).toBe(0);
    await shot(admin, 'admin-outbox-390');

    // The operator fixes the event (a type and payload a rule knows), then requeues it from the screen.
    const alice = await server.login('alice');
    const payload: OrderEventPayload = {
      order: { id: '777', number: 'SO-REQUEUED', customer: 'Requeue Co', total: '1.00', status: 'created', ownerId: alice.user.id, itemCount: 1 },
      actor: { id: alice.user.id, displayName: 'Alice' },
    };
    await db.query(`UPDATE outbox SET type = 'order.created', payload = $2 WHERE id = $1`, [id, payload]);
    await row.getByRole('button', { name: `Requeue #${id}` }).click();
    await admin.getByTestId('outbox-notice').filter({ hasText: `Event #${id} (invoice.sent) is back in the queue.` }).waitFor();
    expect(await row.count()).toBe(0);
    for (const started = Date.now(); !(await state()).processed_at; ) {
      if (Date.now() - started > 10_000) throw new Error('the requeued row was never processed');
      await sleep(50);
    }
    expect(await state()).toMatchObject({ parked_at: null, attempts: 2 });
    await admin.getByRole('button', { name: 'Refresh' }).click();
    await admin.getByTestId('outbox-empty').waitFor();

    // Another admin was quicker: the event is no longer parked when this one clicks. A sentence, not a raw body.
    const [{ id: other }] = (await db.query(`INSERT INTO outbox (type, aggregate_id, payload) VALUES ('invoice.sent', 'inv-78', '{}') RETURNING id::text`)).rows;
    await db.query(`SELECT pg_notify('herald_outbox', '')`);
    const otherRow = admin.locator(`[data-testid="outbox-row"][data-outbox-id="${other}"]`);
    for (const started = Date.now(); !(await otherRow.count()); ) {
      if (Date.now() - started > 10_000) throw new Error('the second row was never listed as parked');
      await admin.getByRole('button', { name: 'Refresh' }).click();
      await sleep(100);
    }
    await db.query(`UPDATE outbox SET parked_at = NULL, parked_reason = NULL, processed_at = now() WHERE id = $1`, [other]);
    await otherRow.getByRole('button', { name: `Requeue #${other}` }).click();
    const refused = admin.getByTestId('outbox-notice');
    await refused.filter({ hasText: `Outbox event ${other} is not parked; only parked events can be requeued.` }).waitFor();
    expect(await refused.getAttribute('role')).toBe('alert');
  }, 90_000);

  it('works in 简体中文 at 390 px', async () => {
    const admin = await signIn('admin', DEMO_PASSWORD, { locale: 'zh-CN', viewport: PHONE });
    await admin.goto(`${server.url}/admin/users`);
    await admin.getByRole('heading', { name: '系统管理' }).waitFor();
    await admin.getByRole('navigation', { name: '管理分区' }).getByRole('link', { name: 'API 密钥' }).waitFor();
    await admin.getByRole('heading', { name: '新建用户' }).waitFor();
    await admin.getByRole('button', { name: '创建用户' }).waitFor();
    expect(await userRow(admin, 'carol').getByTestId('user-status').textContent()).toBe('正常');
    expect(await overflow(admin)).toBe(0); // with frank's 128-character name in the list

    // Markup in a name is shown as text, never run.
    const markup = '<img src=x onerror="window.__pwned=1">';
    const created = await server.request('POST', '/api/users', { token: adminToken, body: { username: 'mallory', password: 'mallory-password', displayName: markup, roles: ['staff'] } });
    expect(created.status).toBe(201);
    await admin.reload();
    expect(await userRow(admin, 'mallory').getByTestId('user-display-name').textContent()).toBe(markup);
    expect(await admin.evaluate('window.__pwned')).toBeUndefined();
    // A server refusal in the reader's language (its code's sentence).
    await admin.getByLabel('用户名').fill('Carol');
    await admin.getByLabel('密码', { exact: true }).fill('long-enough-password');
    await admin.getByRole('button', { name: '创建用户' }).click();
    await admin.getByTestId('create-user-notice').filter({ hasText: '该用户名已被占用。' }).waitFor();

    await userRow(admin, 'frank.li').getByRole('button', { name: '编辑 frank.li' }).click();
    await admin.getByTestId('user-editor').getByRole('button', { name: '设置新密码' }).waitFor();
    expect(await overflow(admin)).toBe(0); // the editor too
    await shot(admin, 'admin-users-zh-390');
  }, 60_000);

  it('refuses a non-admin with a clear page, and offers them no Admin entry', async () => {
    const alice = await signIn('alice');
    expect(await alice.getByRole('link', { name: 'Admin' }).count()).toBe(0);
    for (const path of ['/admin', '/admin/users', '/admin/api-keys', '/admin/outbox']) {
      await alice.goto(`${server.url}${path}`);
      await alice.getByTestId('admin-only').getByRole('heading', { name: 'Admins only' }).waitFor();
      expect(await alice.getByTestId('users-table').count()).toBe(0);
    }
    expect(await alice.title()).toBe('Admins only · Herald');
    const aliceToken = (await server.login('alice')).accessToken;
    for (const [method, path] of [['GET', '/api/users'], ['GET', '/api/api-keys'], ['GET', '/api/admin/outbox?state=parked']] as const) {
      expect((await server.request(method, path, { token: aliceToken })).status).toBe(403);
    }
  }, 60_000);
});
