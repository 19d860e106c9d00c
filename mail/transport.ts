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
