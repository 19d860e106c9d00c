import { afterAll, beforeAll, expect, it } from 'vitest';
import { createSelection, hoursFromNow } from '../../support/fixtures.js';
import { validateAndAudit } from '../support/invariants.js';
import { report } from '../support/report.js';
import { startSystem, type System } from '../support/system.js';
import { apiClient, RETRY_MS, Tally } from '../../support/api-client.js';
import { candidateJourney, inParallel, JOURNEY_STEPS } from '../../support/journey.js';

const JOURNEYS = Number(process.env.FAULT_JOURNEYS ?? 50);
const CRASHES = 2;

let system: System;
beforeAll(async () => {
  // Default settings: while no worker runs, Updates wait WORKFLOW_UPDATE_TIMEOUT_MS (15 s), then 503 and the clients retry.
  system = await startSystem();
});
afterAll(async () => {
  await system?.close();
});

it(`loses nothing when every worker is killed (kill -9) ${CRASHES} times during ${JOURNEYS} concurrent journeys`, async () => {
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
        await Promise.all(system.workers.map((worker) => worker.kill()));
        await new Promise((resolve) => setTimeout(resolve, 3_000));
        await Promise.all(system.workers.map((worker) => worker.start()));
        crashes.push({ afterSteps, downMs: Date.now() - down });
      });
    }
  };

  const started = Date.now();
  const dossierIds = await Promise.all(candidates.map((candidate, n) => candidateJourney(apiClient(system.apiUrls, { token: candidate.token, tally, retryForMs: RETRY_MS }), selectionId, { n, onStep })));
  await crashing;
  const journeysMs = Date.now() - started;
  const { dossiers, emails, summary } = await validateAndAudit(system, apiClient(system.apiUrls, { token: office.token, tally, retryForMs: RETRY_MS }), dossierIds);

  await report('worker-crash', {
    journeys: JOURNEYS,
    crashes,
    journeysMs,
    acceptedSteps,
    answers: Object.fromEntries(tally.statuses),
    retries: tally.retries,
    networkErrors: tally.networkErrors,
    emails,
    dossiers: summary,
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
  expect(emails.distinctKeys).toBe(3 * JOURNEYS);
}, 600_000);
