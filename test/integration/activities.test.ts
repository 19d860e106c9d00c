import { ApplicationFailure } from '@temporalio/common';
import { Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createActivities } from '../../activities/index.js';
import type { Database } from '../../db/connection.js';
import { type MailCatcher, startMailCatcher } from '../../dev/mail-catcher.js';
import { createMailer, type Mailer } from '../../mail/transport.js';
import type { DossierState } from '../../domain/dossier-record.js';
import { createFileStore } from '../../db/files.js';
import { connectTestDatabase, testActivityConfig, testClient } from '../support/stack.js';

describe('activities on the real database and SMTP server', () => {
  let database: Database;
  let catcher: MailCatcher;
  let mailer: Mailer;
  let activities: ReturnType<typeof createActivities>;
  let temporalConnection: Connection;

  beforeAll(async () => {
    database = await connectTestDatabase();
    catcher = await startMailCatcher({ port: 0, rejectRecipient: (address) => address.startsWith('refused') });
    mailer = createMailer({ smtpUrl: catcher.url, from: 'ITSRA <selection@itsra.example>' });
    temporalConnection = await Connection.connect({ address: inject('temporalAddress') });
    activities = createActivities({ models: database.models, mailer, files: createFileStore(database.connection), config: testActivityConfig, temporal: testClient(temporalConnection) });
  });
  afterAll(async () => {
    await temporalConnection?.close();
    mailer?.close();
    await catcher?.close();
    await database?.close();
  });

  const dossier = (revision: number, status: DossierState['status']): DossierState => ({
    dossierId: 'dossier:me-2027:c-7',
    selectionId: 'me-2027',
    trainingTitle: 'Moniteur éducateur',
    candidate: { id: 'c-7', email: 'lea@example.org', firstName: 'Léa', lastName: 'Martin' },
    status,
    closesAt: '2027-03-01T11:00:00.000Z',
    openedAt: '2026-11-26T10:00:00.000Z',
    reminderOffsetsDays: [7, 1],
    remindersSent: [],
    documents: {},
    diplomas: [],
    experiences: [],
    history: [],
    revision,
  });

  it('delivers an e-mail through SMTP with its subject, text and key', async () => {
    const result = await activities.sendEmail({
      idempotencyKey: 'dossier:me-2027:c-7:opened',
      to: 'lea@example.org',
      template: { kind: 'dossierOpened', trainingTitle: 'Moniteur éducateur', closesAt: '2027-03-01T11:00:00.000Z' },
    });
    expect(result.sent).toBe(true);
    const email = await catcher.waitFor((e) => e.to.includes('lea@example.org'));
    expect(email.subject).toBe("Votre dossier d'inscription — Moniteur éducateur");
    expect(email.text).toContain('lundi 1 mars 2027 à 12:00');
    expect(email.headers.get('x-candidature-key')).toBe('dossier:me-2027:c-7:opened');
  });

  it("sends a dossier's e-mail to the address its record holds, and none once the dossier is erased", async () => {
    const record = { ...dossier(0, 'DRAFT'), dossierId: 'dossier:me-2027:c-10', candidate: { id: 'c-10', email: 'ines@example.org', firstName: 'Inès', lastName: 'Roux' } };
    await activities.storeDossier(record);
    const template = { kind: 'dossierOpened' as const, trainingTitle: 'Moniteur éducateur', closesAt: '2027-03-01T11:00:00.000Z' };
    expect(await activities.sendEmail({ dossierId: record.dossierId, purpose: 'opened', template })).toEqual({ sent: true });
    const email = await catcher.waitFor((e) => e.to.includes('ines@example.org'));
    expect(email.headers.get('x-candidature-key')).toBe('dossier:me-2027:c-10:opened');
    await database.models.Dossier.deleteOne({ _id: record.dossierId });
    expect(await activities.sendEmail({ dossierId: record.dossierId, purpose: 'withdrawn', template: { kind: 'dossierWithdrawn', trainingTitle: 'Moniteur éducateur' } })).toEqual({ sent: false });
  });

  it('sends an e-mail once even when the activity runs twice', async () => {
    const input = {
      idempotencyKey: 'dossier:me-2027:c-8:opened',
      to: 'paul@example.org',
      template: { kind: 'dossierOpened' as const, trainingTitle: 'Moniteur éducateur', closesAt: '2027-03-01T11:00:00.000Z' },
    };
    expect((await activities.sendEmail(input)).sent).toBe(true);
    expect((await activities.sendEmail(input)).sent).toBe(false);
    await catcher.waitFor((e) => e.to.includes('paul@example.org'));
    expect(catcher.messages.filter((e) => e.to.includes('paul@example.org'))).toHaveLength(1);
    expect(await database.models.SentEmail.countDocuments({ _id: input.idempotencyKey })).toBe(1);
  });

  it('gives up at once, without retrying, on an address the relay refuses', async () => {
    const attempt = activities.sendEmail({
      idempotencyKey: 'dossier:me-2027:c-9:opened',
      to: 'refused@example.org',
      template: { kind: 'dossierOpened', trainingTitle: 'Moniteur éducateur', closesAt: '2027-03-01T11:00:00.000Z' },
    });
    await expect(attempt).rejects.toBeInstanceOf(ApplicationFailure);
    await expect(attempt).rejects.toMatchObject({ nonRetryable: true, type: 'SmtpRejected' });
    expect(await database.models.SentEmail.exists({ _id: 'dossier:me-2027:c-9:opened' })).toBeNull();
  });

  it('stores a dossier idempotently and never lets a stale retry overwrite a newer revision', async () => {
    await activities.storeDossier(dossier(0, 'DRAFT'));
    await activities.storeDossier(dossier(0, 'DRAFT'));
    await activities.storeDossier(dossier(2, 'EXPIRED'));
    await activities.storeDossier(dossier(1, 'DRAFT')); // late retry of an older write
    const stored = await database.models.Dossier.findById('dossier:me-2027:c-7').lean();
    expect(stored).toMatchObject({ status: 'EXPIRED', revision: 2, candidate: { email: 'lea@example.org' } });
    expect(await database.models.Dossier.countDocuments({ _id: 'dossier:me-2027:c-7' })).toBe(1);
  });

  it('does not bring back an erased dossier when a store was still in flight as its workflow was terminated', async () => {
    const erased = { ...dossier(3, 'WITHDRAWN'), dossierId: 'dossier:me-2027:c-8' };
    await activities.storeDossier({ ...erased, revision: 2 });
    // What eraseDossier leaves: the tombstone, and no record.
    await database.models.ErasedDossier.create({ _id: erased.dossierId, erasedAt: new Date() });
    await database.models.Dossier.deleteOne({ _id: erased.dossierId });
    await activities.storeDossier(erased);
    expect(await database.models.Dossier.exists({ _id: erased.dossierId })).toBeNull();
  });
});
