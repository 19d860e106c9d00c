import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startMailCatcher } from '../../dev/mail-catcher.js';
import { createMailer } from '../../mail/transport.js';

describe('local SMTP catcher', () => {
  it('keeps each message as the raw .eml and as decoded text a person can read', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'candidature-mail-'));
    const seen: string[] = [];
    const catcher = await startMailCatcher({ port: 0, directory, onMessage: (email) => seen.push(email.subject) });
    const mailer = createMailer({ smtpUrl: catcher.url, from: 'ITSRA <selection@itsra.example>' });
    try {
      await mailer.send({ to: 'lea@example.org', subject: 'Dossier complet à étudier', text: 'Votre dossier sera étudié par le service sélection.', idempotencyKey: 'k-1' });
      await catcher.waitFor((e) => e.subject === 'Dossier complet à étudier');
      const files = (await readdir(directory)).sort();
      expect(files).toHaveLength(2);
      expect(files[0]).toMatch(/\.eml$/);
      expect(files[1]).toMatch(/\.txt$/);
      const text = await readFile(join(directory, files[1]!), 'utf8');
      expect(text).toContain('To: lea@example.org');
      expect(text).toContain('Subject: Dossier complet à étudier');
      expect(text).toContain('Votre dossier sera étudié par le service sélection.');
      expect(seen).toEqual(['Dossier complet à étudier']);
    } finally {
      mailer.close();
      await catcher.close();
      await rm(directory, { recursive: true, force: true });
    }
  });
});
