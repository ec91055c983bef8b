/** Structured JSON logs through AWS Powertools; every decision log line carries the fields an analyst filters on. */
import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';

export type Logger = Pick<PowertoolsLogger, 'debug' | 'info' | 'warn' | 'error'>;

let shared: PowertoolsLogger | undefined;

export function getLogger(): PowertoolsLogger {
  shared ??= new PowertoolsLogger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'tollgate' });
  return shared;
}
