/** Email through Amazon SES v2. The sender (TOLLGATE_EMAIL_FROM) must be a verified identity in the region. */
import type { SESv2Client } from '@aws-sdk/client-sesv2';
import type { EmailMessage, EmailSender } from '../../../domain/notifications/notification.js';

export class SesEmailSender implements EmailSender {
  private client: SESv2Client | undefined;

  constructor(
    private readonly from: string,
    private readonly region: string,
  ) {}

  async send(message: EmailMessage): Promise<void> {
    // Loaded on first use: only the notifier sends email, and the SES client costs every other function ~160 ms
    // of cold start; a stage that sends no email through SES never loads it.
    const { SESv2Client, SendEmailCommand } = await import('@aws-sdk/client-sesv2');
    this.client ??= new SESv2Client({ region: this.region });
    await this.client.send(
      new SendEmailCommand({
        FromEmailAddress: this.from,
        Destination: { ToAddresses: [message.to] },
        Content: { Simple: { Subject: { Data: message.subject, Charset: 'UTF-8' }, Body: { Text: { Data: message.text, Charset: 'UTF-8' } } } },
        EmailTags: [{ Name: 'tollgate-idempotency-key', Value: message.idempotencyKey.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 256) }],
      }),
    );
  }
}
