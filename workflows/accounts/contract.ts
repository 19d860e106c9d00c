/**
 * Contract of the account workflows. Imported by workflow code: no Node APIs.
 */

export function accountEmailWorkflowId(requestId: string): string {
  return `account-email:${requestId}`;
}

export const PURGE_SCHEDULE_ID = 'purge-expired-records';

/** One erasure per account: asking twice finds the one already running. */
export function accountErasureWorkflowId(accountId: string): string {
  return `account-erasure:${accountId}`;
}
