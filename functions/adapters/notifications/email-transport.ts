/** Picks the email transport from the configuration: the outbox file locally, SES in AWS. */
import type { EmailSender } from '../../../domain/notifications/notification.js';
import type { Clock } from '../../../domain/shared/ports.js';
import type { RuntimeConfig } from '../../shared/config.js';
import type { Logger } from '../../shared/logger.js';
import { DisabledEmailSender, OutboxFileEmailSender } from './outbox-file-email.js';
import { SesEmailSender } from './ses-email.js';

export function makeEmailSender(config: RuntimeConfig, clock: Clock, logger: Logger): EmailSender {
  const { transport, from, outboxFile } = config.email;
  if (transport === 'outbox') return new OutboxFileEmailSender(outboxFile, clock);
  if (transport === 'ses' && from) return new SesEmailSender(from, config.region);
  const why = transport === 'none' ? 'TOLLGATE_EMAIL_TRANSPORT=none' : 'TOLLGATE_EMAIL_FROM is not set';
  return new DisabledEmailSender((message) => logger.warn('email not sent', { why, to: message.to, subject: message.subject }));
}
