import { z } from 'zod';
import { databaseEnv, logEnv, mailEnv, parseConfig, publicEnv, temporalEnv } from '../config/env.js';

export const apiConfigSchema = z.object({
  ...temporalEnv,
  ...databaseEnv,
  ...mailEnv,
  ...publicEnv,
  ...logEnv,
  API_HOST: z.string().min(1).default('127.0.0.1'),
  API_PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /** How long the API waits for a worker to answer an Update before replying 503. */
  WORKFLOW_UPDATE_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
});

export type ApiConfig = Readonly<z.output<typeof apiConfigSchema>>;

export function loadApiConfig(env: Record<string, string | undefined> = process.env): ApiConfig {
  return parseConfig(apiConfigSchema, env);
}
