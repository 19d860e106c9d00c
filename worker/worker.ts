import { NativeConnection, Worker } from '@temporalio/worker';
import { fileURLToPath } from 'node:url';
import { extname } from 'node:path';
import type { Activities } from '../activities/index.js';
import type { DataConverter } from '@temporalio/common';

// The workflow bundle's entry: points at workflows/index.ts when run from source (tsx, vitest) and at
// workflows/index.js once compiled, whichever this file itself is.
export const workflowsPath = fileURLToPath(new URL(`../workflows/index${extname(import.meta.url)}`, import.meta.url));

export interface DossierWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  activities: Activities;
  maxCachedWorkflows?: number;
  taskQueue: string;
  /** Encrypts what the worker writes to Temporal (temporal/data-converter.ts). */
  dataConverter: DataConverter;
}

export async function createDossierWorker(options: DossierWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    workflowsPath,
    activities: options.activities,
    dataConverter: options.dataConverter,
    // When this worker dies, the tasks of the workflows it cached wait this long on its own (sticky) queue before
    // another worker may take them (SDK default 10 s). With the task it held when it died (back after Temporal's
    // 10 s workflow task timeout), this must fit in the API's Update budget (WORKFLOW_UPDATE_TIMEOUT_MS, 20 s), or
    // a candidate gets a 503 although another worker runs. The cost: a task this worker is too busy to take
    // within 3 s goes to another worker, which rebuilds the workflow from its history.
    stickyQueueScheduleToStartTimeout: '3s',
    ...(options.maxCachedWorkflows === undefined ? {} : { maxCachedWorkflows: options.maxCachedWorkflows }),
  });
}
