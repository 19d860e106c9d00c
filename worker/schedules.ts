import { type Client, ScheduleAlreadyRunning, ScheduleOverlapPolicy } from '@temporalio/client';
import { PURGE_SCHEDULE_ID } from '../workflows/accounts/contract.js';
import { purgeExpiredRecordsWorkflow } from '../workflows/accounts/workflow.js';

/**
 * Creates the Schedule that purges expired records, once per namespace: every
 * worker calls this at boot and all but the first find it already there.
 */
export async function ensurePurgeSchedule(client: Client, options: { taskQueue: string; everyMinutes: number; scheduleId?: string }): Promise<void> {
  try {
    await client.schedule.create({
      scheduleId: options.scheduleId ?? PURGE_SCHEDULE_ID,
      spec: { intervals: [{ every: `${options.everyMinutes} minutes` }] },
      policies: { overlap: ScheduleOverlapPolicy.SKIP },
      action: {
        type: 'startWorkflow',
        workflowType: purgeExpiredRecordsWorkflow,
        taskQueue: options.taskQueue,
        args: [],
      },
    });
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
  }
}
