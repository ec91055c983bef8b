/** The local email transport: one JSON line per message appended to a file (TOLLGATE_EMAIL_OUTBOX_FILE). */
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Clock } from '../../../domain/shared/ports.js';
import type { EmailMessage, EmailSender } from '../../../domain/notifications/notification.js';

export class OutboxFileEmailSender implements EmailSender {
  constructor(
    private readonly file: string,
    private readonly clock: Clock,
  ) {}

  async send(message: EmailMessage): Promise<void> {
    await mkdir(dirname(this.file), { recursive: true });
    await appendFile(this.file, `${JSON.stringify({ at: this.clock.now().toISOString(), ...message })}\n`, 'utf8');
  }
}

/** Drops messages: email switched off, or SES without a sender address configured (logged once per message). */
export class DisabledEmailSender implements EmailSender {
  constructor(private readonly onDrop: (message: EmailMessage) => void) {}

  async send(message: EmailMessage): Promise<void> {
    this.onDrop(message);
  }
}
