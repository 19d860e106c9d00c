import { afterAll, beforeAll, expect, it } from 'vitest';
import { civilStatusOf, createSelection } from '../../support/fixtures.js';
import { auditEmails, waitForEmails, workflowState } from '../support/invariants.js';
import { setTimeout as delay } from 'node:timers/promises';
import { report } from '../support/report.js';
import { startSystem, type System } from '../support/system.js';
import { apiClient, RETRY_MS, Tally } from '../../support/api-client.js';
import { candidateJourney, inParallel, officeValidates } from '../../support/journey.js';

const PER_SELECTION = 8;
const DAY_S = 86_400;

let system: System;
beforeAll(async () => {
  system = await startSystem();
});
afterAll(async () => {
  await system?.close();
});

it('carries every dossier, timer and reminder across a crash of the Temporal server; a deadline passed meanwhile fires after it', async () => {
  const t0 = Date.now();
  const at = (seconds: number) => new Date(t0 + seconds * 1000);
  const { models } = system.database;
  // A closes while Temporal is down; C reminds (30 s before) and closes after it is back; B stays open for days.
  const selectionA = await createSelection(models, { opensAt: at(-3600), closesAt: at(45), reminderOffsetsDays: [] });
  const selectionB = await createSelection(models, { opensAt: at(-3600), closesAt: at(2 * DAY_S) });
  const closesC = at(110);
  const selectionC = await createSelection(models, { opensAt: at(-3600), closesAt: closesC, reminderOffsetsDays: [30 / DAY_S] });
  const tally = new Tally();
  const candidates = await inParallel(Array.from({ length: 3 * PER_SELECTION }, (_, n) => n), 8, () => system.account('candidate'));
  const clientOf = (n: number) => apiClient(system.apiUrls, { token: candidates[n]!.token, tally, retryForMs: RETRY_MS });

  // Each candidate opens a dossier and saves the civil status: open dossiers with pending timers.
  const selections = [selectionA, selectionB, selectionC];
  const dossierIds = await inParallel(candidates, 8, async (_, n) => {
    const client = clientOf(n);
    const opened = await client.request('POST', `/api/selections/${selections[n % 3]!.selectionId}/dossiers`);
    if (opened.status !== 201) throw new Error(`enrol ${n}: ${opened.status} ${JSON.stringify(opened.body)}`);
    const saved = await client.request('PUT', `/api/dossiers/${encodeURIComponent(opened.body.dossierId)}/civil-status`, { json: civilStatusOf(n), key: `civil-${n}` });
    if (saved.status !== 200) throw new Error(`civil status ${n}: ${saved.status} ${JSON.stringify(saved.body)}`);
    return opened.body.dossierId as string;
  });
  const ofSelection = (i: number) => dossierIds.filter((_, n) => n % 3 === i);
  if (Date.now() - t0 > 30_000) throw new Error('set-up too slow for the timeline (A must close during the outage)');

  // Crash: kill -9, so nothing is flushed on the way out.
  const killedAt = Date.now();
  await system.temporalServer.kill();
  const noRetry = apiClient(system.apiUrls, { token: candidates[1]!.token });
  const b0 = encodeURIComponent(dossierIds[1]!);
  const stepStarted = Date.now();
  const stepDuringOutage = await noRetry.request('PUT', `/api/dossiers/${b0}/situation`, { json: { status: 'etudiant' }, key: 'outage-probe' });
  const stepAnswerMs = Date.now() - stepStarted;
  const readDuringOutage = await noRetry.request('GET', `/api/dossiers/${b0}`);
  // Stay down until A's closing date has passed.
  await delay(Math.max(0, at(50).getTime() - Date.now()));
  // Down until this instant: start() returns only once the namespace is checked, by which time the
  // server may already have fired a timer.
  const restartedAt = Date.now();
  await system.temporalServer.start();

  // A: expired after the restart, each e-mailed once.
  await waitForEmails(system, ofSelection(0).map((id) => `${id}:expired`), 120_000);
  const expiredA = await Promise.all(ofSelection(0).map((id) => workflowState(system, id)));
  // C: reminded after the restart, before its closing date, then expired.
  await waitForEmails(system, ofSelection(2).map((id) => `${id}:reminder:`), 120_000);
  const reminders = system.emails.filter((email) => ofSelection(2).some((id) => String(email.headers.get('x-candidature-key')).startsWith(`${id}:reminder:`)));
  await waitForEmails(system, ofSelection(2).map((id) => `${id}:expired`), 120_000);
  // B: the journeys go on to the end, and the office validates.
  const office = await system.account('office', [selectionB.trainingId]);
  const finished = await inParallel(
    dossierIds.map((id, n) => ({ id, n })).filter(({ n }) => n % 3 === 1),
    4,
    ({ n }) => candidateJourney(clientOf(n), selectionB.selectionId, { n }),
  );
  await inParallel(finished, 4, (id) => officeValidates(apiClient(system.apiUrls, { token: office.token, tally, retryForMs: RETRY_MS }), id));
  await waitForEmails(system, finished.map((id) => `${id}:validated`), 60_000);
  const validatedB = await Promise.all(finished.map((id) => workflowState(system, id)));
  const emails = auditEmails(system.emails);

  await report('temporal-restart', {
    dossiers: dossierIds.length,
    downMs: restartedAt - killedAt,
    stepDuringOutage: { status: stepDuringOutage.status, answerMs: stepAnswerMs },
    readDuringOutage: readDuringOutage.status,
    expiredAfterRestart: expiredA.filter((state) => state.status === 'EXPIRED').length,
    remindersAfterRestart: reminders.filter((email) => email.receivedAt.getTime() > restartedAt && email.receivedAt < closesC).length,
    validated: validatedB.filter((state) => state.status === 'VALIDATED').length,
    answers: Object.fromEntries(tally.statuses),
    emails,
  });
  expect(stepDuringOutage.status).toBe(503);
  expect(readDuringOutage.status).toBe(200);
  expect(expiredA.map((state) => state.status)).toEqual(ofSelection(0).map(() => 'EXPIRED'));
  expect(expiredA.every((state) => Date.parse(state.endedAt!) > restartedAt)).toBe(true);
  expect(reminders).toHaveLength(PER_SELECTION);
  expect(reminders.every((email) => email.receivedAt.getTime() > restartedAt && email.receivedAt < closesC)).toBe(true);
  expect(validatedB.map((state) => state.status)).toEqual(finished.map(() => 'VALIDATED'));
  expect(tally.serverErrors).toBe(0);
  expect(emails.duplicates).toEqual([]);
});
