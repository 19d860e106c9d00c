import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { logEnv, mailEnv, parseConfig, publicEnv } from '../config/env.js';

const port = (fallback: number) => z.coerce.number().int().min(1).max(65535).default(fallback);
const optionalUrl = (pattern: RegExp, hint: string) =>
  z.preprocess((value) => (value === '' ? undefined : value), z.string().regex(pattern, hint).optional());

/**
 * Configuration of the local tooling (`npm start`, provisioning, test servers).
 * A server given by URL is used as it is and not started.
 */
export const devConfigSchema = z.object({
  ...mailEnv,
  ...publicEnv,
  ...logEnv,
  TEMPORAL_ADDRESS: optionalUrl(/^[^\s/]+:\d+$/, 'must be host:port'),
  MONGODB_URI: optionalUrl(/^mongodb(\+srv)?:\/\//, 'must start with mongodb://'),
  SMTP_URL: optionalUrl(/^smtps?:\/\//, 'must start with smtp:// or smtps://'),
  /** A PostgreSQL of your own for Temporal Server (its databases temporal and temporal_visibility are created in it). */
  DATABASE_URL: optionalUrl(/^postgres(ql)?:\/\//, 'must start with postgres://'),
  DATA_DIR: z.string().min(1).default('.data'),
  CANDIDATURE_CACHE_DIR: z.string().min(1).optional(),
  XDG_CACHE_HOME: z.string().min(1).optional(),
  GO: z.string().min(1).default('go'),
  /** Searched for a `temporal` binary the user already has. */
  PATH: z.string().default(''),
  // Quieter than the services' own default: under `npm start` their lines share one terminal.
  LOG_LEVEL: logEnv.LOG_LEVEL.unwrap().default('warn'),
  TEMPORAL_PORT: port(7233),
  TEMPORAL_UI_PORT: port(8233),
  /** Our PostgreSQL's (not 5432: a machine with PostgreSQL installed often runs its own there). */
  POSTGRES_PORT: port(55432),
  MONGODB_PORT: port(27017),
  SMTP_PORT: port(1025),
  API_PORT: port(3000),
});

export type DevConfig = Readonly<z.output<typeof devConfigSchema>>;

export function loadDevConfig(env: Record<string, string | undefined> = process.env): DevConfig {
  return parseConfig(devConfigSchema, env);
}

/** Per-user cache of the servers we build: outside the work tree, shared by every clone. */
export function cacheDirectory(config: Pick<DevConfig, 'CANDIDATURE_CACHE_DIR' | 'XDG_CACHE_HOME'>): string {
  if (config.CANDIDATURE_CACHE_DIR) return resolve(config.CANDIDATURE_CACHE_DIR);
  return join(config.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'candidature');
}
