import type { AccountTokenPurpose, Models } from '../db/models.js';
import { hashToken, newSecretToken } from './secrets.js';

type TokenModels = Pick<Models, 'AccountToken'>;

export interface IssueTokenInput {
  accountId: string;
  purpose: AccountTokenPurpose;
  /** The request (workflow) that asks for it: a retry replaces its own token. */
  requestId: string;
  ttlMs: number;
  email?: string;
  now?: Date;
}

/**
 * Issues a single-use token and returns it in clear, once, for the e-mail.
 * Older tokens of the same purpose for the account stop working: only the
 * latest link is valid.
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

/** Takes the token out in one atomic step: it works once, and never after it expires. */
export async function consumeAccountToken(models: TokenModels, token: string, purpose: AccountTokenPurpose, now = new Date()) {
  return models.AccountToken.findOneAndDelete({ _id: hashToken(token), purpose, expiresAt: { $gt: now } }).lean();
}
