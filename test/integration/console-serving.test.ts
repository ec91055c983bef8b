/**
 * Issue 15: the local stack serves the built console at /console/ with its content security policy, and the build
 * itself has nothing the policy would refuse (no inline script or style).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildConsole } from '../../scripts/build-console.js';
import { startTestStack, type TestStack } from '../support/test-stack.js';

let stack: TestStack;
let built: string;

beforeAll(async () => {
  built = await buildConsole(join(mkdtempSync(join(tmpdir(), 'console-build-')), 'console'));
  stack = await startTestStack({ consoleDir: built });
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

describe('the console on the local stack', () => {
  it('answers /console/ with the page and a CSP that forbids inline code and other origins', async () => {
    const response = await fetch(`${stack.url}/console/`);
    const csp = response.headers.get('content-security-policy') ?? '';

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
    const page = await response.text();
    expect(page).toContain('<script type="module" src="./app.js"></script>');
  });

  it('serves the bundle it names, and the bundle has no inline script or style for the CSP to refuse', async () => {
    const page = readFileSync(join(built, 'index.html'), 'utf8');
    expect(page.match(/<script(?![^>]*\bsrc=)[^>]*>/g)).toBeNull();
    expect(page).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);

    const script = await fetch(`${stack.url}/console/app.js`);
    const styles = await fetch(`${stack.url}/console/app.css`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect((await script.text()).length).toBeGreaterThan(10_000);
    expect(styles.status).toBe(200);
    expect(styles.headers.get('content-type')).toMatch(/^text\/css/);
  });

  it('leaves the API where it was: /v1/ routes and their 404 are untouched', async () => {
    expect((await fetch(`${stack.url}/health`)).status).toBe(200);
    expect((await fetch(`${stack.url}/v1/nothing`)).status).toBe(404);
  });
});
