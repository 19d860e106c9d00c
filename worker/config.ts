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
  /** Upper bound of workflows kept in the worker's cache (bounds its memory). */
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).default(1000),
});

export type WorkerConfig = Readonly<z.output<typeof workerConfigSchema>>;

export function loadWorkerConfig(env: Record<string, string | undefined> = process.env): WorkerConfig {
  return parseConfig(workerConfigSchema, env);
}
