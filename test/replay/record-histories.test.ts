import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createAccount } from '../../accounts/accounts.js';
import { exportHistory } from '../../dev/export-history.js';
import { accountEmailWorkflowId, accountErasureWorkflowId } from '../../workflows/accounts/contract.js';
import { loggedIn } from '../support/accounts.js';
import { samplePdf } from '../support/files.js';
import { createSelection, hoursFromNow } from '../support/fixtures.js';
import { startTestStack, type TestStack } from '../support/stack.js';
import { apiClient, dossierPath } from '../support/api-client.js';
import { candidateJourney } from '../support/journey.js';
import { accountEmailWorkflow, accountErasureWorkflow, purgeExpiredRecordsWorkflow } from '../../workflows/accounts/workflow.js';

/**
 * Records the histories that the replay test (replay.test.ts) holds the
 * workflow code to: run it on purpose, once the code is what production runs,
 * with `npm run record-histories`. Not part of `npm test`.
 */
const historiesDir = fileURLToPath(new URL('./histories/', import.meta.url));

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.close();
});

it('records the account e-mail workflow (sent, and nothing to send) and the purge', async () => {
  const { id } = await createAccount(stack.database.models, { identifier: `rec-${randomUUID().slice(0, 6)}`, email: 'rec@example.org', firstName: 'R', lastName: 'E', password: 'x', role: 'candidate' });
  const sent = await stack.temporal.workflow.execute(accountEmailWorkflow, {
    workflowId: accountEmailWorkflowId(randomUUID()),
    taskQueue: stack.taskQueue,
    args: [{ kind: 'verifyEmail', accountId: id, email: 'rec@example.org' }],
  });
  expect(sent).toEqual({ sent: true });
  const sentId = accountEmailWorkflowId(randomUUID());
  await stack.temporal.workflow.execute(accountEmailWorkflow, { workflowId: sentId, taskQueue: stack.taskQueue, args: [{ kind: 'passwordChanged', accountId: id }] });
  const nothingId = accountEmailWorkflowId(randomUUID());
  expect(await stack.temporal.workflow.execute(accountEmailWorkflow, { workflowId: nothingId, taskQueue: stack.taskQueue, args: [{ kind: 'signupOnExistingEmail', email: 'nobody@example.org' }] })).toEqual({ sent: false });
  const purgeId = `purge-${randomUUID()}`;
  await stack.temporal.workflow.execute(purgeExpiredRecordsWorkflow, { workflowId: purgeId, taskQueue: stack.taskQueue, args: [] });
  await exportHistory(stack.temporal, sentId, join(historiesDir, 'account-email-sent.history.bin'));
  await exportHistory(stack.temporal, nothingId, join(historiesDir, 'account-email-nothing-to-send.history.bin'));
  await exportHistory(stack.temporal, purgeId, join(historiesDir, 'purge-expired-records.history.bin'));
});

it('records a dossier edited (entry and file removed), declared incomplete, then withdrawn', async () => {
  const { selectionId } = await createSelection(stack.database.models, { opensAt: hoursFromNow(-1), closesAt: hoursFromNow(48) });
  const user = await loggedIn(stack);
  const { call, upload } = apiClient(stack.app, { token: user.token });
  const opened = await call('POST', `/api/selections/${selectionId}/dossiers`);
  const base = dossierPath(opened.body.dossierId);
  await call('PUT', `${base}/situation`, { status: 'etudiant' });
  await upload(`${base}/documents/cv`, samplePdf('v1'), 'cv.pdf');
  await upload(`${base}/documents/cv`, samplePdf('v2'), 'cv.pdf');
  const experience = await call('POST', `${base}/experiences`, { employer: 'Foyer', position: 'Animateur', startDate: '2018-01-01' });
  const entryId = experience.body.experiences[0].id;
  await upload(`${base}/experiences/${entryId}/proof`, samplePdf('proof'), 'attestation.pdf');
  await call('DELETE', `${base}/experiences/${entryId}`);
  expect((await call('POST', `${base}/declaration`, { complete: false })).status).toBe(200);
  expect((await call('POST', `${base}/withdrawal`)).body.status).toBe('WITHDRAWN');
  await stack.temporal.workflow.getHandle(opened.body.dossierId).result();
  await exportHistory(stack.temporal, opened.body.dossierId, join(historiesDir, 'dossier-edited-withdrawn.history.bin'));
});

it('records a dossier submitted, reviewed and rejected', async () => {
  const { selectionId, trainingId } = await createSelection(stack.database.models, { opensAt: hoursFromNow(-1), closesAt: hoursFromNow(48) });
  const user = await loggedIn(stack);
  await stack.database.models.Account.updateOne({ _id: user.accountId }, { $set: { emailVerifiedAt: new Date() } });
  const office = await loggedIn(stack, { role: 'office', trainingIds: [trainingId] });
  const dossierId = await candidateJourney(apiClient(stack.app, { token: user.token }), selectionId, { readyToDeclare: true });
  const { call } = apiClient(stack.app, { token: user.token });
  expect((await call('POST', `${dossierPath(dossierId)}/declaration`, { complete: true })).body.status).toBe('SUBMITTED');
  const staff = apiClient(stack.app, { token: office.token });
  const state = (await staff.call('GET', dossierPath(dossierId))).body;
  expect((await staff.call('POST', `/api/staff/dossiers/${encodeURIComponent(dossierId)}/reviews`, { fileId: state.documents.cv.fileId, verdict: 'accepted' })).status).toBe(200);
  expect((await staff.call('POST', `/api/staff/dossiers/${encodeURIComponent(dossierId)}/decision`, { decision: 'reject', reason: 'Dossier hors délai de validité.' })).body.status).toBe('REJECTED');
  await stack.temporal.workflow.getHandle(dossierId).result();
  await exportHistory(stack.temporal, dossierId, join(historiesDir, 'dossier-reviewed-rejected.history.bin'));
});

it('records an account erased at its owner\'s request, with an open dossier withdrawn first', async () => {
  const { selectionId } = await createSelection(stack.database.models, { opensAt: hoursFromNow(-1), closesAt: hoursFromNow(48) });
  const user = await loggedIn(stack);
  const { call, upload } = apiClient(stack.app, { token: user.token });
  const opened = await call('POST', `/api/selections/${selectionId}/dossiers`);
  await upload(`${dossierPath(opened.body.dossierId)}/documents/cv`, samplePdf('cv'), 'cv.pdf');
  const workflowId = accountErasureWorkflowId(user.accountId);
  const erased = await stack.temporal.workflow.execute(accountErasureWorkflow, { workflowId, taskQueue: stack.taskQueue, args: [user.accountId] });
  expect(erased).toMatchObject({ withdrawn: 1, dossiers: 1, files: 1 });
  await exportHistory(stack.temporal, workflowId, join(historiesDir, 'account-erasure.history.bin'));
});
