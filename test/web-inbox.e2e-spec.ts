import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { ApprovalDto, LoginResponse, Notification } from '@herald/contracts';
import { closeBrowser, ensureWebBuilt, launchChromium, watchedPage } from './support/browser';
import { pushClient } from './support/push';
import { startTestServer, type TestServer } from './support/server';

/**
 * The inbox tells the truth (issue 9, points 1, 3 and 9), in a real browser with several users and
 * tabs at once: the unread badge after every live push and after reads in another tab, the
 * approver's to-do count after submit and decide, toasts that keep distinct outcomes readable and
 * mark their notification read when clicked, and the inbox's relative times, day groups and icons.
 */
const SHOTS = process.env.HERALD_SHOTS ?? '/tmp/herald-inbox';

describe('inbox, badges and toasts in a real browser', () => {
  let server: TestServer;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const users: Record<string, LoginResponse> = {};

  beforeAll(async () => {
    ensureWebBuilt();
    // Access tokens that outlive the hours one browser's clock is moved forward by (the "Yesterday" group).
    server = await startTestServer({ env: { ACCESS_TOKEN_TTL: '86400' } });
    browser = await launchChromium();
    for (const name of ['admin', 'alice', 'bob', 'carol', 'dave']) users[name] = await server.login(name);
  }, 120_000);

  afterAll(async () => {
    await closeBrowser(browser, contexts);
    await server?.stop();
  });

  async function newContext(locale = 'en-US', viewport = { width: 1280, height: 800 }): Promise<BrowserContext> {
    const context = await browser.newContext({ locale, viewport });
    contexts.push(context);
    return context;
  }

  /** Opens a tab in `context` signed in as `username` (through the login page unless the tab already is). */
  async function openTab(context: BrowserContext, username: string, path = '/'): Promise<Page> {
    const page = await watchedPage(context);
    await page.goto(`${server.url}${path}`);
    const demo = page.getByRole('button', { name: new RegExp(`^(Use|使用) ${username}$`) });
    const signedIn = page.getByTestId('current-user');
    await Promise.race([demo.waitFor({ state: 'attached' }), signedIn.waitFor({ state: 'attached' })]);
    if (await demo.count()) await demo.click();
    await page.locator('[data-testid="connection"][data-state="connected"]').waitFor({ state: 'attached' });
    if (path !== '/' && !page.url().endsWith(path)) await page.goto(`${server.url}${path}`);
    return page;
  }

  async function serverUnread(username: string): Promise<number> {
    const res = await server.request('GET', '/api/notifications/unread-count', { token: users[username].accessToken });
    expect(res.status).toBe(200);
    return res.body.count as number;
  }

  async function serverTodo(username: string): Promise<number> {
    const res = await server.request('GET', '/api/approvals/todo-count', { token: users[username].accessToken });
    expect(res.status).toBe(200);
    return res.body.count as number;
  }

  /** What the page's badge says (0 when there is none), once it has settled on `expected`; fails with the last value seen. */
  async function expectBadge(page: Page, testId: string, expected: number, what: string): Promise<void> {
    const read = () => page.evaluate<number>(`Number(document.querySelector('[data-testid="${testId}"]')?.textContent ?? 0)`);
    const end = Date.now() + 5000;
    let seen = await read();
    while (seen !== expected && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 25));
      seen = await read();
    }
    if (seen !== expected) throw new Error(`${what}: the ${testId} says ${seen}, the server ${expected}`);
  }

  const shot = (page: Page, name: string) => page.screenshot({ path: `${SHOTS}/${name}.png` });

  it('GET /api/approvals/todo-count: signed-in only, and the same rule as box=todo', async () => {
    expect((await server.request('GET', '/api/approvals/todo-count')).status).toBe(401);
    expect((await server.request('GET', '/api/approvals/todo-count', { token: 'not-a-token' })).status).toBe(401);
    const before = await serverTodo('carol');
    const submitted = await server.request('POST', '/api/approvals', {
      token: users.dave.accessToken,
      body: { kind: 'leave', title: 'Counted once', approverIds: [users.carol.user.id, users.admin.user.id] },
    });
    expect(submitted.status).toBe(201);
    expect(await serverTodo('carol')).toBe(before + 1);
    expect(await serverTodo('admin')).toBe(0); // step 2 is not admin's turn yet
    expect(await serverTodo('dave')).toBe(0); // applicants have nothing to do
    const todo = await server.request('GET', '/api/approvals?box=todo&limit=100', { token: users.carol.accessToken });
    expect(todo.body.items.length).toBe(before + 1);
    const decided = await server.request('POST', `/api/approvals/${submitted.body.id}/decision`, {
      token: users.carol.accessToken,
      body: { decision: 'approve', version: (submitted.body as ApprovalDto).version },
    });
    expect(decided.status).toBe(200);
    expect(await serverTodo('carol')).toBe(before);
    expect(await serverTodo('admin')).toBe(1);
    const last = await server.request('POST', `/api/approvals/${submitted.body.id}/decision`, {
      token: users.admin.accessToken,
      body: { decision: 'approve', version: (decided.body as ApprovalDto).version },
    });
    expect(last.status).toBe(200);
    expect(await serverTodo('admin')).toBe(0);
  });

  it("the approver's to-do count on the nav and the tab follows submits and decisions live", async () => {
    const carol = await openTab(await newContext('en-US'), 'carol', '/approvals?box=todo');
    const dave = await openTab(await newContext('en-US'), 'dave', '/approvals');
    await expectBadge(carol, 'todo-badge', await serverTodo('carol'), 'carol at first');

    // dave submits one in the UI: the "Request submitted" notice can be dismissed.
    await dave.getByRole('button', { name: 'New request' }).click();
    const form = dave.getByTestId('approval-form');
    await form.getByLabel('Title').fill('Desk lamp');
    await form.getByLabel('Amount').fill('35.00');
    const box = form.getByRole('checkbox', { name: /carol/i });
    if (await box.count()) await box.check();
    else await form.getByLabel(/Approver user ids/).fill(users.carol.user.id);
    await form.getByRole('button', { name: 'Submit request' }).click();
    const notice = dave.getByTestId('submit-message').filter({ hasText: 'Request submitted.' });
    await notice.waitFor();
    await notice.getByRole('button', { name: 'Dismiss the notice' }).click();
    await notice.waitFor({ state: 'detached' });
    await expectBadge(carol, 'todo-badge', await serverTodo('carol'), 'carol after a submit in the UI');
    expect(await serverTodo('carol')).toBeGreaterThan(0);

    // Two more over REST; the second notice goes away by itself.
    const lamp = (await server.request('GET', '/api/approvals?box=mine&limit=1', { token: users.dave.accessToken })).body.items[0] as ApprovalDto;
    for (const title of ['Chair', 'Monitor arm']) {
      const res = await server.request('POST', '/api/approvals', { token: users.dave.accessToken, body: { kind: 'purchase', title, amount: '120.00', approverIds: [users.carol.user.id] } });
      expect(res.status).toBe(201);
      await expectBadge(carol, 'todo-badge', await serverTodo('carol'), `carol after "${title}"`);
    }
    await expectBadge(carol, 'todo-tab-count', await serverTodo('carol'), 'the To do tab');
    await shot(carol, 'todo-count');

    // carol decides in the UI (her own decision brings no notification to her): the count falls.
    const card = carol.getByTestId('approval-card').filter({ hasText: 'Chair' });
    await card.getByRole('button', { name: /Reject/ }).click();
    await card.waitFor({ state: 'detached' });
    await expectBadge(carol, 'todo-badge', await serverTodo('carol'), 'carol after her own decision');
    await expectBadge(carol, 'todo-tab-count', await serverTodo('carol'), 'the To do tab after her decision');

    // An admin decides one in her place: the count falls on her page too.
    const decided = await server.request('POST', `/api/approvals/${lamp.id}/decision`, { token: users.admin.accessToken, body: { decision: 'approve', version: lamp.version } });
    expect(decided.status).toBe(200);
    await expectBadge(carol, 'todo-badge', await serverTodo('carol'), 'carol after an admin decided in her place');
    await dave.close();
  }, 90_000);

  it('the unread badge equals the server after each of 20 live pushes, in every tab of every user, and falls after reads in another tab', async () => {
    const bobs = await newContext();
    const bobA = await openTab(bobs, 'bob', '/orders');
    const bobB = await openTab(bobs, 'bob', '/inbox');
    const alice = await openTab(await newContext('zh-CN'), 'alice', '/inbox');
    const tabs: [string, Page][] = [['bob', bobA], ['bob', bobB], ['alice', alice]];
    for (const [name, page] of tabs) await expectBadge(page, 'unread-badge', await serverUnread(name), `${name} at first`);

    const { push } = await pushClient(server, 'badge-test');
    const targets = [{ userIds: [users.bob.user.id] }, { userIds: [users.bob.user.id, users.alice.user.id] }, { rooms: ['orders'] }, { all: true }];
    for (let i = 0; i < 20; i++) {
      const res = await push({ to: targets[i % targets.length], type: 'system.notice', title: `Push ${i + 1}`, body: `number ${i + 1}` });
      expect(res.status).toBe(202);
      for (const [name, page] of tabs) await expectBadge(page, 'unread-badge', await serverUnread(name), `${name} after push ${i + 1}`);
    }
    expect(await serverUnread('bob')).toBeGreaterThanOrEqual(20);

    // Reads in bob's second tab lower the badge in his first tab too.
    for (let i = 0; i < 3; i++) {
      const row = bobB.locator('[data-testid="inbox-item"][data-unread="true"]').first();
      const id = await row.getAttribute('data-id');
      await row.getByRole('button', { name: /^Mark read/ }).click();
      // Shown read once the server has answered: only then is its count the one to expect.
      await bobB.locator(`[data-testid="inbox-item"][data-id="${id}"][data-unread="false"]`).waitFor();
      await expectBadge(bobA, 'unread-badge', await serverUnread('bob'), `bob's other tab after read ${i + 1}`);
      await expectBadge(bobB, 'unread-badge', await serverUnread('bob'), `bob's reading tab after read ${i + 1}`);
    }
    await shot(bobB, 'badge-after-reads');
    await bobB.getByTestId('mark-all-read').click();
    await expectBadge(bobB, 'unread-badge', 0, "bob's reading tab after mark all read");
    expect(await serverUnread('bob')).toBe(0);
    await expectBadge(bobA, 'unread-badge', 0, "bob's other tab after mark all read");
    await expectBadge(alice, 'unread-badge', await serverUnread('alice'), 'alice, untouched by bob reading');

    // What alice does herself arrives already read: no toast, no rise of her badge.
    const before = await serverUnread('alice');
    const own = await server.request('POST', '/api/orders', { token: users.alice.accessToken, body: { customer: 'Her own order', items: [{ sku: 'O-1', name: 'Pen', qty: 1, unitPrice: '1.00' }] } });
    expect(own.status).toBe(201);
    const item = alice.locator('[data-testid="inbox-item"]').filter({ hasText: own.body.number as string });
    await item.waitFor();
    expect(await item.getAttribute('data-unread')).toBe('false');
    expect(await serverUnread('alice')).toBe(before);
    await expectBadge(alice, 'unread-badge', before, 'alice after her own order');
    expect(await alice.getByTestId('toast').filter({ hasText: own.body.number as string }).count()).toBe(0);
    await bobA.close();
    await bobB.close();
  }, 120_000);

  it('a burst with two outcomes keeps the rejection readable; clicking the toast opens it and marks it read', async () => {
    const submit = async (title: string) => {
      const res = await server.request('POST', '/api/approvals', { token: users.dave.accessToken, body: { kind: 'expense', title, amount: '900.00', approverIds: [users.carol.user.id] } });
      expect(res.status).toBe(201);
      return res.body as ApprovalDto;
    };
    const laptop = await submit('Laptop');
    const trip = await submit('Conference trip');
    const dave = await openTab(await newContext(), 'dave', '/approvals');
    await dave.getByTestId('approval-card').filter({ hasText: 'Conference trip' }).waitFor();
    // His own submissions are no news to him.
    expect(await dave.getByTestId('toast').count()).toBe(0);

    // carol approves one and rejects the other, back to back.
    const decide = (a: ApprovalDto, decision: string) =>
      server.request('POST', `/api/approvals/${a.id}/decision`, { token: users.carol.accessToken, body: { decision, version: a.version, comment: decision === 'reject' ? 'Not this year' : undefined } });
    expect((await decide(laptop, 'approve')).status).toBe(200);
    expect((await decide(trip, 'reject')).status).toBe(200);

    const toast = dave.getByTestId('toast');
    await toast.getByTestId('toast-more').filter({ hasText: '+1 more' }).waitFor();
    expect(await toast.count()).toBe(1); // still one toast for the burst
    expect(await toast.getByTestId('toast-headline').textContent()).toBe('Rejected: Conference trip');
    expect(await toast.getByTestId('toast-other').textContent()).toBe('Approved: Laptop');
    await shot(dave, 'toast-two-outcomes');
    // The same toast in 简体中文, switched live from the header.
    await dave.getByLabel('Language').selectOption('zh-CN');
    await toast.getByTestId('toast-more').filter({ hasText: '另有 1 条' }).waitFor();
    expect(await toast.getByTestId('toast-headline').textContent()).toBe('已驳回：Conference trip');
    expect(await toast.getByTestId('toast-other').textContent()).toBe('已批准：Laptop');
    await dave.getByLabel('语言').selectOption('en');

    const rejected = async () => {
      const page = await server.request('GET', '/api/notifications?limit=20', { token: users.dave.accessToken });
      return (page.body.items as Notification[]).find((n) => n.type === 'approval.rejected' && (n.data as { approvalId?: string }).approvalId === trip.id)!;
    };
    expect((await rejected()).readAt).toBeNull();
    const unreadBefore = await serverUnread('dave');
    await expectBadge(dave, 'unread-badge', unreadBefore, 'dave before the click');
    await toast.getByTestId('toast-headline').click();
    await dave.waitForURL(new RegExp(`/approvals/${trip.id}$`));
    await dave.getByTestId('approval-detail').getByTestId('approval-status').filter({ hasText: 'Rejected' }).waitFor();
    for (const end = Date.now() + 5000; (await rejected()).readAt === null && Date.now() < end; ) await new Promise((r) => setTimeout(r, 50));
    expect((await rejected()).readAt).not.toBeNull();
    expect(await serverUnread('dave')).toBe(unreadBefore - 1);
    await expectBadge(dave, 'unread-badge', unreadBefore - 1, 'dave after clicking the toast');
    expect(await dave.getByTestId('toast').count()).toBe(0);
  }, 90_000);

  it('the inbox: relative times with the absolute one on hover, day groups, an icon per type — in English and Chinese', async () => {
    const en = await openTab(await newContext(), 'dave', '/inbox');
    const rejected = en.locator('[data-testid="inbox-item"]').filter({ hasText: 'Rejected: Conference trip' });
    await rejected.waitFor();
    expect(await en.getByTestId('inbox-day').first().textContent()).toBe('Today');
    expect(await rejected.getByRole('img', { name: 'Request rejected' }).count()).toBe(1);
    const time = rejected.getByTestId('inbox-time');
    expect(await time.textContent()).toMatch(/^(now|\d+ (seconds?|minutes?) ago)/);
    expect(await time.getAttribute('title')).toMatch(new RegExp(String(new Date().getUTCFullYear())));
    await shot(en, 'inbox-en');

    const zh = await openTab(await newContext('zh-CN'), 'dave', '/inbox');
    const zhItem = zh.locator('[data-testid="inbox-item"]').filter({ hasText: 'Conference trip' }).filter({ has: zh.getByRole('img', { name: '申请已驳回' }) });
    await zhItem.waitFor();
    expect(await zh.getByTestId('inbox-day').first().textContent()).toBe('今天');
    expect(await zhItem.getByTestId('inbox-time').textContent()).toMatch(/^(现在|\d+\s*(秒钟|分钟)前)/);

    // A browser whose clock is past the next midnight puts today's notifications under "Yesterday".
    const utcHour = new Date().getUTCHours();
    const offsetHours = utcHour >= 12 ? 0 : 12; // a zone where it is afternoon: midnight is at most 12 h away
    const day = 86_400_000;
    const local = Date.now() + offsetHours * 3_600_000;
    const shift = Math.ceil(local / day) * day - local + 3_600_000;
    const later = await browser.newContext({ locale: 'en-US', timezoneId: offsetHours ? 'Etc/GMT-12' : 'UTC', viewport: { width: 390, height: 844 } });
    contexts.push(later);
    await later.clock.setFixedTime(Date.now() + shift);
    const tomorrow = await openTab(later, 'dave', '/inbox');
    await tomorrow.locator('[data-testid="inbox-item"]').filter({ hasText: 'Rejected: Conference trip' }).waitFor();
    expect(await tomorrow.getByTestId('inbox-day').first().textContent()).toBe('Yesterday');
    await shot(tomorrow, 'inbox-yesterday-390');
  }, 90_000);
});
