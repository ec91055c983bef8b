import { describe, expect, it } from 'vitest';
import { assertEachServesItsRoutes } from '../../../functions/local/handlers.js';
import { httpEndpoint } from '../../../functions/shared/http.js';
import { silentLogger } from '../../support/test-stack.js';

const ok = async () => ({ status: 200 });

describe('the local stack wires each function to the routes its endpoint declares', () => {
  it('accepts an endpoint declaring exactly the routes the table gives its function', () => {
    const handlers = { 'rate-deck': httpEndpoint({ routes: ['GET /v1/rate-deck', 'PUT /v1/rate-deck'], logger: silentLogger }, ok) };

    expect(assertEachServesItsRoutes(handlers)).toBe(handlers);
  });

  it('refuses one that leaves a route of its function undeclared, naming both lists', () => {
    const handlers = { 'rate-deck': httpEndpoint({ routes: ['GET /v1/rate-deck'], logger: silentLogger }, ok) };

    expect(() => assertEachServesItsRoutes(handlers)).toThrow('functions/rate-deck declares [GET /v1/rate-deck] but serves [GET /v1/rate-deck, PUT /v1/rate-deck]');
  });
});
