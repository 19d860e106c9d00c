import { condition, defineUpdate, setHandler } from '@temporalio/workflow';

/** The engine's own ceiling: a workflow whose Updates do nothing but count (no activity, no database). */
export const trivialStepUpdate = defineUpdate<number, [number]>('trivialStep');

export async function trivialWorkflow(updates: number): Promise<number> {
  let received = 0;
  setHandler(trivialStepUpdate, () => ++received);
  await condition(() => received >= updates);
  return received;
}
