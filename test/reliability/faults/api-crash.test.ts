import { afterAll, beforeAll, expect, it } from 'vitest';
import { createSelection, hoursFromNow } from '../../support/fixtures.js';
import { validateAndAudit } from '../support/invariants.js';
import { report } from '../support/report.js';
import { startSystem, type System } from '../support/system.js';
import { apiClient, RETRY_MS, Tally } from '../../support/api-client.js';
import { candidateJourney, inParallel, JOURNEY_STEPS } from '../../support/journey.js';

const JOURNEYS = 20;

let system: System;
beforeAll(async () => {
  system = await startSystem();
});
afterAll(async () => {
  await system?.close();
});

it('loses nothing when the API process is killed (kill -9) in the middle of concurrent journeys', async () => {
  const { trainingId, selectionId } = await createSelection(system.database.models, { opensAt: hoursFromNow(-1), closesAt: hoursFromNow(48) });
  const candidates = await inParallel(Array.from({ length: JOURNEYS }, (_, n) => n), 8, () => system.account('candidate'));
  const office = await system.account('office', [trainingId]);
  const tally = new Tally();

  // Killed once 40 % of the steps were accepted: requests in flight (uploads among them) are cut off.
  let accepted = 0;
  let crash: Promise<number> | undefined;
  const onStep = () => {
    accepted += 1;
    if (crash || accepted < JOURNEYS * JOURNEY_STEPS.length * 0.4) return;
    crash = (async () => {
      const down = Date.now();
      await system.api.kill();
      await system.api.start();
      return Date.now() - down;
    })();
  };
  const dossierIds = await Promise.all(candidates.map((candidate, n) => candidateJourney(apiClient(system.apiUrls, { token: candidate.token, tally, retryForMs: RETRY_MS }), selectionId, { n, onStep })));
  const downMs = await crash!;
  const { dossiers, emails, summary } = await validateAndAudit(system, apiClient(system.apiUrls, { token: office.token, tally, retryForMs: RETRY_MS }), dossierIds, 180_000);

  await report('api-crash', {
    journeys: JOURNEYS,
    downMs,
    answers: Object.fromEntries(tally.statuses),
    networkErrors: tally.networkErrors,
    retries: tally.retries,
    emails,
    dossiers: summary,
  });
  expect(tally.networkErrors).toBeGreaterThan(0); // the crash did cut requests off
  expect(tally.serverErrors).toBe(0);
  expect(dossiers.recordMismatches).toEqual([]);
  expect(dossiers.stepCountErrors).toEqual([]);
  expect(dossiers.missingFiles).toEqual([]);
  expect(emails.duplicates).toEqual([]);
});
