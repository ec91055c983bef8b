/**
 * The OpenAPI document against the contract it is generated from: a route, a path parameter or a request schema that
 * drifts from the route table or from the registry the HTTP edge validates with fails here, naming what to add.
 */
import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { ROUTE_SCHEMAS, routeKeyOf, routeSchemasOf, type RouteSchemas } from '../../../domain/contract/http-schemas.js';
import { buildOpenApiDocument, errorStatusesOf, jsonSchemaOf, operationIdOf, type OpenApiOperation } from '../../../domain/contract/openapi.js';
import { PATH_PARAMETER_SCHEMAS, pathParameterNames, type PathParameterName } from '../../../domain/contract/path-parameters.js';
import { ROUTES, type RouteDefinition } from '../../../domain/contract/routes.js';
import { DECISION_REASONS, DEFAULT_SIP_RESPONSES } from '../../../domain/policy/decision.js';

const document = buildOpenApiDocument();
const registry = ROUTE_SCHEMAS as Readonly<Record<string, RouteSchemas>>;
const takesBody = (route: RouteDefinition) => route.method === 'POST' || route.method === 'PUT';

function operation(route: RouteDefinition): OpenApiOperation | undefined {
  return document.paths[route.path]?.[route.method.toLowerCase()];
}

const ADD_AN_ENTRY =
  "add its entry to ROUTE_SCHEMAS in domain/contract/http-schemas.ts, e.g. 'POST /v1/what-if': { summary: '...', body: whatIfSchema, " +
  "responses: { 200: { description: '...', schema: whatIfAnswerSchema } }, errors: [404] }, and declare the key in its endpoint's httpEndpoint({ routes: [...] })";

describe('the registry of request schemas (domain/contract/http-schemas.ts)', () => {
  it('has an entry for every route of the route table', () => {
    const missing = ROUTES.filter((route) => !routeSchemasOf(route)).map(routeKeyOf);

    expect(missing, `routes without a registry entry: ${ADD_AN_ENTRY}`).toEqual([]);
  });

  it('has no entry for a route the table does not have', () => {
    const routeKeys = new Set(ROUTES.map(routeKeyOf));

    const orphans = Object.keys(ROUTE_SCHEMAS).filter((key) => !routeKeys.has(key));

    expect(orphans, 'registry entries without a route: add the route to ROUTES in domain/contract/routes.ts, or remove the entry').toEqual([]);
  });

  it('says how each POST and PUT takes its body (JSON schema, raw text or none), and gives GET and DELETE none', () => {
    const problems = ROUTES.flatMap((route) => {
      const schemas = routeSchemasOf(route);
      if (!schemas) return [];
      const ways = [schemas.body, schemas.rawBody, schemas.noBody].filter((way) => way !== undefined).length;
      if (takesBody(route) && ways !== 1) return [`${routeKeyOf(route)}: needs exactly one of body (a zod schema), rawBody or noBody: true`];
      if (!takesBody(route) && ways !== 0) return [`${routeKeyOf(route)}: a ${route.method} carries no body`];
      return [];
    });

    expect(problems).toEqual([]);
  });

  it('gives every route at least one success answer with a description', () => {
    const without = ROUTES.filter((route) => {
      const answers = Object.entries(routeSchemasOf(route)?.responses ?? {});
      return answers.length === 0 || answers.some(([status, answer]) => Number(status) >= 400 || answer.description.trim() === '');
    });

    expect(without.map(routeKeyOf)).toEqual([]);
  });
});

