import { afterAll, beforeAll, expect, it } from 'vitest';
import { createSelection, hoursFromNow } from '../../support/fixtures.js';
import { validateAndAudit } from '../support/invariants.js';
import { report } from '../support/report.js';
import { startSystem, type System } from '../support/system.js';
import { apiClient, RETRY_MS, Tally } from '../../support/api-client.js';
import { candidateJourney, inParallel, JOURNEY_STEPS } from '../../support/journey.js';

const JOURNEYS = 20;
const OUTAGE_MS = 15_000;

let system: System;
beforeAll(async () => {
  system = await startSystem();
});
afterAll(async () => {
  await system?.close();
});

it('answers 503 while the database is down, retries what was accepted, and ends with every record equal to its workflow', async () => {
  const { trainingId, selectionId } = await createSelection(system.database.models, { opensAt: hoursFromNow(-1), closesAt: hoursFromNow(48) });
  const candidates = await inParallel(Array.from({ length: JOURNEYS }, (_, n) => n), 8, () => system.account('candidate'));
  const office = await system.account('office', [trainingId]);
  const reader = apiClient(system.apiUrls, { token: candidates[0]!.token });
  const tally = new Tally();

  // The outage starts once a third of all steps were accepted: steps are in flight when it begins.
  let accepted = 0;
  let outage: Promise<{ probes: Record<string, number>; slowestProbeMs: number }> | undefined;
  const probes = new Map<string, number>();
  let slowestProbeMs = 0;
  const onStep = () => {
    accepted += 1;
    if (outage || accepted < (JOURNEYS * JOURNEY_STEPS.length) / 3) return;
    outage = (async () => {
      await system.databaseServer.kill();
      // Reads by a logged-in candidate and anonymous ones, every 500 ms while it is down.
      const until = Date.now() + OUTAGE_MS;
      while (Date.now() < until) {
        await Promise.all(
          ['/api/me/dossiers', '/api/selections', `/api/selections/${selectionId}`].map(async (path) => {
            const started = Date.now();
            const answer = await reader.request('GET', path);
            slowestProbeMs = Math.max(slowestProbeMs, Date.now() - started);
            const key = `${path.startsWith('/api/me') ? 'candidate' : 'public'} ${answer.status}`;
            probes.set(key, (probes.get(key) ?? 0) + 1);
          }),
        );
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      await system.databaseServer.start();
      return { probes: Object.fromEntries(probes), slowestProbeMs };
    })();
  };

  const dossierIds = await Promise.all(candidates.map((candidate, n) => candidateJourney(apiClient(system.apiUrls, { token: candidate.token, tally, retryForMs: RETRY_MS }), selectionId, { n, onStep })));
  const during = await outage!;
  const { dossiers, emails, summary } = await validateAndAudit(system, apiClient(system.apiUrls, { token: office.token, tally, retryForMs: RETRY_MS }), dossierIds, 180_000);

  await report('database-outage', {
    journeys: JOURNEYS,
    outageMs: OUTAGE_MS,
    readsDuringOutage: during.probes,
    slowestReadDuringOutageMs: during.slowestProbeMs,
    answers: Object.fromEntries(tally.statuses),
    retries: tally.retries,
    emails,
    dossiers: summary,
  });
  expect(Object.keys(during.probes).every((key) => key.endsWith(' 503'))).toBe(true);
  expect(tally.serverErrors).toBe(0);
  expect(tally.statuses.get(503) ?? 0).toBeGreaterThan(0); // the outage did hit steps in flight
  expect(dossiers.recordMismatches).toEqual([]);
  expect(dossiers.stepCountErrors).toEqual([]);
  expect(dossiers.missingFiles).toEqual([]);
  expect(emails.duplicates).toEqual([]);
});
