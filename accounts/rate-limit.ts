import { isDuplicateKeyError } from '../db/errors.js';
import type { Models } from '../db/models.js';
import { hashToken } from './secrets.js';

export interface RateRule {
  /** Part of the key: one count per rule and subject. */
  name: string;
  limit: number;
  windowMs: number;
}

export interface RateDecision {
  allowed: boolean;
  /** Seconds until the window ends, for the Retry-After header. */
  retryAfterSeconds: number;
  /** The slot taken, to give back with refundRate. */
  slotId?: string;
}

type RateModels = Pick<Models, 'RateSlot'>;


/**
 * Counts one event in a fixed window and says whether it is within the limit.
 * The window has `limit` slots; the event takes the first free one by
 * inserting it, so of any number of parallel requests exactly `limit` pass.
 * The subject (an address, a typed identifier) is hashed: no personal data is
 * stored and keys have a bounded length.
 */
export async function consumeRate(models: RateModels, rule: RateRule, subject: string, now = new Date()): Promise<RateDecision> {
  const start = Math.floor(now.getTime() / rule.windowMs) * rule.windowMs;
  const end = start + rule.windowMs;
  const retryAfterSeconds = Math.max(1, Math.ceil((end - now.getTime()) / 1000));
  const prefix = `${rule.name}:${hashToken(subject).slice(0, 32)}:${start}:`;
  const taken = await models.RateSlot.countDocuments({ _id: { $gte: prefix, $lt: `${prefix}~` } });
  if (taken >= rule.limit) return { allowed: false, retryAfterSeconds };
  // Start after the slots already taken (one insert in the usual case), then
  // wrap around to find a slot a refund freed.
  for (let attempt = 0; attempt < rule.limit; attempt += 1) {
    const slot = ((taken + attempt) % rule.limit) + 1;
    const slotId = `${prefix}${String(slot).padStart(4, '0')}`;
    try {
      await models.RateSlot.create({ _id: slotId, expiresAt: new Date(end) });
      return { allowed: true, retryAfterSeconds: 0, slotId };
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
    }
  }
  return { allowed: false, retryAfterSeconds };
}

/**
 * Gives back a slot taken by consumeRate: failures-only rules count every
 * attempt up front (so parallel guesses cannot slip past the limit) and give
 * back the ones that succeed.
 */
export async function refundRate(models: RateModels, decision: RateDecision): Promise<void> {
  if (decision.slotId) await models.RateSlot.deleteOne({ _id: decision.slotId });
}
