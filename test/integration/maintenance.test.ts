import mongoose from 'mongoose';
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { NativeConnection } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createAccount } from '../../accounts/accounts.js';
import { createActivities } from '../../activities/index.js';
import { createFileStore } from '../../db/files.js';
import { startMailCatcher } from '../../dev/mail-catcher.js';
import { freePort } from '../../dev/ports.js';
import { createMailer } from '../../mail/transport.js';
import { accountEmailWorkflowId } from '../../workflows/accounts/contract.js';
import { ensurePurgeSchedule } from '../../worker/schedules.js';
import { testDataConverter } from '../support/payload-keys.js';
import { createDossierWorker } from '../../worker/worker.js';
import { loggedIn } from '../support/accounts.js';
import { eventually, testActivityConfig, useTestStack } from '../support/stack.js';
import { accountEmailWorkflow } from '../../workflows/accounts/workflow.js';

describe('expired records and e-mail outages', () => {
  const stack = useTestStack();

  it('refuses an expired session in code, before any purge', async () => {
    const user = await loggedIn(stack);
    expect((await stack.app.inject({ method: 'GET', url: '/api/me', headers: user.headers })).statusCode).toBe(200);
    await stack.database.models.Session.updateMany({ accountId: user.accountId }, { $set: { expiresAt: new Date(Date.now() - 1000) } });
    expect((await stack.app.inject({ method: 'GET', url: '/api/me', headers: user.headers })).statusCode).toBe(401);
  });

  it('purges expired sessions, tokens and counters from a Temporal Schedule, keeping live ones', async () => {
    const { Session, AccountToken, RateSlot } = stack.database.models;
    const past = new Date(Date.now() - 60_000);
    const future = new Date(Date.now() + 3_600_000);
    const base = { accountId: 'a-1', credentialsVersion: 0, createdAt: past, lastSeenAt: past, absoluteExpiresAt: future };
    await Session.create([{ ...base, _id: 'expired-session', expiresAt: past }, { ...base, _id: 'live-session', expiresAt: future }]);
    await AccountToken.create([
      { _id: 'expired-token', accountId: 'a-1', purpose: 'resetPassword', requestId: 'r1', createdAt: past, expiresAt: past },
      { _id: 'live-token', accountId: 'a-1', purpose: 'verifyEmail', email: 'a@example.org', requestId: 'r2', createdAt: past, expiresAt: future },
    ]);
    await RateSlot.create([
      { _id: 'expired-slot', expiresAt: past },
      { _id: 'live-slot', expiresAt: future },
    ]);

    // An upload a day old that its dossier does not refer to (its Update never landed), and one it does.
    const files = createFileStore(stack.database.connection);
    const orphan = await files.save(Readable.from([Buffer.from('%PDF-1.4 orphan')]), { filename: 'o.pdf', contentType: 'application/pdf', metadata: { dossierId: 'dossier:s:c' } });
    const kept = await files.save(Readable.from([Buffer.from('%PDF-1.4 kept')]), { filename: 'k.pdf', contentType: 'application/pdf', metadata: { dossierId: 'dossier:s:c' } });
    await stack.database.models.Dossier.create({
      _id: 'dossier:s:c',
      selectionId: 's',
      candidate: { id: 'c', email: 'c@example.org', firstName: 'C', lastName: 'D' },
      status: 'DRAFT',
      closesAt: future,
      revision: 1,
      state: { documents: { cv: { fileId: kept.id } }, diplomas: [], experiences: [] },
    });
    await stack.database.connection.db!.collection('files.files').updateMany({ 'metadata.dossierId': 'dossier:s:c' }, { $set: { uploadDate: new Date(Date.now() - 25 * 3_600_000) } });
    // A fresh upload the dossier does not refer to yet: its Update may still land (a worker restarting), so it stays.
    const fresh = await files.save(Readable.from([Buffer.from('%PDF-1.4 fresh')]), { filename: 'f.pdf', contentType: 'application/pdf', metadata: { dossierId: 'dossier:s:c' } });

    // Chunks of an upload cut off a day ago with the database (no files document), and of one in progress now.
    const chunks = stack.database.connection.db!.collection('files.chunks');
    const { ObjectId } = mongoose.mongo;
    const strayId = ObjectId.createFromTime(Math.floor(Date.now() / 1000) - 25 * 3600);
    const inProgressId = new ObjectId();
    // And a complete file as old (a selection's form: no dossier): its chunks stay.
    const oldCompleteId = ObjectId.createFromTime(Math.floor(Date.now() / 1000) - 26 * 3600);
    await stack.database.connection.db!.collection('files.files').insertOne({ _id: oldCompleteId, length: 20, chunkSize: 261120, uploadDate: new Date(), filename: 'form.pdf', metadata: {} });
    await chunks.insertMany([
      { files_id: strayId, n: 0, data: Buffer.from('%PDF-1.4 stray') },
      { files_id: inProgressId, n: 0, data: Buffer.from('%PDF-1.4 in progress') },
      { files_id: oldCompleteId, n: 0, data: Buffer.from('%PDF-1.4 old form') },
    ]);

    const scheduleId = `purge-${randomUUID()}`;
    await ensurePurgeSchedule(stack.temporal, { taskQueue: stack.taskQueue, everyMinutes: 60, scheduleId });
    await ensurePurgeSchedule(stack.temporal, { taskQueue: stack.taskQueue, everyMinutes: 60, scheduleId }); // idempotent
    const schedule = stack.temporal.schedule.getHandle(scheduleId);
    try {
      await schedule.trigger();
      await eventually(async () => !(await Session.exists({ _id: 'expired-session' })));
      await eventually(async () => !(await AccountToken.exists({ _id: 'expired-token' })) && !(await RateSlot.exists({ _id: 'expired-slot' })));
      expect(await Session.exists({ _id: 'live-session' })).not.toBeNull();
      expect(await AccountToken.exists({ _id: 'live-token' })).not.toBeNull();
      expect(await RateSlot.exists({ _id: 'live-slot' })).not.toBeNull();
      await eventually(async () => (await files.find(orphan.id)) === null);
      expect(await files.find(kept.id)).not.toBeNull();
      expect(await files.find(fresh.id)).not.toBeNull();
      await eventually(async () => (await chunks.countDocuments({ files_id: strayId })) === 0);
      expect(await chunks.countDocuments({ files_id: inProgressId })).toBe(1);
      expect(await chunks.countDocuments({ files_id: oldCompleteId })).toBe(1);
    } finally {
      await schedule.delete();
    }
  });

  it('delays an account e-mail through an SMTP outage and delivers it once the relay is back', async () => {
    const port = await freePort();
    const mailer = createMailer({ smtpUrl: `smtp://127.0.0.1:${port}`, from: 'ITSRA <selection@itsra.example>' });
    const taskQueue = `outage-${randomUUID()}`;
    const connection = await NativeConnection.connect({ address: inject('temporalAddress') });
    const worker = await createDossierWorker({
      connection,
      namespace: 'default',
      taskQueue,
      dataConverter: testDataConverter,
      activities: createActivities({ models: stack.database.models, mailer, files: createFileStore(stack.database.connection), config: testActivityConfig, temporal: stack.temporal }),
    });
    const running = worker.run();
    try {
      await createAccount(stack.database.models, { identifier: 'outage', email: 'outage@example.org', firstName: 'O', lastName: 'U', password: 'x', role: 'candidate' });
      const workflowId = accountEmailWorkflowId(randomUUID());
      const handle = await stack.temporal.workflow.start(accountEmailWorkflow, {
        workflowId,
        taskQueue,
        args: [{ kind: 'signupOnExistingEmail', email: 'outage@example.org' }],
      });
      // The first attempt fails: nothing listens on the port yet.
      await eventually(async () => {
        const description = await handle.describe();
        return description.raw.pendingActivities?.some((activity) => (activity.attempt ?? 0) >= 2 || activity.lastFailure);
      });
      const catcher = await startMailCatcher({ port });
      try {
        const email = await catcher.waitFor((e) => e.to.includes('outage@example.org'), 30_000);
        expect(email.subject).toBe('Tentative de création de compte avec votre adresse');
        expect(await handle.result()).toEqual({ sent: true });
      } finally {
        await catcher.close();
      }
    } finally {
      worker.shutdown();
      await running;
      await connection.close();
      mailer.close();
    }
  });
});
