import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consumeRate, refundRate } from '../../accounts/rate-limit.js';
import { consumeAccountToken, issueAccountToken } from '../../accounts/tokens.js';
import type { Database } from '../../db/connection.js';
import { connectTestDatabase } from '../support/stack.js';

// FerretDB v1 loses concurrent $inc updates and lets two parallel findOneAndDelete
// calls both win; these tests hold the pieces built around that to their promise.
describe('limits and single-use tokens under concurrency', () => {
  let database: Database;
  beforeAll(async () => {
    database = await connectTestDatabase();
  });
  afterAll(() => database?.close());

  it('allows exactly the limit out of many parallel events', async () => {
    const rule = { name: 'parallel', limit: 5, windowMs: 60_000 };
    const decisions = await Promise.all(Array.from({ length: 12 }, () => consumeRate(database.models, rule, 'someone')));
    expect(decisions.filter((d) => d.allowed)).toHaveLength(5);
    const refused = decisions.filter((d) => !d.allowed);
    expect(refused).toHaveLength(7);
    for (const decision of refused) {
      expect(decision.retryAfterSeconds).toBeGreaterThan(0);
      expect(decision.retryAfterSeconds).toBeLessThanOrEqual(60);
    }
  });

  it('starts afresh with each window, says when the window ends, and takes a refund back', async () => {
    const rule = { name: 'windowed', limit: 2, windowMs: 10_000 };
    const t0 = new Date('2027-01-01T10:00:00Z'); // a window boundary
    const at = (ms: number) => new Date(t0.getTime() + ms);
    const first = await consumeRate(database.models, rule, 's', at(0));
    expect(first.allowed).toBe(true);
    expect((await consumeRate(database.models, rule, 's', at(4_000))).allowed).toBe(true);
    expect(await consumeRate(database.models, rule, 's', at(5_500))).toEqual({ allowed: false, retryAfterSeconds: 5 });
    expect((await consumeRate(database.models, rule, 'someone else', at(5_500))).allowed).toBe(true);

    await refundRate(database.models, first);
    expect((await consumeRate(database.models, rule, 's', at(6_000))).allowed).toBe(true);
    expect((await consumeRate(database.models, rule, 's', at(10_000))).allowed).toBe(true);
  });

  it('reuses a slot freed by a refund even when later slots are taken', async () => {
    const rule = { name: 'holes', limit: 3, windowMs: 60_000 };
    const now = new Date('2027-01-01T11:00:00Z');
    const [, second] = [await consumeRate(database.models, rule, 'h', now), await consumeRate(database.models, rule, 'h', now), await consumeRate(database.models, rule, 'h', now)];
    expect((await consumeRate(database.models, rule, 'h', now)).allowed).toBe(false);
    await refundRate(database.models, second!);
    expect((await consumeRate(database.models, rule, 'h', now)).allowed).toBe(true);
    expect((await consumeRate(database.models, rule, 'h', now)).allowed).toBe(false);
  });

  it('lets exactly one of many parallel uses of a token win', async () => {
    const token = await issueAccountToken(database.models, { accountId: 'a-1', purpose: 'resetPassword', requestId: 'r-1', ttlMs: 60_000 });
    const uses = await Promise.all(Array.from({ length: 12 }, () => consumeAccountToken(database.models, token, ['resetPassword'])));
    expect(uses.filter(Boolean)).toHaveLength(1);
  });
});
