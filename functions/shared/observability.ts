/**
 * Metrics (CloudWatch EMF through Powertools Metrics) and traces (X-Ray through Powertools Tracer) for the HTTP
 * edge and the DynamoDB client.
 *
 * Where they are on:
 * - metrics: in Lambda (`AWS_LAMBDA_FUNCTION_NAME` set) unless `POWERTOOLS_METRICS_DISABLED` is true; elsewhere (the
 *   local stack, tests, benchmarks) only when `POWERTOOLS_METRICS_DISABLED=false` asks for them, so nothing is written
 *   to stdout by default. `POWERTOOLS_DEV=true` turns them off as Powertools documents. Decided when an endpoint is
 *   built (see {@link observeEndpoint}).
 * - traces: in Lambda unless `POWERTOOLS_TRACE_ENABLED=false`; never elsewhere. The Tracer (and the X-Ray SDK, whose
 *   async hooks cost every promise of the process) is loaded only then, at module load, so that the DynamoDB client
 *   is captured the moment it is created.
 *
 * Per HTTP request, one EMF line (dimension `service`, the Tollgate function that answered, from the route table):
 * `DynamoDbTime` (ms during which at least one DynamoDB command of the request was in flight), `DynamoDbRequests`,
 * `DynamoDbCommandTime` (one value per command; the commands and their durations are in the line's
 * `dynamoDbCommands` field), and for authorize `AuthorizeLatency` (ms) and `DegradedDecisions` (0 or 1). Per
 * authorize decision (retries of a decided callId excluded), one more line: `Decisions` (count) under the dimension
 * sets [service, decision, reason] and [service, country]. Every dimension is bounded: the route table's function
 * names, allow/deny, the reason codes, ISO 3166-1 alpha-2 codes (anything else is `other`, no destination `none`).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { performance } from 'node:perf_hooks';
import type { MiddlewareObj } from '@middy/core';
import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { Tracer } from '@aws-lambda-powertools/tracer';
import { ROUTES } from '../../domain/contract/routes.js';
import { getLogger, type Logger } from './logger.js';

export const METRICS_NAMESPACE = 'Tollgate';

/** Every metric name Tollgate emits; infra/constructs/monitoring.ts graphs and alarms on these (test/infra checks). */
export const METRIC_NAMES = {
  decisions: 'Decisions',
  authorizeLatency: 'AuthorizeLatency',
  degradedDecisions: 'DegradedDecisions',
  dynamoDbTime: 'DynamoDbTime',
  dynamoDbRequests: 'DynamoDbRequests',
  dynamoDbCommandTime: 'DynamoDbCommandTime',
} as const;

type Environment = Readonly<Record<string, string | undefined>>;

const TRUE_VALUES = new Set(['1', 'true', 'on', 'yes', 'y']);
const FALSE_VALUES = new Set(['0', 'false', 'off', 'no', 'n']);

function flag(value: string | undefined): boolean | undefined {
  const normalized = value?.trim().toLowerCase();
  if (normalized === undefined || normalized === '') return undefined;
  if (TRUE_VALUES.has(normalized)) return true;
  if (FALSE_VALUES.has(normalized)) return false;
  return undefined;
}

export function inLambda(env: Environment = process.env): boolean {
  return Boolean(env.AWS_LAMBDA_FUNCTION_NAME);
}

/** Metrics are on in Lambda, off elsewhere; `POWERTOOLS_METRICS_DISABLED` decides when set, then `POWERTOOLS_DEV`. */
export function metricsEnabled(env: Environment = process.env): boolean {
  const disabled = flag(env.POWERTOOLS_METRICS_DISABLED);
  if (disabled !== undefined) return !disabled;
  if (flag(env.POWERTOOLS_DEV) === true) return false;
  return inLambda(env);
}

/** Traces only in Lambda (there is no X-Ray daemon anywhere else), unless `POWERTOOLS_TRACE_ENABLED=false`. */
export function tracingEnabled(env: Environment = process.env): boolean {
  return inLambda(env) && flag(env.POWERTOOLS_TRACE_ENABLED) !== false;
}

