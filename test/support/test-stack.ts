/**
 * A local stack per test file on the run's shared DynamoDB Local, isolated by its own table, plus a tiny client.
 */
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { startLocalStack, type LocalStack, type LocalStackOptions } from '../../functions/local/local-stack.js';
import type { Logger } from '../../functions/shared/logger.js';

export const silentLogger: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

export interface ApiResponse<T = any> {
  readonly status: number;
  readonly body: T;
  readonly text: string;
  readonly headers: Headers;
}

export interface TestStack extends LocalStack {
  readonly tableName: string;
  call<T = any>(method: string, path: string, options?: { token?: string; body?: unknown; rawBody?: string; contentType?: string }): Promise<ApiResponse<T>>;
  /** Issues a credential through the API with the admin token and returns the token. */
  issue(role: 'switch' | 'customer' | 'reviewer' | 'admin', accountId?: string): Promise<string>;
}

export async function startTestStack(options: Partial<LocalStackOptions> = {}): Promise<TestStack> {
  const tableName = `t_${randomBytes(6).toString('hex')}`;
  const stack = await startLocalStack({
    port: 0,
    dynamoEndpoint: inject('dynamoEndpoint'),
    tableName,
    adminToken: `admin-${randomBytes(16).toString('hex')}`,
    authorizerCacheMs: 0,
    logger: silentLogger,
    ...options,
    // Tests assert behaviour, not speed, on a shared machine: deadlines generous unless a test sets its own.
    environment: {
      TOLLGATE_AUTHORIZE_BUDGET_MS: '5000',
      TOLLGATE_CREDENTIAL_LOOKUP_BUDGET_MS: '5000',
      TOLLGATE_DYNAMODB_CONNECT_TIMEOUT_MS: '5000',
      TOLLGATE_DYNAMODB_REQUEST_TIMEOUT_MS: '10000',
      ...options.environment,
    },
  });
  const call: TestStack['call'] = async (method, path, callOptions = {}) => {
    const headers: Record<string, string> = {};
    if (callOptions.token) headers.authorization = `Bearer ${callOptions.token}`;
    let body: string | undefined;
    if (callOptions.rawBody !== undefined) {
      body = callOptions.rawBody;
      headers['content-type'] = callOptions.contentType ?? 'text/plain';
    } else if (callOptions.body !== undefined) {
      body = JSON.stringify(callOptions.body);
      headers['content-type'] = 'application/json';
    }
    const response = await fetch(`${stack.url}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // plain-text answers stay text
    }
    return { status: response.status, body: parsed as never, text, headers: response.headers };
  };
  const issue: TestStack['issue'] = async (role, accountId) => {
    const response = await call('POST', '/v1/credentials', { token: stack.adminToken, body: { role, ...(accountId ? { accountId } : {}) } });
    if (response.status !== 201) throw new Error(`could not issue a ${role} credential: ${response.text}`);
    return response.body.token as string;
  };
  return { ...stack, tableName, call, issue };
}
