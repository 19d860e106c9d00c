/**
 * Two workers, as a school that outgrew one machine runs them: one is killed
 * (kill -9) twice during the journeys; the other takes its workflows over.
 * Tasks the dead worker held come back to the survivor after their timeout
 * (Temporal's workflow task timeout, 10 s; its sticky queue's, 3 s:
 * worker/worker.ts), within the API's 20 s Update budget: no candidate gets a
 * 503, and nothing is lost.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createSelection, hoursFromNow } from '../../support/fixtures.js';
import { expectNothingLost, faultsOnProgress } from '../support/crashes.js';
import { validateAndAudit } from '../support/invariants.js';
import { report } from '../support/report.js';
import { startSystem, type System } from '../support/system.js';
import { apiClient, RETRY_MS, Tally } from '../../support/api-client.js';
import { candidateJourney, inParallel, JOURNEY_STEPS } from '../../support/journey.js';

const JOURNEYS = Number(process.env.FAULT_JOURNEYS ?? 50);

let system: System;
beforeAll(async () => {
  system = await startSystem({ instances: 2 });
});
afterAll(async () => {
  await system?.close();
});

it(`loses nothing when one of two workers is killed (kill -9) twice during ${JOURNEYS} concurrent journeys; the other carries on`, async () => {
  const { trainingId, selectionId } = await createSelection(system.database.models, { opensAt: hoursFromNow(-1), closesAt: hoursFromNow(48) });
  const candidates = await inParallel(Array.from({ length: JOURNEYS }, (_, n) => n), 8, () => system.account('candidate'));
  const office = await system.account('office', [trainingId]);
  const tally = new Tally();
  const totalSteps = JOURNEYS * JOURNEY_STEPS.length;
  const [victim, survivor] = system.workers as [(typeof system.workers)[0], (typeof system.workers)[0]];

  // After 20 % and 55 % of all steps were accepted.
  const crashing = faultsOnProgress(totalSteps, [0.2, 0.55], async () => {
    await victim.kill();
    // Down long enough for every task it held to time out and move to the survivor.
    await new Promise((resolve) => setTimeout(resolve, 12_000));
    await victim.start();
  });
  const { onStep } = crashing;

  const started = Date.now();
  const dossierIds = await Promise.all(candidates.map((candidate, n) => candidateJourney(apiClient(system.apiUrls, { token: candidate.token, tally, retryForMs: RETRY_MS }), selectionId, { n, onStep })));
  const crashes = await crashing.settled();
  const acceptedSteps = crashing.accepted();
  const journeysMs = Date.now() - started;
  const { dossiers, emails, summary } = await validateAndAudit(system, apiClient(system.apiUrls, { token: office.token, tally, retryForMs: RETRY_MS }), dossierIds);

  await report('worker-of-two-crash', {
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
  expect(survivor.running()).toBe(true);
  expect(crashes).toHaveLength(2);
  expect(acceptedSteps).toBe(totalSteps);
  expect(tally.serverErrors).toBe(0);
  expect(tally.statuses.get(503) ?? 0).toBe(0);
  expectNothingLost({ dossiers, emails }, JOURNEYS);
}, 600_000);
