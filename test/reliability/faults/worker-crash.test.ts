import { afterAll, beforeAll, expect, it } from 'vitest';
import { createSelection, hoursFromNow } from '../../support/fixtures.js';
import { auditDossiers, auditEmails, waitForEmails } from '../support/invariants.js';
import { apiClient, candidateJourney, inParallel, JOURNEY_STEPS, officeValidates, Tally } from '../support/journey.js';
import { report } from '../support/report.js';
import { startSystem, type System } from '../support/system.js';

const JOURNEYS = Number(process.env.FAULT_JOURNEYS ?? 50);
const CRASHES = 2;

let system: System;
beforeAll(async () => {
  // Default settings: while no worker runs, Updates wait WORKFLOW_UPDATE_TIMEOUT_MS (10 s), then 503 and the clients retry.
  system = await startSystem();
});
afterAll(async () => {
  await system?.close();
});

it(`loses nothing when the worker is killed (kill -9) ${CRASHES} times during ${JOURNEYS} concurrent journeys`, async () => {
  const { trainingId, selectionId } = await createSelection(system.database.models, { opensAt: hoursFromNow(-1), closesAt: hoursFromNow(48) });
  const candidates = await inParallel(Array.from({ length: JOURNEYS }, (_, n) => n), 8, () => system.account('candidate'));
  const office = await system.account('office', [trainingId]);
  const tally = new Tally();
  const totalSteps = JOURNEYS * JOURNEY_STEPS.length;

  // The crashes are timed on progress: after 20% and 55% of all steps were accepted.
  let acceptedSteps = 0;
  const crashAt = [0.2, 0.55].map((share) => Math.round(totalSteps * share));
  const crashes: { afterSteps: number; downMs: number }[] = [];
  let crashing = Promise.resolve();
  const onStep = () => {
    acceptedSteps += 1;
    if (crashAt.length > 0 && acceptedSteps >= crashAt[0]!) {
      const afterSteps = crashAt.shift()!;
      crashing = crashing.then(async () => {
        const down = Date.now();
        await system.worker.kill();
        await new Promise((resolve) => setTimeout(resolve, 3_000));
        await system.worker.start();
        crashes.push({ afterSteps, downMs: Date.now() - down });
      });
    }
  };

  const started = Date.now();
  const dossierIds = await Promise.all(candidates.map((candidate, n) => candidateJourney(apiClient(system.apiUrl, candidate.token, tally), selectionId, n, onStep)));
  await crashing;
  const officeClient = apiClient(system.apiUrl, office.token, tally);
  await inParallel(dossierIds, 10, (dossierId) => officeValidates(officeClient, dossierId));
  const journeysMs = Date.now() - started;

  // Three e-mails per dossier: opened, submitted (keyed by revision), validated.
  const expected = dossierIds.flatMap((id) => [`${id}:opened`, `${id}:submitted:`, `${id}:validated`]);
  await waitForEmails(system, expected, 120_000);
  await new Promise((resolve) => setTimeout(resolve, 3_000)); // room for a late duplicate to show up
  const emails = auditEmails(system.emails);
  const dossiers = await auditDossiers(system, dossierIds, 'VALIDATED');

  await report('worker-crash', {
    journeys: JOURNEYS,
    crashes,
    journeysMs,
    acceptedSteps,
    answers: Object.fromEntries(tally.statuses),
    retries: tally.retries,
    networkErrors: tally.networkErrors,
    emails,
    dossiers: { ...dossiers, recordMismatches: dossiers.recordMismatches.length, stepCountErrors: dossiers.stepCountErrors.length },
  });
  expect(crashes).toHaveLength(CRASHES);
  expect(acceptedSteps).toBe(totalSteps);
  expect(tally.serverErrors).toBe(0);
  expect(dossiers.recordMismatches).toEqual([]);
  expect(dossiers.stepCountErrors).toEqual([]);
  expect(dossiers.missingFiles).toEqual([]);
  // A kill between the relay's 250 and the SentEmail record resends that message on retry (at-least-once
  // over SMTP): the copy is the same message (same Message-ID, subject, text). Counted in the report.
  expect(emails.differingCopies).toEqual([]);
  expect(emails.distinctKeys).toBe(expected.length);
}, 600_000);