interface Tracing {
  readonly tracer: Tracer;
  readonly middleware: MiddlewareObj;
}

async function loadTracing(): Promise<Tracing> {
  const [{ Tracer }, { captureLambdaHandler }] = await Promise.all([import('@aws-lambda-powertools/tracer'), import('@aws-lambda-powertools/tracer/middleware')]);
  const tracer = new Tracer();
  // The response carries account ids and numbers: it stays out of the trace.
  return { tracer, middleware: captureLambdaHandler(tracer, { captureResponse: false }) as MiddlewareObj };
}

const tracing: Tracing | undefined = tracingEnabled() ? await loadTracing() : undefined;

/** Adds X-Ray subsegments for every command of an AWS SDK v3 client when tracing is on; the client unchanged otherwise. */
export function traceAwsClient<T>(client: T): T {
  return tracing ? tracing.tracer.captureAWSv3Client(client) : client;
}

/** Marks the current trace segment with an error the edge turned into a 5xx answer (a 4xx is the caller's, not a fault). */
export function traceError(error: unknown): void {
  if (tracing && error instanceof Error) tracing.tracer.addErrorAsMetadata(error);
}

/** One authorize decision, as the metrics see it. */
export interface DecisionMetrics {
  readonly decision: 'allow' | 'deny';
  /** The decision's reason code (ALLOWED or a deny reason). */
  readonly reason: string;
  /** ISO 3166-1 alpha-2 code of the destination; null or undefined when the number had no destination. */
  readonly country?: string | null;
  /** Decided in the fail mode (the database failed or missed the budget, or the credential could not be verified). */
  readonly degraded: boolean;
  /** The answer to a retried callId: counted in the latency, not again as a decision. */
  readonly replayed?: boolean;
  /** Measured by the edge (start of the invocation to the answer) when left out. */
  readonly latencyMs?: number;
}

interface CommandTime {
  readonly command: string;
  readonly ms: number;
}

/** What one HTTP invocation measured; flushed as EMF when it answers. */
class Invocation {
  readonly startedAt = performance.now();
  readonly commands: CommandTime[] = [];
  dynamoDbBusyMs = 0;
  decision: DecisionMetrics | undefined;
  flushed = false;
  private inFlight = 0;
  private busySince = 0;

  constructor(readonly service: string) {}

  commandStarted(command: string): () => void {
    const started = performance.now();
    if (this.inFlight === 0) this.busySince = started;
    this.inFlight += 1;
    return () => {
      const ended = performance.now();
      this.inFlight -= 1;
      if (this.inFlight === 0) this.dynamoDbBusyMs += ended - this.busySince;
      this.commands.push({ command, ms: ended - started });
    };
  }

  /** Time with a command in flight, up to now for commands still running (a deadline answered before them). */
  busyMs(now: number): number {
    return this.dynamoDbBusyMs + (this.inFlight > 0 ? now - this.busySince : 0);
  }
}

const invocations = new AsyncLocalStorage<Invocation>();

/**
 * Times one DynamoDB command of the current HTTP invocation; call the returned function when it has settled.
 * Undefined (nothing to do) outside an invocation whose metrics are on.
 */
export function startDynamoDbCommand(command: string): (() => void) | undefined {
  const invocation = invocations.getStore();
  return invocation && !invocation.flushed ? invocation.commandStarted(command) : undefined;
}

/** Records the authorize decision of the current invocation (authorize's endpoint calls it). No-op when metrics are off. */
export function recordDecision(decision: DecisionMetrics): void {
  const invocation = invocations.getStore();
  if (!invocation || invocation.flushed) return;
  invocation.decision = decision;
}

const COUNTRY = /^[A-Z]{2}$/;

/** A bounded value for the `country` dimension. */
export function countryDimension(country: string | null | undefined): string {
  if (country === null || country === undefined || country === '') return 'none';
  return COUNTRY.test(country) ? country : 'other';
}

const functionNames = new Map(ROUTES.map((route) => [`${route.method} ${route.path}`, route.functionName as string]));

