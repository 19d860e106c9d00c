import type { Models } from '../db/models.js';
import { hashToken } from './secrets.js';

export interface RateRule {
  /** Part of the counter's key: one counter per rule and subject. */
  name: string;
  limit: number;
  windowMs: number;
}

export interface RateDecision {
  allowed: boolean;
  /** Seconds until the window ends, for the Retry-After header. */
  retryAfterSeconds: number;
}

/**
 * Fixed-window counters in the database, so every API process sees the same
 * counts. The subject (an address or a typed identifier) is hashed: the
 * collection holds no personal data and the key length is bounded.
 */
function windowOf(rule: RateRule, subject: string, now: Date) {
  const start = Math.floor(now.getTime() / rule.windowMs) * rule.windowMs;
  const end = start + rule.windowMs;
  return { key: `${rule.name}:${hashToken(subject).slice(0, 32)}:${start}`, end, retryAfterSeconds: Math.max(1, Math.ceil((end - now.getTime()) / 1000)) };
}

/** Counts one event and says whether it is within the limit. */
export async function consumeRate(models: Pick<Models, 'RateLimit'>, rule: RateRule, subject: string, now = new Date()): Promise<RateDecision> {
  const { key, end, retryAfterSeconds } = windowOf(rule, subject, now);
  const update = { $inc: { count: 1 }, $setOnInsert: { expiresAt: new Date(end) } };
  let counter;
  try {
    counter = await models.RateLimit.findOneAndUpdate({ _id: key }, update, { upsert: true, returnDocument: 'after' }).lean();
  } catch (error) {
    // Two first hits at once: one insert wins, the other increments on retry.
    if ((error as { code?: number }).code !== 11000) throw error;
    counter = await models.RateLimit.findOneAndUpdate({ _id: key }, update, { upsert: true, returnDocument: 'after' }).lean();
  }
  return { allowed: (counter?.count ?? 0) <= rule.limit, retryAfterSeconds };
}

/** Whether one more event would still be within the limit, without counting it. */
export async function checkRate(models: Pick<Models, 'RateLimit'>, rule: RateRule, subject: string, now = new Date()): Promise<RateDecision> {
  const { key, retryAfterSeconds } = windowOf(rule, subject, now);
  const counter = await models.RateLimit.findById(key).lean();
  return { allowed: (counter?.count ?? 0) < rule.limit, retryAfterSeconds };
}
