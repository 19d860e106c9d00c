/**
 * The activities a dossier calls, with their timeouts and retries. Workflow
 * code: activity types only, no Node API.
 */
import { patched, proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities/index.js';
import type { DossierState } from '../../domain/dossier-record.js';

const storeRetry = { initialInterval: '1 second', maximumInterval: '1 minute' };
const asTasks = proxyActivities<Activities>({ startToCloseTimeout: '30 seconds', retry: storeRetry });
// Storing the dossier and reading the closing date are short database calls:
// run as local activities, in the workflow task that asked for them, they spare
// the Temporal server an activity task and a second workflow task each
// (docs/BENCHMARKS.md: closing rush and deadline storm).
const locally = proxyLocalActivities<Activities>({ startToCloseTimeout: '30 seconds', retry: storeRetry });

/** Dossiers opened before these calls became local go on with the activity tasks their histories hold. */
const databaseCallsAreLocal = () => patched('local-database-activities');

export const storeDossier = (dossier: DossierState) => (databaseCallsAreLocal() ? locally.storeDossier(dossier) : asTasks.storeDossier(dossier));
export const readSelectionClosesAt = (selectionId: string) =>
  databaseCallsAreLocal() ? locally.readSelectionClosesAt(selectionId) : asTasks.readSelectionClosesAt(selectionId);
export const { deleteFiles } = asTasks;

// E-mails wait out an SMTP outage (retried for up to a week); a message the
// relay refuses outright fails at once (non-retryable).
export const { sendEmail } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  scheduleToCloseTimeout: '7 days',
  retry: { initialInterval: '5 seconds', maximumInterval: '10 minutes' },
});