/** The Tollgate function behind an API Gateway route key; undefined for a key the route table does not have. */
export function functionNameOfRoute(routeKey: string | undefined): string | undefined {
  return routeKey === undefined ? undefined : functionNames.get(routeKey);
}

export interface EndpointObservability {
  /** Runs one invocation in its own measurement scope (directly when metrics are off). */
  run<T>(routeKey: string | undefined, invoke: () => Promise<T>): Promise<T>;
  /** The middy middlewares, outermost first: logger context, tracer, metrics. */
  readonly middlewares: readonly MiddlewareObj[];
}

/**
 * The observability of one HTTP endpoint (in Lambda: of the function). Metrics are switched on or off here, when
 * the endpoint is built; one Metrics instance per endpoint, its `service` dimension the function that answers.
 */
export function observeEndpoint(options: { readonly logger?: Logger; readonly env?: Environment } = {}): EndpointObservability {
  const env = options.env ?? process.env;
  const middlewares: MiddlewareObj[] = [];
  // Lambda only: locally every handler shares one process and one logger, and a request's context would leak into
  // the log lines of the requests running beside it.
  if (inLambda(env)) middlewares.push(injectLambdaContext(options.logger instanceof PowertoolsLogger ? options.logger : getLogger()) as MiddlewareObj);
  if (tracing) middlewares.push(tracing.middleware);
  if (!metricsEnabled(env)) {
    return { run: (_routeKey, invoke) => invoke(), middlewares };
  }

  const metrics = new Metrics({ namespace: env.POWERTOOLS_METRICS_NAMESPACE || METRICS_NAMESPACE, serviceName: 'tollgate', logger: options.logger ?? getLogger() });
  let service: string | undefined;
  const flush = (): void => {
    const invocation = invocations.getStore();
    if (!invocation || invocation.flushed) return;
    addInvocationMetrics(metrics, invocation);
  };
  middlewares.push(logMetrics(metrics, { captureColdStartMetric: inLambda(env) }) as MiddlewareObj, { after: flush, onError: flush });

  return {
    middlewares,
    run(routeKey, invoke) {
      const functionName = functionNameOfRoute(routeKey) ?? service ?? 'unknown';
      if (functionName !== service) {
        service = functionName;
        metrics.clearDefaultDimensions();
        metrics.setDefaultDimensions({ service });
      }
      return invocations.run(new Invocation(functionName), invoke);
    },
  };
}

/** Adds what the invocation measured to the endpoint's metrics (logMetrics publishes them next) and the decision line. */
function addInvocationMetrics(metrics: Metrics, invocation: Invocation): void {
  invocation.flushed = true;
  const now = performance.now();
  metrics.addMetric(METRIC_NAMES.dynamoDbTime, MetricUnit.Milliseconds, round(invocation.busyMs(now)));
  metrics.addMetric(METRIC_NAMES.dynamoDbRequests, MetricUnit.Count, invocation.commands.length);
  for (const { ms } of invocation.commands) metrics.addMetric(METRIC_NAMES.dynamoDbCommandTime, MetricUnit.Milliseconds, round(ms));
  if (invocation.commands.length > 0) metrics.addMetadata('dynamoDbCommands', invocation.commands.map(({ command, ms }) => `${command} ${round(ms)}`).join(', '));
  const decision = invocation.decision;
  if (!decision) return;
  metrics.addMetric(METRIC_NAMES.authorizeLatency, MetricUnit.Milliseconds, round(decision.latencyMs ?? now - invocation.startedAt));
  metrics.addMetric(METRIC_NAMES.degradedDecisions, MetricUnit.Count, decision.degraded ? 1 : 0);
  if (decision.replayed) return;
  // Its own line: these dimension sets must not multiply the latency and DynamoDB metrics above.
  metrics
    .singleMetric()
    .addDimension('decision', decision.decision)
    .addDimension('reason', decision.reason)
    .addDimensions({ country: countryDimension(decision.country) })
    .addMetric(METRIC_NAMES.decisions, MetricUnit.Count, 1);
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
