/** What global-setup.ts started, for the tests: read from .e2e/console/stack.json. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const STACK_FILE = fileURLToPath(new URL('../../../.e2e/console/stack.json', import.meta.url));
export const SCREENS_DIR = fileURLToPath(new URL('../../../.e2e/console/screens/', import.meta.url));

export interface ConsoleStack {
  readonly url: string;
  readonly adminToken: string;
  readonly switchToken: string;
  readonly customerToken: string;
  readonly accountId: string;
}

export function consoleStack(): ConsoleStack {
  return JSON.parse(readFileSync(STACK_FILE, 'utf8')) as ConsoleStack;
}

/** A call to the API as a tool would make it (seeding, checking), not through the browser. */
export async function api<T = any>(stack: ConsoleStack, method: string, path: string, token: string, body?: unknown, contentType = 'application/json'): Promise<{ status: number; body: T }> {
  const response = await fetch(`${stack.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': contentType } : {}) },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
}
