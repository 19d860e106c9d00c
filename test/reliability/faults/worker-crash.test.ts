import { afterAll, beforeAll, expect, it } from 'vitest';
import { createSelection, hoursFromNow } from '../../support/fixtures.js';
import { expectNothingLost, faultsOnProgress } from '../support/crashes.js';
import { validateAndAudit } from '../support/invariants.js';
import { report } from '../support/report.js';
import { startSystem, type System } from '../support/system.js';
import { apiClient, RETRY_MS, Tally } from '../../support/api-client.js';
import { candidateJourney, inParallel, JOURNEY_STEPS } from '../../support/journey.js';

const JOURNEYS = Number(process.env.FAULT_JOURNEYS ?? 50);
const CRASHES = 2;

let system: System;
beforeAll(async () => {
  // Default settings: while no worker runs, Updates wait WORKFLOW_UPDATE_TIMEOUT_MS (20 s), then 503 and the clients retry.
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

  // After 20 % and 55 % of all steps were accepted.
  const crashing = faultsOnProgress(totalSteps, [0.2, 0.55], async () => {
    await Promise.all(system.workers.map((worker) => worker.kill()));
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    await Promise.all(system.workers.map((worker) => worker.start()));
  });
  const { onStep } = crashing;

  const started = Date.now();
  const dossierIds = await Promise.all(candidates.map((candidate, n) => candidateJourney(apiClient(system.apiUrls, { token: candidate.token, tally, retryForMs: RETRY_MS }), selectionId, { n, onStep })));
  const crashes = await crashing.settled();
  const acceptedSteps = crashing.accepted();
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
  expectNothingLost({ dossiers, emails }, JOURNEYS);
}, 600_000);
