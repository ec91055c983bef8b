/**
 * Issue 15, admin console: GET /v1/accounts lists accounts in id order with cursor paging and a search by the start
 * of the id, each as GET /v1/accounts/{id} shows it; admins only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../support/test-stack.js';

let stack: TestStack;
const ids = ['north-2', 'north-1', 'north-3', 'south-1', 'northern-x'];

beforeAll(async () => {
  stack = await startTestStack();
  for (const accountId of ids) {
    expect((await stack.call('POST', '/v1/accounts', { token: stack.adminToken, body: { accountId, name: `Name of ${accountId}`, homeCountry: 'GB' } })).status).toBe(201);
  }
  expect((await stack.call('POST', '/v1/accounts/north-2/credits', { token: stack.adminToken, body: { amount: 12.5 } })).status).toBe(200);
  expect((await stack.call('POST', '/v1/accounts/south-1/suspend', { token: stack.adminToken, body: { note: 'listing test' } })).status).toBe(200);
});

afterAll(async () => {
  await stack?.stop();
});

const list = (query = '') => stack.call('GET', `/v1/accounts${query}`, { token: stack.adminToken });

describe('GET /v1/accounts', () => {
  it('lists every account in id order, each with its status and balance as the account view shows them', async () => {
    const response = await list();

    expect(response.status).toBe(200);
    expect(response.body.accounts.map((account: { accountId: string }) => account.accountId)).toEqual([...ids].sort());
    expect(response.body.nextCursor).toBeNull();
    const north2 = response.body.accounts.find((account: { accountId: string }) => account.accountId === 'north-2');
    expect(north2).toEqual((await stack.call('GET', '/v1/accounts/north-2', { token: stack.adminToken })).body);
    expect(north2).toMatchObject({ name: 'Name of north-2', homeCountry: 'GB', status: 'active', balance: 12.5, available: 12.5 });
    expect(response.body.accounts.find((account: { accountId: string }) => account.accountId === 'south-1').status).toBe('suspended');
  });

  it('pages with the cursor, neither repeating nor skipping an account', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const response: any = await list(`?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(response.status).toBe(200);
      expect(response.body.accounts.length).toBeLessThanOrEqual(2);
      seen.push(...response.body.accounts.map((account: { accountId: string }) => account.accountId));
      cursor = response.body.nextCursor;
      pages += 1;
    } while (cursor && pages < 10);

    expect(seen).toEqual([...ids].sort());
    expect(pages).toBeGreaterThanOrEqual(3);
  });

  it('searches by the start of the id, and pages within the search', async () => {
    const north = await list('?search=north-');
    expect(north.body.accounts.map((account: { accountId: string }) => account.accountId)).toEqual(['north-1', 'north-2', 'north-3']);

    const first = await list('?search=north&limit=2');
    const second = await list(`?search=north&limit=2&cursor=${first.body.nextCursor}`);
    const rest = second.body.nextCursor ? (await list(`?search=north&limit=2&cursor=${second.body.nextCursor}`)).body.accounts : [];
    expect([...first.body.accounts, ...second.body.accounts, ...rest].map((account: { accountId: string }) => account.accountId)).toEqual(['north-1', 'north-2', 'north-3', 'northern-x']);

    expect((await list('?search=nobody')).body).toEqual({ accounts: [], nextCursor: null });
  });

  it('refuses a bad search, a bad cursor and a cursor from another search with a 400 naming the field', async () => {
    const badSearch = await list('?search=' + encodeURIComponent('no spaces'));
    expect(badSearch.status).toBe(400);
    expect(badSearch.body.error.details).toContainEqual(expect.objectContaining({ field: 'search' }));

    expect((await list('?cursor=not-a-cursor')).status).toBe(400);
    const southCursor = (await list('?limit=1')).body.nextCursor;
    const crossed = await list(`?search=south&cursor=${southCursor}`);
    expect(crossed.status).toBe(400);
    expect(crossed.body.error.details).toContainEqual(expect.objectContaining({ field: 'cursor' }));
  });

  it('is for admins only', async () => {
    const reviewer = await stack.issue('reviewer');
    const customer = await stack.issue('customer', 'north-1');

    expect((await stack.call('GET', '/v1/accounts', { token: reviewer })).status).toBe(403);
    expect((await stack.call('GET', '/v1/accounts', { token: customer })).status).toBe(403);
    expect((await stack.call('GET', '/v1/accounts', {})).status).toBe(401);
  });
});
