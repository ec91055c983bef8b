import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { httpEndpoint, httpErrors } from '../../../functions/shared/http.js';
import {
  countryDimension,
  metricsEnabled,
  recordDecision,
  type DecisionMetrics,
  startDynamoDbCommand,
  tracingEnabled,
} from '../../../functions/shared/observability.js';
import { silentLogger } from '../../support/test-stack.js';
import { apiEvent, captureEmf, lambdaContext, type EmfCapture, type EmfLine } from '../../support/emf.js';

const AUTHORIZE = 'POST /v1/authorize';
// The edge validates the body with the route's registry entry before the handler runs.
const AUTHORIZE_BODY = { callId: 'c-1', to: '+18765550123', sourceIp: '127.0.0.1', authMethod: 'ip' };

function denial(overrides: Record<string, unknown> = {}) {
  return {
    callId: 'c-1',
    decision: 'deny',
    reason: 'RATE_ABOVE_MAX',
    sipCode: 403,
    destination: { e164: '+18765550123', country: 'JM', prefix: '1876' },
    rule: { rule: 'RATE_ABOVE_MAX', step: 11, detail: '', evidence: {} },
    replayed: false,
    ...overrides,
  };
}

function metricValue(line: EmfLine, name: string): unknown {
  return line[name];
}

describe('when metrics and traces are on', () => {
  it('turns metrics on in Lambda and off elsewhere, POWERTOOLS_METRICS_DISABLED deciding when set', () => {
    expect(metricsEnabled({})).toBe(false);
    expect(metricsEnabled({ AWS_LAMBDA_FUNCTION_NAME: 'f' })).toBe(true);
    expect(metricsEnabled({ AWS_LAMBDA_FUNCTION_NAME: 'f', POWERTOOLS_METRICS_DISABLED: 'true' })).toBe(false);
    expect(metricsEnabled({ AWS_LAMBDA_FUNCTION_NAME: 'f', POWERTOOLS_DEV: 'true' })).toBe(false);
    expect(metricsEnabled({ POWERTOOLS_METRICS_DISABLED: 'false' })).toBe(true);
    expect(metricsEnabled({ POWERTOOLS_METRICS_DISABLED: 'false', POWERTOOLS_DEV: 'true' })).toBe(true);
  });

  it('keeps the country dimension to ISO codes', () => {
    expect(countryDimension('GB')).toBe('GB');
    expect(countryDimension(null)).toBe('none');
    expect(countryDimension('gb')).toBe('other');
    expect(countryDimension('<script>')).toBe('other');
  });

  it('traces only in Lambda, unless POWERTOOLS_TRACE_ENABLED is false', () => {
    expect(tracingEnabled({})).toBe(false);
    expect(tracingEnabled({ POWERTOOLS_TRACE_ENABLED: 'true' })).toBe(false);
    expect(tracingEnabled({ AWS_LAMBDA_FUNCTION_NAME: 'f' })).toBe(true);
    expect(tracingEnabled({ AWS_LAMBDA_FUNCTION_NAME: 'f', POWERTOOLS_TRACE_ENABLED: 'false' })).toBe(false);
  });
});

