import { condition, defineUpdate, proxyActivities, setHandler, sleep, workflowInfo } from '@temporalio/workflow';

/** The engine's own ceiling: a workflow whose Updates do nothing but count (no activity, no database). */
export const trivialStepUpdate = defineUpdate<number, [number]>('trivialStep');

export async function trivialWorkflow(updates: number): Promise<number> {
  let received = 0;
  setHandler(trivialStepUpdate, () => ++received);
  await condition(() => received >= updates);
  return received;
}

/** What the trivial deadline workflow calls when its time comes: the bench records when. */
export interface TrivialActivities {
  recordExpiry(workflowId: string): Promise<void>;
}

const { recordExpiry } = proxyActivities<TrivialActivities>({ startToCloseTimeout: '1 minute' });

/** The engine's own ceiling for the deadline storm: a timer until the closing instant, then one activity. */
export async function trivialDeadlineWorkflow(closesAtMs: number): Promise<void> {
  await sleep(Math.max(0, closesAtMs - Date.now()));
  await recordExpiry(workflowInfo().workflowId);
}
