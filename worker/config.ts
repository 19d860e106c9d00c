import { z } from 'zod';
import { accountTokenEnv, databaseEnv, logEnv, mailEnv, parseConfig, payloadKeysEnv, publicEnv, temporalEnv } from '../config/env.js';

export const workerConfigSchema = z.object({
  ...temporalEnv,
  ...payloadKeysEnv,
  ...databaseEnv,
  ...mailEnv,
  ...publicEnv,
  ...logEnv,
  ...accountTokenEnv,
  /** How often expired sessions, tokens and rate-limit counters are purged. */
  PURGE_INTERVAL_MINUTES: z.coerce.number().int().min(1).default(60),
  /** Upper bound of workflows kept in the worker's cache. */
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).default(1000),
  /**
   * The V8 heap of the thread that runs the workflows (MB): bounds the worker's memory. Unset, it is sized
   * for the cache (workflowHeapMb). Too small for the cache, the worker stops with "out of memory".
   */
  WORKER_WORKFLOW_HEAP_MB: z.coerce.number().int().min(128).optional(),
});

export type WorkerConfig = Readonly<z.output<typeof workerConfigSchema>>;

export function loadWorkerConfig(env: Record<string, string | undefined> = process.env): WorkerConfig {
  return parseConfig(workerConfigSchema, env);
}

/**
 * Measured (docs/BENCHMARKS.md, worker memory): a freshly opened cached
 * dossier holds about 0.6 MB of the worker's memory since the workflows
 * share zod (1.4 MB before: worker/worker.ts), and the thread needs about
 * 256 MB with none. The budget stays at 2 MB, room for dossiers filled in
 * (their state is in the cache too), not measured at the cache's size.
 * Without a limit, V8 lets the heap grow far past what the cache holds
 * before collecting what evicted workflows left behind.
 */
export const HEAP_MB_PER_CACHED_DOSSIER = 2;
export const WORKFLOW_HEAP_BASE_MB = 256;

/**
 * The workflow thread's heap limit: the setting, or what the cache needs —
 * unless the operator already gave Node one (`--max-old-space-size` in
 * NODE_OPTIONS or on the command line), which is then left as it is
 * (undefined).
 */
export function workflowHeapMb(
  config: Pick<WorkerConfig, 'WORKER_MAX_CACHED_WORKFLOWS' | 'WORKER_WORKFLOW_HEAP_MB'>,
  nodeFlags: string = [...process.execArgv, process.env.NODE_OPTIONS ?? ''].join(' '),
): number | undefined {
  if (config.WORKER_WORKFLOW_HEAP_MB !== undefined) return config.WORKER_WORKFLOW_HEAP_MB;
  if (/--max-old-space-size[= ]/.test(nodeFlags)) return undefined;
  return Math.ceil(WORKFLOW_HEAP_BASE_MB + config.WORKER_MAX_CACHED_WORKFLOWS * HEAP_MB_PER_CACHED_DOSSIER);
}
