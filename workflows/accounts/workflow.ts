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
