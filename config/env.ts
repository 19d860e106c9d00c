import { z } from 'zod';
import type { PayloadKey } from '../temporal/payload-codec.js';
import { DOSSIER_TASK_QUEUE } from '../workflows/dossier/contract.js';

/**
 * Configuration fragments shared by the processes. Each process composes the
 * fragments it needs into one schema (see api/config.ts, worker/config.ts) and
 * parses process.env once at boot; nothing else reads process.env.
 */

export const temporalEnv = {
  TEMPORAL_ADDRESS: z.string().min(1).default('localhost:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  /** Lets several deployments (or test runs) share one namespace without taking each other's tasks. */
  TEMPORAL_TASK_QUEUE: z.string().min(1).default(DOSSIER_TASK_QUEUE),
};

const PAYLOAD_KEY_FORMAT = 'comma-separated "<key id>:<32 bytes in base64>" pairs, the key that encrypts first (generate one with: npm run payload-key)';

/**
 * The keys of the payload codec (temporal/payload-codec.ts): every process
 * that talks to Temporal needs the same list. No default: a process without
 * keys would write dossiers in clear into the Temporal server.
 */
export const payloadKeysEnv = {
  TEMPORAL_PAYLOAD_KEYS: z
    .string({ error: (issue) => (issue.input === undefined ? `required: ${PAYLOAD_KEY_FORMAT}` : undefined) })
    .transform((value, context): PayloadKey[] => {
      const keys: PayloadKey[] = [];
      for (const [index, entry] of value.split(',').map((part) => part.trim()).entries()) {
        const match = /^([A-Za-z0-9._-]{1,64}):([A-Za-z0-9+/=]+)$/.exec(entry);
        const key = match ? Buffer.from(match[2]!, 'base64') : undefined;
        if (!match || key?.length !== 32) {
          context.addIssue({ code: 'custom', message: `entry ${index + 1} is not "<key id>:<32 bytes in base64>" (${PAYLOAD_KEY_FORMAT})` });
          return z.NEVER;
        }
        if (keys.some((known) => known.id === match[1])) {
          context.addIssue({ code: 'custom', message: `key id "${match[1]}" is listed twice` });
          return z.NEVER;
        }
        keys.push({ id: match[1]!, key: key! });
      }
      return keys;
    }),
  /**
   * "off" only to measure what encryption costs (npm run bench): payloads then
   * reach the Temporal server in clear, and the process says so at start.
   */
  TEMPORAL_PAYLOAD_ENCRYPTION: z.enum(['on', 'off']).default('on'),
};

export type PayloadEncryptionConfig = Readonly<z.output<z.ZodObject<typeof payloadKeysEnv>>>;

export const databaseEnv = {
  MONGODB_URI: z
    .string()
    .regex(/^mongodb(\+srv)?:\/\//, 'must start with mongodb:// or mongodb+srv://')
    .default('mongodb://127.0.0.1:27017/candidature'),
};

export const mailEnv = {
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, 'must start with smtp:// or smtps://')
    .default('smtp://127.0.0.1:1025'),
  MAIL_FROM: z.string().min(3).default('ITSRA Service sélection <selection@itsra.example>'),
};

export const publicEnv = {
  PUBLIC_BASE_URL: z.url().default('http://localhost:3000'),
};

/** Lifetimes of e-mailed links: issued by the worker, checked by the API. */
export const accountTokenEnv = {
  PASSWORD_RESET_TTL_MINUTES: z.coerce.number().int().min(5).max(24 * 60).default(60),
  EMAIL_VERIFICATION_TTL_HOURS: z.coerce.number().int().min(1).max(24 * 30).default(48),
};

export const logEnv = {
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
};

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Parses `env` with `schema`, freezing the result. An invalid configuration
 * throws a ConfigError naming every offending variable, so a process stops at
 * boot with a message an operator can act on.
 */
export function parseConfig<S extends z.ZodType>(schema: S, env: Record<string, string | undefined>): Readonly<z.output<S>> {
  const result = schema.safeParse(env);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `  ${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return Object.freeze(result.data);
}
