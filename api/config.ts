import { z } from 'zod';
import { databaseEnv, logEnv, mailEnv, parseConfig, payloadKeysEnv, publicEnv, temporalEnv } from '../config/env.js';

const booleanFlag = z.enum(['true', 'false']).transform((value) => value === 'true');

export const apiConfigSchema = z.object({
  ...temporalEnv,
  ...payloadKeysEnv,
  ...databaseEnv,
  ...mailEnv,
  ...publicEnv,
  ...logEnv,
  API_HOST: z.string().min(1).default('127.0.0.1'),
  API_PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /** How long the API waits for a worker to answer an Update before replying 503. */
  // Longer than Temporal's 10 s workflow task timeout plus the worker's 3 s sticky timeout (worker/worker.ts) plus
  // a replay on a busy worker: a worker dying with a dossier's task in hand costs the candidate a wait, not a 503,
  // while another runs. Measured worst case 13 s on 2 saturated cores; at 15 s, 3 answers of 600 in 1 run of 4
  // still missed it (docs/RELIABILITY.md § 1b).
  WORKFLOW_UPDATE_TIMEOUT_MS: z.coerce.number().int().positive().default(20_000),
  /** Largest file a candidate may upload, in MB. */
  UPLOAD_MAX_MB: z.coerce.number().int().min(1).max(200).default(10),
  /** A session unused this long ends (ANSSI advises short idle timeouts for personal data). */
  SESSION_IDLE_MINUTES: z.coerce.number().int().min(5).default(60),
  /** A session ends this long after log-in, however busy. */
  SESSION_MAX_HOURS: z.coerce.number().int().min(1).default(12),
  /** Secure cookies need HTTPS; unset, it follows PUBLIC_BASE_URL's scheme. */
  COOKIE_SECURE: booleanFlag.optional(),
  /**
   * Behind reverse proxies: their addresses or ranges ("10.0.0.0/8", or the
   * names "loopback", "uniquelocal"), comma-separated, so rate limits see the
   * real client. Never "true": trusting every X-Forwarded-For lets any client
   * pick its own address.
   */
  /**
   * Where operators open the Temporal Web UI: its origins may call the codec
   * endpoint (/api/temporal-codec) with their session cookie. Comma-separated.
   */
  TEMPORAL_UI_ORIGINS: z
    .string()
    .default('http://localhost:8233,http://127.0.0.1:8233')
    .transform((value) => value.split(',').map((origin) => origin.trim()).filter(Boolean))
    .pipe(z.array(z.url().transform((url) => new URL(url).origin))),
  /** The information notice shown at sign-up, written by the school (accounts/privacy-notice.ts); unset, the one in content/. */
  PRIVACY_NOTICE_FILE: z.string().min(1).optional(),
  TRUST_PROXY: z
    .string()
    .regex(/^(false|[0-9a-zA-Z.:/]+(,[0-9a-zA-Z.:/]+)*)$/, 'false, or comma-separated proxy addresses or ranges')
    .refine((value) => value !== 'true', 'must name the proxies, not "true"')
    .default('false')
    .transform((value): false | string[] => (value === 'false' ? false : value.split(','))),
});

export type ApiConfig = Readonly<z.output<typeof apiConfigSchema>>;

export function loadApiConfig(env: Record<string, string | undefined> = process.env): ApiConfig {
  return parseConfig(apiConfigSchema, env);
}
