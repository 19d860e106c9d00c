/**
 * Set-up shared by the deadline storm and the worker memory scenarios: many
 * open dossiers, opened by the API's own service (the same workflow start and
 * first store as "+ S'inscrire"), without accounts or HTTP in front, which only
 * these scenarios' set-up would pay for.
 */
import { openDossier } from '../api/services/dossiers.js';
import type { SelectionRecord } from '../db/models.js';
import { DOSSIER_TASK_QUEUE } from '../workflows/dossier/contract.js';
import { candidate } from '../test/support/fixtures.js';
import { keyOf } from '../test/reliability/support/invariants.js';
import { createSelection, hoursFromNow } from '../test/support/fixtures.js';
import type { Account, System } from '../test/reliability/support/system.js';
import { log } from './measure.js';
import { apiClient, RETRY_MS } from '../test/support/api-client.js';
import { inParallel } from '../test/support/journey.js';

const OPENING_CONCURRENCY = 16;

/** Opens one dossier on each selection of the list (a selection may come back); returns their ids. Logs progress every 10 %. */
export async function openDossiers(system: System, selectionIds: string[], label = 'dossiers'): Promise<string[]> {
  const deps = { models: system.database.models, temporal: system.temporal, taskQueue: DOSSIER_TASK_QUEUE, temporalTimeoutMs: 120_000 };
  const started = Date.now();
  const count = selectionIds.length;
  let done = 0;
  const selections = new Map<string, SelectionRecord>();
  return inParallel(selectionIds, OPENING_CONCURRENCY, async (selectionId) => {
    if (!selections.has(selectionId)) selections.set(selectionId, (await system.database.models.Selection.findById(selectionId).lean())!);
    const { dossier } = await openDossier(deps, selections.get(selectionId)!, candidate());
    done += 1;
    if (count >= 100 && done % Math.round(count / 10) === 0) log(`${label}: ${done}/${count} opened (${(done / ((Date.now() - started) / 1000)).toFixed(1)}/s)`);
    return dossier.dossierId;
  });
}

export interface CandidateWithDossier {
  account: Account;
  dossierId: string;
}

/** `count` candidates with a session, each with a dossier opened through the API ("+ S'inscrire") on one open selection. */
export async function candidatesWithDossiers(system: System, count: number): Promise<CandidateWithDossier[]> {
  const { selectionId } = await createSelection(system.database.models, { opensAt: hoursFromNow(-1), closesAt: hoursFromNow(48) });
  return inParallel(Array.from({ length: count }, (_, n) => n), 8, async () => {
    const account = await system.account('candidate');
    const opened = await apiClient(system.apiUrls, { token: account.token, retryForMs: RETRY_MS }).request('POST', `/api/selections/${selectionId}/dossiers`);
    return { account, dossierId: opened.body.dossierId as string };
  });
}

/** When each e-mail key first reached the SMTP server (ms since epoch), read incrementally. */
export function emailArrivals(system: System) {
  let seen = 0;
  const at = new Map<string, number>();
  const update = () => {
    for (; seen < system.emails.length; seen += 1) {
      const email = system.emails[seen]!;
      const key = keyOf(email);
      if (!at.has(key)) at.set(key, email.receivedAt.getTime());
    }
  };
  return {
    /** How many of `keys` have arrived. */
    count(keys: string[]): number {
      update();
      return keys.filter((key) => at.has(key)).length;
    },
    at(key: string): number | undefined {
      update();
      return at.get(key);
    },
    /** Waits until every key arrived, or the time is up; returns how many did. */
    async waitFor(keys: string[], timeoutMs: number, label: string): Promise<number> {
      const deadline = Date.now() + timeoutMs;
      let last = -1;
      for (;;) {
        const arrived = this.count(keys);
        if (arrived === keys.length || Date.now() > deadline) return arrived;
        if (arrived !== last && arrived > 0 && Math.floor((10 * arrived) / keys.length) !== Math.floor((10 * last) / keys.length)) log(`${label}: ${arrived}/${keys.length}`);
        last = arrived;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    },
  };
}
