/**
 * The console's static files (built by `npm run build:console` into dist/console), answered the same way by the
 * local server and by the console Lambda behind the HTTP API: under `/console/`, with a content security policy that
 * allows no inline script or style, no other origin (the API is the same origin: `connect-src 'self'`), no framing.
 */
import { existsSync, readFileSync } from 'node:fs';
import { extname, join, normalize, sep } from 'node:path';

export const CONSOLE_PATH = '/console';

/** The console's content security policy: its own files only, requests to its own origin only (the API). */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Headers on every console answer, the CSP among them. */
export const CONSOLE_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONSOLE_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
};

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
};

export interface ConsoleAnswer {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

export function isConsolePath(pathname: string): boolean {
  return pathname === CONSOLE_PATH || pathname.startsWith(`${CONSOLE_PATH}/`);
}

/**
 * The answer for a GET of `pathname` (under /console) from the files in `directory`: `/console` redirects to
 * `/console/`, which is index.html; a path that leaves the directory or names no file is a 404; a directory without a
 * build is a 503 that says how to build it.
 */
export function consoleAnswer(directory: string, pathname: string, method: string): ConsoleAnswer {
  const text = (statusCode: number, body: string, extra: Record<string, string> = {}): ConsoleAnswer => ({
    statusCode,
    headers: { ...CONSOLE_SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', ...extra },
    body,
  });
  if (method !== 'GET' && method !== 'HEAD') return text(405, `${method} is not allowed on the console\n`, { allow: 'GET, HEAD' });
  if (pathname === CONSOLE_PATH) return text(308, 'see /console/\n', { location: `${CONSOLE_PATH}/` });
  if (!existsSync(join(directory, 'index.html'))) return text(503, 'The console is not built: run `npm run build:console`.\n');
  const relative = pathname.slice(CONSOLE_PATH.length + 1) || 'index.html';
  let decoded: string;
  try {
    decoded = decodeURIComponent(relative);
  } catch {
    return text(400, 'bad path\n');
  }
  const file = normalize(join(directory, decoded));
  if (!file.startsWith(normalize(directory) + sep) || decoded.includes('\0')) return text(404, 'not found\n');
  const type = TYPES[extname(file)];
  if (!type || !existsSync(file)) return text(404, 'not found\n');
  const isIndex = extname(file) === '.html';
  return {
    statusCode: 200,
    headers: {
      ...CONSOLE_SECURITY_HEADERS,
      'content-type': type,
      // index.html is small and names the bundle: always revalidated, so a deploy is seen at once
      'cache-control': isIndex ? 'no-cache' : 'public, max-age=300',
    },
    body: readFileSync(file, 'utf8'),
  };
}
