import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_CSP, consoleAnswer, isConsolePath } from '../../../functions/console/assets.js';

let built: string;

beforeAll(() => {
  const root = mkdtempSync(join(tmpdir(), 'console-assets-'));
  built = join(root, 'console');
  mkdirSync(built);
  writeFileSync(join(built, 'index.html'), '<!doctype html><script type="module" src="./app.js"></script>');
  writeFileSync(join(built, 'app.js'), 'console.log(1)');
  writeFileSync(join(root, 'secret.txt'), 'outside the console');
});

describe('the console files', () => {
  it('answers index.html at /console/ with a CSP that allows no inline script and no other origin', () => {
    const answer = consoleAnswer(built, '/console/', 'GET');

    expect(answer.statusCode).toBe(200);
    expect(answer.headers['content-type']).toMatch(/^text\/html/);
    expect(answer.body).toContain('app.js');
    expect(answer.headers['content-security-policy']).toBe(CONSOLE_CSP);
    expect(CONSOLE_CSP).toContain("script-src 'self'");
    expect(CONSOLE_CSP).toContain("connect-src 'self'");
    expect(CONSOLE_CSP).not.toContain('unsafe-inline');
    expect(answer.headers['x-content-type-options']).toBe('nosniff');
  });

  it('answers a bundle with its type, redirects /console to /console/, and keeps a 404 for what is not there', () => {
    expect(consoleAnswer(built, '/console/app.js', 'GET')).toMatchObject({ statusCode: 200, body: 'console.log(1)', headers: { 'content-type': expect.stringMatching(/^text\/javascript/) } });
    expect(consoleAnswer(built, '/console', 'GET')).toMatchObject({ statusCode: 308, headers: { location: '/console/' } });
    expect(consoleAnswer(built, '/console/nothing.js', 'GET').statusCode).toBe(404);
  });

  it('never answers a file outside the build, however the path is spelled', () => {
    for (const path of ['/console/../secret.txt', '/console/%2e%2e/secret.txt', '/console/..%2fsecret.txt', '/console/%00']) {
      const answer = consoleAnswer(built, path, 'GET');
      expect(answer.statusCode, path).toBeGreaterThanOrEqual(400);
      expect(answer.body, path).not.toContain('outside the console');
    }
  });

  it('says how to build the console when it is not built, and refuses writes', () => {
    const empty = mkdtempSync(join(tmpdir(), 'console-empty-'));
    expect(consoleAnswer(empty, '/console/', 'GET')).toMatchObject({ statusCode: 503, body: expect.stringContaining('npm run build:console') });
    expect(consoleAnswer(built, '/console/', 'POST').statusCode).toBe(405);
  });

  it('knows its paths', () => {
    expect(['/console', '/console/', '/console/app.js'].every(isConsolePath)).toBe(true);
    expect(['/consoles', '/v1/console', '/'].some(isConsolePath)).toBe(false);
  });
});
