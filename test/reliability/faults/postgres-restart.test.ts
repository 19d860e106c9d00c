/**
 * PostgreSQL, where Temporal Server keeps every history, timer and task, is
 * restarted under load (a fast shutdown: every connection cut, then 5 s down,
 * as a maintenance restart or a failover does). Temporal Server retries its
 * own calls meanwhile; a request waits within the API's Update budget (a
 * French 503 past it, and the client retries); afterwards everything resumes
 * and nothing is lost or applied twice.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { setTimeout as delay } from 'node:timers/promises';
import { createSelection, hoursFromNow } from '../../support/fixtures.js';
import { expectNothingLost } from '../support/crashes.js';
import { validateAndAudit } from '../support/invariants.js';
import { report } from '../support/report.js';
import { startSystem, type System } from '../support/system.js';
import { apiClient, RETRY_MS, Tally } from '../../support/api-client.js';
import { candidateJourney, inParallel, JOURNEY_STEPS } from '../../support/journey.js';

const JOURNEYS = Number(process.env.FAULT_JOURNEYS ?? 30);

let system: System;
beforeAll(async () => {
  system = await startSystem();
});
afterAll(async () => {
  await system?.close();
});

it(`loses nothing when PostgreSQL restarts under ${JOURNEYS} concurrent journeys`, async () => {
  const { trainingId, selectionId } = await createSelection(system.database.models, { opensAt: hoursFromNow(-1), closesAt: hoursFromNow(48) });
  const candidates = await inParallel(Array.from({ length: JOURNEYS }, (_, n) => n), 8, () => system.account('candidate'));
  const office = await system.account('office', [trainingId]);
  const tally = new Tally();

  let accepted = 0;
  let restart: Promise<{ downMs: number; stepsWhileDown: number }> | undefined;
  const onStep = () => {
    accepted += 1;
    if (restart || accepted < JOURNEYS * JOURNEY_STEPS.length * 0.4) return;
    restart = (async () => {
      const down = Date.now();
      await system.postgresServer.stop();
      // Counted from a second after the stop: an answer already on its way then is not a step taken while down.
      await delay(1_000);
      const before = accepted;
      await delay(4_000);
      const stepsWhileDown = accepted - before;
      await system.postgresServer.start();
      return { downMs: Date.now() - down, stepsWhileDown };
    })();
  };
  const dossierIds = await Promise.all(candidates.map((candidate, n) => candidateJourney(apiClient(system.apiUrls, { token: candidate.token, tally, retryForMs: RETRY_MS }), selectionId, { n, onStep })));
  const outage = await restart!;
  const { dossiers, emails, summary } = await validateAndAudit(system, apiClient(system.apiUrls, { token: office.token, tally, retryForMs: RETRY_MS }), dossierIds, 180_000);

  await report('postgres-restart', {
    journeys: JOURNEYS,
    ...outage,
    answers: Object.fromEntries(tally.statuses),
    retries: tally.retries,
    networkErrors: tally.networkErrors,
    emails,
    dossiers: summary,
  });
  // The outage was real: no step landed while PostgreSQL was down. The requests waited rather than failed
  // (Temporal Server retries its persistence calls; the API's Update budget is 20 s), hence no retries needed.
  expect(outage.stepsWhileDown).toBe(0);
  expect(tally.serverErrors).toBe(0);
  expect(accepted).toBe(JOURNEYS * JOURNEY_STEPS.length);
  expectNothingLost({ dossiers, emails }, JOURNEYS);
}, 600_000);
