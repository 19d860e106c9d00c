import { createHash } from 'node:crypto';
import nodemailer from 'nodemailer';

export interface OutgoingEmail {
  to: string;
  subject: string;
  text: string;
  /** Stable id of this message (workflow id + purpose), also sent as a header for tracing. */
  idempotencyKey: string;
}

export interface Mailer {
  send(email: OutgoingEmail): Promise<{ messageId: string }>;
  /** Opens an SMTP session and closes it: true when the relay answers. */
  verify(): Promise<void>;
  close(): void;
}

export function createMailer(options: { smtpUrl: string; from: string }): Mailer {
  // Short timeouts: a dead relay must fail an activity attempt (to be retried)
  // or a health check quickly, not hang for nodemailer's default two minutes.
  const transport = nodemailer.createTransport(
    { url: options.smtpUrl, connectionTimeout: 5_000, greetingTimeout: 5_000, socketTimeout: 30_000 },
    { from: options.from },
  );
  return {
    async send(email) {
      const info = await transport.sendMail({
        messageId: messageIdFor(email.idempotencyKey, options.from),
        to: email.to,
        subject: email.subject,
        text: email.text,
        headers: { 'X-Candidature-Key': email.idempotencyKey },
      });
      return { messageId: String(info.messageId) };
    },
    async verify() {
      await transport.verify();
    },
    close() {
      transport.close();
    },
  };
}

/**
 * The same Message-ID for every attempt at one message. SMTP cannot make
 * "sent" and "recorded as sent" one step: a worker that dies between the
 * relay's 250 and our record sends the message again on retry. With a stable
 * Message-ID that second copy is, by RFC 5322, the same message, and mail
 * clients (Gmail, Outlook, Thunderbird) show it once.
 */
export function messageIdFor(idempotencyKey: string, from: string): string {
  const domain = /@([^>\s]+)>?\s*$/.exec(from)?.[1] ?? 'candidature.invalid';
  return `<${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 40)}@${domain}>`;
}
