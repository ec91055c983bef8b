/**
 * The console Lambda: GET /console and /console/{proxy+} on the HTTP API, public (static files, no data; every API
 * call the console makes carries the user's bearer token). The files are bundled beside this handler by the CDK
 * (infra/constructs/console-site.ts copies dist/console into the function's asset as `console/`).
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { consoleAnswer } from './assets.js';

const directory = process.env.TOLLGATE_CONSOLE_DIR ?? join(dirname(fileURLToPath(import.meta.url)), 'console');

export async function handler(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  const answer = consoleAnswer(directory, event.rawPath, event.requestContext.http.method);
  return { statusCode: answer.statusCode, headers: answer.headers, body: event.requestContext.http.method === 'HEAD' ? '' : answer.body };
}
