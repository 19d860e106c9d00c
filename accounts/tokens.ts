import type { AccountTokenPurpose, Models } from '../db/models.js';
import { hashToken, newSecretToken } from './secrets.js';

type TokenModels = Pick<Models, 'AccountToken'>;

export interface IssueTokenInput {
  accountId: string;
  purpose: AccountTokenPurpose;
  /** The request (workflow) that asks for it, kept for tracing. */
  requestId: string;
  ttlMs: number;
  email?: string;
  now?: Date;
}

/**
 * Issues a single-use token and returns it in clear, once, for the e-mail.
 * Older tokens of the same purpose for the account stop working: only the
 * latest link is valid. (So if an attempt crashes after the relay accepted
 * its e-mail, the retry's e-mail carries the link that works.)
 */
export async function issueAccountToken(models: TokenModels, input: IssueTokenInput): Promise<string> {
  const now = input.now ?? new Date();
  const token = newSecretToken();
  await models.AccountToken.deleteMany({ accountId: input.accountId, purpose: input.purpose });
  await models.AccountToken.create({
    _id: hashToken(token),
    accountId: input.accountId,
    purpose: input.purpose,
    requestId: input.requestId,
    createdAt: now,
    expiresAt: new Date(now.getTime() + input.ttlMs),
    ...(input.email ? { email: input.email } : {}),
  });
  return token;
}

/** The token's record if it is for one of `purposes` and not expired; read by _id alone (FerretDB, see db/models.ts). */
export async function findLiveAccountToken(models: TokenModels, token: string, purposes: AccountTokenPurpose[], now = new Date()) {
  const found = await models.AccountToken.findById(hashToken(token)).lean();
  return found && purposes.includes(found.purpose) && found.expiresAt > now ? found : null;
}

/**
 * Takes the token out: it works once, and never after it expires. The delete
 * decides, not the read: of parallel uses only the one whose deleteOne removed
 * the document wins (FerretDB v1's findOneAndDelete let two of twelve win).
 */
export async function consumeAccountToken(models: TokenModels, token: string, purposes: AccountTokenPurpose[], now = new Date()) {
  const found = await findLiveAccountToken(models, token, purposes, now);
  if (!found) return null;
  const { deletedCount } = await models.AccountToken.deleteOne({ _id: found._id });
  return deletedCount === 1 ? found : null;
}

/** After a password or e-mail change, links already sent must stop working. */
export async function revokeAccountTokens(models: TokenModels, accountId: string): Promise<void> {
  await models.AccountToken.deleteMany({ accountId });
}
