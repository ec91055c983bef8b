import { describe, expect, it } from 'vitest';
import { ROUTES } from '../../domain/contract/routes.js';

describe('HTTP contract table', () => {
  it('leaves only /health and the OpenAPI document without a credential', () => {
    const publicRoutes = ROUTES.filter((route) => route.access === 'public').map((route) => route.path);
    expect(publicRoutes).toEqual(['/health', '/v1/openapi.json']);
  });
});
