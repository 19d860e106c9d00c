import type { Models } from '../db/models.js';
import { hashToken, newSecretToken } from './secrets.js';

export interface SessionPolicy {
  /** A session unused for this long ends. */
  idleMs: number;
  /** A session ends this long after log-in, however busy. */
  absoluteMs: number;
}

/** Writing lastSeenAt on every request would double the database work for nothing. */
const SLIDE_AFTER_MS = 60_000;

type SessionModels = Pick<Models, 'Session' | 'Account'>;

export async function createSession(
  models: SessionModels,
  account: { _id: string; credentialsVersion?: number | null },
  policy: SessionPolicy,
  now = new Date(),
) {
  const token = newSecretToken();
  const absoluteExpiresAt = new Date(now.getTime() + policy.absoluteMs);
  const expiresAt = new Date(Math.min(now.getTime() + policy.idleMs, absoluteExpiresAt.getTime()));
  await models.Session.create({
    _id: hashToken(token),
    accountId: account._id,
    credentialsVersion: account.credentialsVersion ?? 0,
    createdAt: now,
    lastSeenAt: now,
    expiresAt,
    absoluteExpiresAt,
  });
  return { token, expiresAt };
}

/** The session's account, or null when the token is unknown, expired or its account gone. */
export async function resolveSession(models: SessionModels, token: string, policy: SessionPolicy, now = new Date()) {
  const sessionId = hashToken(token);
  // By _id alone, dates checked here: FerretDB scans the whole collection for any other filter (db/models.ts).
  const session = await models.Session.findById(sessionId).lean();
  if (!session || session.expiresAt <= now || session.absoluteExpiresAt <= now) return null;
  const account = await models.Account.findById(session.accountId).lean();
  // A log-in that raced a password change may have written its session after the purge: refuse it here.
  if (!account || (account.credentialsVersion ?? 0) !== session.credentialsVersion) return null;
  if (now.getTime() - session.lastSeenAt.getTime() > SLIDE_AFTER_MS) {
    const expiresAt = new Date(Math.min(now.getTime() + policy.idleMs, session.absoluteExpiresAt.getTime()));
    await models.Session.updateOne({ _id: sessionId }, { $set: { lastSeenAt: now, expiresAt } });
  }
  return { sessionId, account };
}

export async function endSession(models: Pick<Models, 'Session'>, sessionId: string): Promise<void> {
  await models.Session.deleteOne({ _id: sessionId });
}

/** Ends every session of an account (password reset), or all but one (password change). */
export async function endAllSessions(models: Pick<Models, 'Session'>, accountId: string, keepSessionId?: string): Promise<number> {
  const filter = keepSessionId ? { accountId, _id: { $ne: keepSessionId } } : { accountId };
  const { deletedCount } = await models.Session.deleteMany(filter);
  return deletedCount;
}
