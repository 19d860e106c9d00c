import { z } from 'zod';
import { databaseEnv, logEnv, mailEnv, parseConfig, publicEnv, temporalEnv } from '../config/env.js';

export const workerConfigSchema = z.object({
  ...temporalEnv,
  ...databaseEnv,
  ...mailEnv,
  ...publicEnv,
  ...logEnv,
  /** Upper bound of workflows kept in the worker's cache (bounds its memory). */
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).default(1000),
});

export type WorkerConfig = Readonly<z.output<typeof workerConfigSchema>>;

export function loadWorkerConfig(env: Record<string, string | undefined> = process.env): WorkerConfig {
  return parseConfig(workerConfigSchema, env);
}
