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
    ...(options.maxCachedWorkflows === undefined ? {} : { maxCachedWorkflows: options.maxCachedWorkflows }),
  });
}
