import { simpleParser } from 'mailparser';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';

export interface CaughtEmail {
  to: string[];
  from: string;
  subject: string;
  text: string;
  headers: Map<string, unknown>;
  receivedAt: Date;
  /** Where the decoded message was saved (beside its raw .eml), when the catcher keeps files. */
  file?: string;
}

export interface MailCatcher {
  port: number;
  url: string;
  messages: CaughtEmail[];
  /** Resolves with the first message (already caught or to come) that matches. */
  waitFor(predicate: (email: CaughtEmail) => boolean, timeoutMs?: number): Promise<CaughtEmail>;
  close(): Promise<void>;
}

export interface MailCatcherOptions {
  port: number;
  host?: string;
  /** Folder where each message is kept as an .eml file; none when omitted. */
  directory?: string;
  onMessage?: (email: CaughtEmail) => void;
  /** Recipients answered "550 mailbox unavailable", as a relay refuses an unknown address (tests). */
  rejectRecipient?: (address: string) => boolean;
  /** While true, every message is answered "451 try again later", as an overloaded relay does (fault tests). */
  deferAll?: () => boolean;
}

/**
 * A real SMTP server that accepts every message and keeps it: used by
 * `npm start` (files a person can open) and by the tests (in memory).
 * No authentication and no STARTTLS: it only ever listens on loopback.
 */
export async function startMailCatcher(options: MailCatcherOptions): Promise<MailCatcher> {
  const host = options.host ?? '127.0.0.1';
  const messages: CaughtEmail[] = [];
  const waiters = new Set<{ predicate: (email: CaughtEmail) => boolean; resolve: (email: CaughtEmail) => void }>();
  let sequence = 0;
  if (options.directory) await mkdir(options.directory, { recursive: true });

  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onMailFrom(_address, _session, callback) {
      if (options.deferAll?.()) {
        callback(Object.assign(new Error('Relay busy, try again later'), { responseCode: 451 }));
        return;
      }
      callback();
    },
    onRcptTo(address, _session, callback) {
      if (options.rejectRecipient?.(address.address)) {
        callback(Object.assign(new Error('Mailbox unavailable'), { responseCode: 550 }));
        return;
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        void (async () => {
          const raw = Buffer.concat(chunks);
          const parsed = await simpleParser(raw);
          const email: CaughtEmail = {
            to: session.envelope.rcptTo.map((r) => r.address),
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            subject: parsed.subject ?? '',
            text: parsed.text ?? '',
            headers: parsed.headers,
            receivedAt: new Date(),
          };
          if (options.directory) {
            sequence += 1;
            const stamp = new Date().toISOString().replace(/[:.]/g, '-');
            const base = join(options.directory, `${stamp}-${String(sequence).padStart(4, '0')}`);
            email.file = `${base}.txt`;
            // The .eml is the message as sent (open it in a mail client); the .txt is decoded, to read as is.
            await writeFile(`${base}.eml`, raw);
            await writeFile(email.file, `From: ${parsed.from?.text ?? email.from}\nTo: ${email.to.join(', ')}\nSubject: ${email.subject}\n\n${email.text}`);
          }
          messages.push(email);
          options.onMessage?.(email);
          for (const waiter of waiters) {
            if (waiter.predicate(email)) {
              waiters.delete(waiter);
              waiter.resolve(email);
            }
          }
        })().then(() => callback(), (error: Error) => callback(error));
      });
    },
  });

  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      const address = server.server.address();
      resolve(typeof address === 'object' && address ? address.port : options.port);
    });
  });

  return {
    port,
    url: `smtp://${host}:${port}`,
    messages,
    waitFor(predicate, timeoutMs = 30_000) {
      const found = messages.find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const waiter = {
          predicate,
          resolve: (email: CaughtEmail) => {
            clearTimeout(timer);
            resolve(email);
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`no matching e-mail within ${timeoutMs} ms (${messages.length} caught)`));
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