describe('the HTTP edge', () => {
  let emf: EmfCapture;

  beforeEach(() => {
    emf = captureEmf();
  });

  afterEach(() => {
    emf.restore();
    vi.unstubAllEnvs();
  });

  it('writes no metrics outside Lambda unless asked', async () => {
    vi.stubEnv('AWS_LAMBDA_FUNCTION_NAME', undefined);
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', undefined);
    const handler = httpEndpoint({ routes: [AUTHORIZE], logger: silentLogger }, async () => ({ status: 200, body: denial() }));

    const response = await handler(apiEvent(AUTHORIZE, { role: 'switch', body: AUTHORIZE_BODY }), lambdaContext);

    expect(response).toMatchObject({ statusCode: 200 });
    expect(emf.lines).toEqual([]);
  });

  describe('with metrics on', () => {
    beforeEach(() => {
      vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
    });

    it('emits the decision by reason and by country, the latency and the fail-mode count of an authorize answer', async () => {
      const handler = httpEndpoint({ routes: [AUTHORIZE], logger: silentLogger }, async () => {
        await new Promise((done) => setTimeout(done, 20));
        recordDecision({ decision: 'deny', reason: 'RATE_ABOVE_MAX', country: 'JM', degraded: false });
        return { status: 200, body: denial() };
      });

      const response = await handler(apiEvent(AUTHORIZE, { role: 'switch', body: AUTHORIZE_BODY }), lambdaContext);

      expect(response).toMatchObject({ statusCode: 200 });
      const [decisions, ...moreDecisions] = emf.withMetric('Decisions');
      expect(moreDecisions).toEqual([]);
      expect(decisions?._aws.CloudWatchMetrics).toEqual([
        { Namespace: 'Tollgate', Dimensions: [['service', 'decision', 'reason'], ['service', 'country']], Metrics: [{ Name: 'Decisions', Unit: 'Count' }] },
      ]);
      expect(decisions).toMatchObject({ service: 'authorize', decision: 'deny', reason: 'RATE_ABOVE_MAX', country: 'JM', Decisions: 1 });

      const [request] = emf.withMetric('AuthorizeLatency');
      expect(request?._aws.CloudWatchMetrics[0]?.Dimensions).toEqual([['service']]);
      expect(request).toMatchObject({ service: 'authorize', DegradedDecisions: 0, DynamoDbRequests: 0, DynamoDbTime: 0 });
      expect(metricValue(request as EmfLine, 'AuthorizeLatency')).toBeGreaterThanOrEqual(19);
      expect(request).not.toHaveProperty('reason');
    });

    it('counts a degraded decision, and does not count a replayed one again', async () => {
      const decisions: DecisionMetrics[] = [
        { decision: 'deny', reason: 'SERVICE_DEGRADED', country: null, degraded: true },
        { decision: 'deny', reason: 'RATE_ABOVE_MAX', country: 'JM', degraded: false, replayed: true },
      ];
      const handler = httpEndpoint({ routes: [AUTHORIZE], logger: silentLogger }, async () => {
        const next = decisions.shift();
        if (next) recordDecision(next);
        return { status: 200, body: denial() };
      });

      await handler(apiEvent(AUTHORIZE, { role: 'switch', body: AUTHORIZE_BODY }), lambdaContext);
      await handler(apiEvent(AUTHORIZE, { role: 'switch', body: AUTHORIZE_BODY }), lambdaContext);

      expect(emf.withMetric('DegradedDecisions').map((line) => line.DegradedDecisions)).toEqual([1, 0]);
      expect(emf.withMetric('Decisions')).toEqual([expect.objectContaining({ reason: 'SERVICE_DEGRADED', country: 'none' })]);
    });

    it("counts the decision the handler records, not the answer's body, with the latency it passes", async () => {
      const handler = httpEndpoint({ routes: [AUTHORIZE], logger: silentLogger }, async () => {
        recordDecision({ decision: 'allow', reason: 'ALLOWED', country: 'US', degraded: false, latencyMs: 7 });
        return { status: 200, body: denial() };
      });

      await handler(apiEvent(AUTHORIZE, { role: 'switch', body: AUTHORIZE_BODY }), lambdaContext);

      expect(emf.withMetric('Decisions')).toEqual([expect.objectContaining({ reason: 'ALLOWED', country: 'US' })]);
      expect(emf.withMetric('AuthorizeLatency')).toEqual([expect.objectContaining({ AuthorizeLatency: 7 })]);
    });

    it('emits the request metrics of other routes, and of an error answer, without a decision', async () => {
      const health = httpEndpoint({ routes: ['GET /health'], logger: silentLogger }, async () => ({ status: 200, body: { status: 'ok' } }));
      const failing = httpEndpoint({ routes: [AUTHORIZE], logger: silentLogger }, async () => {
        throw httpErrors.conflict('no');
      });

      await health(apiEvent('GET /health'), lambdaContext);
      const conflict = await failing(apiEvent(AUTHORIZE, { role: 'switch', body: AUTHORIZE_BODY }), lambdaContext);

      expect(conflict).toMatchObject({ statusCode: 409 });
      expect(emf.lines.map((line) => line.service)).toEqual(['health', 'authorize']);
      expect(emf.withMetric('DynamoDbRequests')).toHaveLength(2);
      expect(emf.withMetric('Decisions')).toEqual([]);
      expect(emf.withMetric('AuthorizeLatency')).toEqual([]);
    });

    it('keeps the DynamoDB commands of concurrent requests apart', async () => {
      const command = async (name: string, ms: number) => {
        const done = startDynamoDbCommand(name);
        await new Promise((resolve) => setTimeout(resolve, ms));
        done?.();
      };
      const handler = httpEndpoint({ routes: ['GET /health'], logger: silentLogger }, async ({ event }) => {
        if (event.requestContext.requestId === 'one') await command('GetItem', 30);
        else await Promise.all([command('PutItem', 10), command('UpdateItem', 10), command('Query', 10)]);
        return { status: 200, body: {} };
      });
      const event = (requestId: string) => {
        const base = apiEvent('GET /health');
        return { ...base, requestContext: { ...base.requestContext, requestId } };
      };

      await Promise.all([handler(event('one'), lambdaContext), handler(event('three'), lambdaContext)]);

      const byCount = Object.fromEntries(emf.withMetric('DynamoDbRequests').map((line) => [String(line.DynamoDbRequests), line]));
      expect(Object.keys(byCount).sort()).toEqual(['1', '3']);
      expect(byCount['1']?.dynamoDbCommands).toMatch(/^GetItem \d/);
      expect(String(byCount['3']?.dynamoDbCommands).split(', ').map((entry) => entry.split(' ')[0]).sort()).toEqual(['PutItem', 'Query', 'UpdateItem']);
      // three parallel 10 ms commands: about 10 ms of DynamoDB time, not their 30 ms sum
      expect(byCount['3']?.DynamoDbTime).toBeLessThan(25);
      expect(byCount['3']?.DynamoDbCommandTime).toHaveLength(3);
    });
  });
});
