import { describe, expect, it } from 'vitest';
import { isPathParameterName, PATH_PARAMETER_SCHEMAS, pathParameterNames } from '../../../domain/contract/path-parameters.js';
import { authorizationRequestSchema } from '../../../domain/policy/authorization-request.js';
import { ROUTES } from '../../../domain/contract/routes.js';

describe('path parameters of the contract', () => {
  it('declares a schema for every parameter a route names', () => {
    const undeclared = ROUTES.flatMap((route) => pathParameterNames(route.path).filter((name) => !isPathParameterName(name)).map((name) => `${route.path}: {${name}}`));

    expect(undeclared).toEqual([]);
  });

  it('validates {callId} exactly as the authorize body does', () => {
    const samples = ['a', 'call@pbx.example', 'x'.repeat(256), 'x'.repeat(257), ''];

    const fromPath = samples.map((value) => PATH_PARAMETER_SCHEMAS.callId.safeParse(value).success);
    const fromBody = samples.map((value) => authorizationRequestSchema.shape.callId.safeParse(value).success);

    expect(fromPath).toEqual(fromBody);
    expect(fromPath).toEqual([true, true, true, false, false]);
  });

  it('reads the placeholders of a path template in order', () => {
    expect(pathParameterNames('/v1/accounts/{accountId}/blocked-destinations/{destination}')).toEqual(['accountId', 'destination']);
  });
});
