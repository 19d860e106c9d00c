import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../../activities/index.js';
import type { AccountEmailRequest } from '../../accounts/email-requests.js';

// E-mails wait out an SMTP outage (retried for up to a week, never lost to a
// short one); a message the relay refuses outright fails at once (non-retryable).
const { deliverAccountEmail } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  scheduleToCloseTimeout: '7 days',
  retry: { initialInterval: '5 seconds', maximumInterval: '10 minutes' },
});

const { purgeExpiredRecords } = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  retry: { maximumAttempts: 3 },
});

/** Delivers one e-mail about an account (verification, reset, notices). */
export async function accountEmailWorkflow(request: AccountEmailRequest): Promise<{ sent: boolean }> {
  return deliverAccountEmail(request, workflowInfo().workflowId);
}

/** Run by a Temporal Schedule: removes expired sessions, tokens and rate-limit slots, and orphaned uploads. */
export async function purgeExpiredRecordsWorkflow(): ReturnType<Activities['purgeExpiredRecords']> {
  return purgeExpiredRecords();
}

// Erasure waits out any outage (database, Temporal's visibility) and finishes: it never gives up halfway.
const { withdrawOpenDossiers, eraseAccount } = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '5 seconds', maximumInterval: '10 minutes' },
});

/**
 * "Supprimer mon compte", confirmed by the e-mailed link: the open dossiers
 * are withdrawn first (the office sees them go as any withdrawal), then the
 * account and everything it holds is erased, histories included.
 */
export async function accountErasureWorkflow(accountId: string): Promise<{ withdrawn: number; dossiers: number; files: number; histories: number }> {
  const { withdrawn } = await withdrawOpenDossiers(accountId);
  return { withdrawn, ...(await eraseAccount(accountId)) };
}