describe('the OpenAPI document (domain/contract/openapi.ts)', () => {
  it('is valid OpenAPI 3.1', async () => {
    const validator = new Validator();

    const result = await validator.validate(structuredClone(document));

    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('is checked by a validator that refuses a broken document', async () => {
    const broken = structuredClone(document) as unknown as { paths: Record<string, Record<string, { parameters: unknown[] }>> };
    // OpenAPI 2's body parameter, which 3.x replaced with requestBody.
    broken.paths['/v1/authorize']?.post?.parameters.push({ name: 'body', in: 'body', schema: { type: 'object' } });

    const result = await new Validator().validate(broken);

    expect(result.valid).toBe(false);
  });

  it('has every route of the table with its method, once', () => {
    const documented = Object.entries(document.paths).flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`));

    expect(documented.sort()).toEqual(ROUTES.map(routeKeyOf).sort());
    expect(new Set(ROUTES.map(operationIdOf)).size).toBe(ROUTES.length);
  });

  it.each(ROUTES.map((route) => ({ key: routeKeyOf(route), route })))('states who may call $key', ({ route }) => {
    const documented = operation(route);

    if (route.access === 'public') {
      expect(documented?.security).toEqual([]);
      expect(documented?.['x-roles']).toEqual([]);
      expect(documented?.description).toContain('Public: no credential.');
    } else {
      expect(documented?.security).toEqual([{ bearer: [] }]);
      expect(documented?.['x-roles']).toEqual(route.access);
      expect(documented?.description).toContain(`Roles: ${route.access.join(', ')}.`);
    }
  });

  it('declares every path parameter, required, with the schema that parses it', () => {
    const problems = ROUTES.flatMap((route) =>
      pathParameterNames(route.path).flatMap((name) => {
        const declared = operation(route)?.parameters.find((parameter) => parameter.in === 'path' && parameter.name === name);
        const expected = { name, in: 'path', required: true, schema: jsonSchemaOf(PATH_PARAMETER_SCHEMAS[name as PathParameterName], 'input') };
        return JSON.stringify(declared) === JSON.stringify(expected) ? [] : [`${routeKeyOf(route)}: {${name}}`];
      }),
    );

    expect(problems).toEqual([]);
  });

  it('shows each JSON body as the JSON Schema of the zod schema the HTTP edge validates it with', () => {
    const bodyRoutes = ROUTES.filter((route) => routeSchemasOf(route)?.body);
    expect(bodyRoutes.length).toBeGreaterThan(10);

    for (const route of bodyRoutes) {
      const schema = routeSchemasOf(route)?.body as z.ZodType;
      const documented = operation(route)?.requestBody?.content['application/json']?.schema;

      // zod's own JSON Schema of the body as a request (a field with a default is optional), less the dialect line.
      const { $schema: dialect, ...expected } = z.toJSONSchema(schema, { io: 'input' });

      expect(dialect).toBe('https://json-schema.org/draft/2020-12/schema');
      expect(documented, routeKeyOf(route)).toEqual(expected);
      expect(documented, routeKeyOf(route)).toMatchObject({ type: 'object' });
    }
  });

  it('shows the query parameters each route parses, with their schemas', () => {
    const problems = ROUTES.flatMap((route) => {
      const query = routeSchemasOf(route)?.query;
      const documented = (operation(route)?.parameters ?? []).filter((parameter) => parameter.in === 'query');
      if (!query) return documented.length === 0 ? [] : [`${routeKeyOf(route)}: documents a query it does not parse`];
      const properties = (jsonSchemaOf(query, 'input').properties ?? {}) as Record<string, unknown>;
      const same = JSON.stringify(documented.map(({ name, schema }) => [name, schema])) === JSON.stringify(Object.entries(properties));
      return same ? [] : [`${routeKeyOf(route)}: query parameters differ from its schema`];
    });

    expect(problems).toEqual([]);
    const reviews = operation(ROUTES.find((route) => routeKeyOf(route) === 'GET /v1/reviews') as RouteDefinition);
    expect(reviews?.parameters.map((parameter) => [parameter.name, parameter.required])).toEqual([
      ['status', false],
      ['limit', false],
      ['cursor', false],
    ]);
  });

  it('documents the raw CSV body of the rate deck import', () => {
    const rateDeck = document.paths['/v1/rate-deck']?.put;

    expect(Object.keys(rateDeck?.requestBody?.content ?? {})).toEqual(['text/csv']);
  });

  it('lists the error statuses each route may answer, each in the one error shape', () => {
    const statuses = (key: string) => Object.keys(document.paths[key.split(' ')[1] ?? '']?.[key.split(' ')[0]?.toLowerCase() ?? '']?.responses ?? {});

    expect(statuses('POST /v1/authorize')).toEqual(['200', '400', '401', '403', '409', '413']);
    expect(statuses('GET /v1/accounts/{accountId}')).toEqual(['200', '400', '401', '403', '404', '503']);
    expect(statuses('GET /health')).toEqual(['200']);
    expect(statuses('PUT /v1/rate-deck')).toEqual(['200', '400', '401', '403', '413', '503']);
    const components = document.components as { responses: Record<string, { content: Record<string, { schema: unknown }> }> };
    for (const route of ROUTES) {
      for (const status of errorStatusesOf(route, routeSchemasOf(route) as RouteSchemas)) {
        expect(operation(route)?.responses[String(status)]).toEqual({ $ref: `#/components/responses/Error${status}` });
        expect(components.responses[`Error${status}`]?.content['application/json']?.schema).toEqual({ $ref: '#/components/schemas/Error' });
      }
    }
  });

  it('shows the error shape { error: { code, message, details: [{ field, message }] } }', () => {
    const error = (document.components as { schemas: Record<string, { properties: Record<string, { required: string[]; properties: Record<string, unknown> }> }> }).schemas.Error;

    expect(error?.properties.error?.required).toEqual(['code', 'message', 'details']);
    expect(error?.properties.error?.properties.details).toMatchObject({ type: 'array', items: { required: ['field', 'message'] } });
  });

  it('lists every decision reason with the SIP response a denial sends by default', () => {
    const reason = (document.components as { schemas: Record<string, { enum: string[]; description: string; 'x-sip-responses': Record<string, unknown> }> }).schemas.DecisionReason;

    expect(reason?.enum).toEqual([...DECISION_REASONS]);
    expect(reason?.['x-sip-responses']).toEqual(DEFAULT_SIP_RESPONSES);
    expect(reason?.description).toContain('| INSUFFICIENT_BALANCE | 402 Payment Required |');
  });

  it('gives an authorize request and its allow and deny answers as examples, each valid against its schema', () => {
    const authorize = ROUTE_SCHEMAS['POST /v1/authorize'];
    const documented = document.paths['/v1/authorize']?.post;

    expect(Object.keys(documented?.requestBody?.content['application/json']?.examples ?? {})).toEqual(['ipAuthenticated']);
    expect(Object.keys((documented?.responses['200'] as { content: Record<string, { examples: object }> }).content['application/json']?.examples ?? {})).toEqual(['allow', 'deny']);
    for (const example of Object.values(authorize.bodyExamples)) expect(authorize.body.safeParse(example.value).error?.issues ?? []).toEqual([]);
    for (const example of Object.values(authorize.responses[200].examples)) expect(authorize.responses[200].schema.safeParse(example.value).error?.issues ?? []).toEqual([]);
  });

  it('keeps every example of every route valid against its schema', () => {
    const problems = Object.entries(registry).flatMap(([key, schemas]) => [
      ...Object.entries(schemas.bodyExamples ?? {}).filter(([, example]) => !schemas.body?.safeParse(example.value).success).map(([name]) => `${key} body example ${name}`),
      ...Object.entries(schemas.responses).flatMap(([status, answer]) =>
        Object.entries(answer.examples ?? {}).filter(([, example]) => !answer.schema?.safeParse(example.value).success).map(([name]) => `${key} ${status} example ${name}`),
      ),
    ]);

    expect(problems).toEqual([]);
  });

  it('fails to build, naming the route, when a route has no registry entry', () => {
    const unregistered: RouteDefinition = { method: 'POST', path: '/v1/nowhere', functionName: 'policy', access: ['customer', 'admin'] };

    expect(() => buildOpenApiDocument([...ROUTES, unregistered])).toThrow('POST /v1/nowhere has no entry in domain/contract/http-schemas.ts');
  });
});
