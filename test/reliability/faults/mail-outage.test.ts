import { afterAll, beforeAll, expect, it } from 'vitest';
import { createSelection, hoursFromNow } from '../../support/fixtures.js';
import { auditEmails, waitForEmails } from '../support/invariants.js';
import { eventually } from '../../support/eventually.js';
import { report } from '../support/report.js';
import { startSystem, type System } from '../support/system.js';
import { apiClient, Tally } from '../../support/api-client.js';
import { candidateJourney, inParallel } from '../../support/journey.js';

const PER_PHASE = 10;

let system: System;
beforeAll(async () => {
  system = await startSystem();
});
afterAll(async () => {
  await system?.close();
});

it('keeps the API answering while the SMTP relay is down, then refusing (451), and delivers every e-mail once afterwards', async () => {
  const { selectionId } = await createSelection(system.database.models, { opensAt: hoursFromNow(-1), closesAt: hoursFromNow(48) });
  const candidates = await inParallel(Array.from({ length: 3 * PER_PHASE }, (_, n) => n), 8, () => system.account('candidate'));
  const tally = new Tally();
  const timings = { relayUp: [] as number[], relayOut: [] as number[] };
  let phase: keyof typeof timings = 'relayUp';
  const journey = async (n: number) => {
    const started = Date.now();
    const id = await candidateJourney(apiClient(system.apiUrls, { token: candidates[n]!.token, tally }), selectionId, { n });
    timings[phase].push(Date.now() - started);
    return id;
  };
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const signUp = async (n: number) => {
    const response = await fetch(`${system.apiUrl}/api/auth/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ identifier: `outage-${n}-${Date.now()}`, email: `outage-${n}-${Date.now()}@example.org`, password: 'cheval agrafe pile correcte', firstName: 'Léa', lastName: 'Martin' }),
    });
    tally.count(response.status);
    const body = (await response.json()) as { message?: string };
    return { status: response.status, body };
  };

  // Phase 0, the reference: the same journeys with the relay up.
  const reference = await inParallel([...Array(PER_PHASE).keys()].map((n) => n + 2 * PER_PHASE), PER_PHASE, journey);
  await waitForEmails(system, reference.flatMap((id) => [`${id}:opened`, `${id}:submitted:`]), 60_000);
  // Phase 1: the relay is down (connection refused).
  phase = 'relayOut';
  const outageStarted = Date.now();
  const caughtBefore = system.emails.length;
  await system.mail.stop();
  const down = await inParallel([...Array(PER_PHASE).keys()], PER_PHASE, journey);
  const signUpsDown = await Promise.all([0, 1].map(signUp));
  // Phase 2: the relay is back but answers every message "451 try again later".
  system.mail.defer(true);
  await system.mail.start();
  const deferred = await inParallel([...Array(PER_PHASE).keys()].map((n) => n + PER_PHASE), PER_PHASE, journey);
  const signUpsDeferred = await Promise.all([2, 3].map(signUp));
  const caughtDuringOutage = system.emails.length - caughtBefore;
  // Recovery.
  system.mail.defer(false);
  const recovered = Date.now();
  const outageMs = recovered - outageStarted;

  const dossierIds = [...down, ...deferred];
  const expected = [...reference, ...dossierIds].flatMap((id) => [`${id}:opened`, `${id}:submitted:`]);
  await waitForEmails(system, expected, 240_000);
  await eventually(async () => system.emails.filter((email) => email.to.some((to) => to.startsWith('outage-'))).length >= 4, 120_000);
  const deliveredAfterMs = Date.now() - recovered;
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  const emails = auditEmails(system.emails);

  await report('mail-outage', {
    journeys: dossierIds.length,
    signUps: 4,
    outageMs,
    caughtDuringOutage,
    deliveredAfterRecoveryMs: deliveredAfterMs,
    journeyMedianMs: { relayUp: median(timings.relayUp), relayOut: median(timings.relayOut) },
    answers: Object.fromEntries(tally.statuses),
    emails,
  });
  expect([...signUpsDown, ...signUpsDeferred].map((answer) => answer.status)).toEqual([202, 202, 202, 202]);
  expect(tally.retries).toBe(0); // no client had to retry: every step answered at once
  expect(tally.serverErrors).toBe(0);
  expect(caughtDuringOutage).toBe(0);
  expect(emails.duplicates).toEqual([]);
  expect(emails.messages).toBe(expected.length + 4);
});
