import { randomUUID } from 'node:crypto';
import { isDuplicateKeyError } from '../db/errors.js';
import { startDossierList } from '../db/candidate-dossiers.js';
import type { AccountRole, Models } from '../db/models.js';
import { hashPassword } from '../domain/password.js';

/** Identifiers are unique whatever their case: "MCurie" and "mcurie" are one account. */
export function normalizeIdentifier(identifier: string): string {
  return identifier.trim().toLowerCase();
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export class AccountConflictError extends Error {
  override name = 'AccountConflictError';
  constructor(readonly field: 'identifier' | 'email') {
    super(`an account with this ${field} already exists`);
  }
}

export interface NewAccount {
  identifier: string;
  email: string;
  firstName: string;
  lastName: string;
  password: string;
  role: AccountRole;
  trainingIds?: string[];
  /** Staff accounts are created with an address the school vouches for. */
  emailVerified?: boolean;
  /** The version of the information notice shown at sign-up (accounts/privacy-notice.ts). */
  privacyNoticeVersion?: string;
}

/** Inserts an account; the unique indexes, not a prior lookup, decide conflicts (no race). */
export async function createAccount(models: Pick<Models, 'Account' | 'CandidateDossier'>, input: NewAccount): Promise<{ id: string }> {
  const id = randomUUID();
  try {
    await models.Account.create({
      _id: id,
      identifier: normalizeIdentifier(input.identifier),
      email: normalizeEmail(input.email),
      emailVerifiedAt: input.emailVerified ? new Date() : null,
      firstName: input.firstName.trim(),
      lastName: input.lastName.trim(),
      role: input.role,
      trainingIds: input.trainingIds ?? [],
      passwordHash: await hashPassword(input.password),
      ...(input.privacyNoticeVersion ? { privacyNotice: { version: input.privacyNoticeVersion, acceptedAt: new Date() } } : {}),
      // Idle accounts are counted from here until the first log-in (domain/retention.ts).
      lastLoginAt: new Date(),
    });
  } catch (error) {
    const duplicate = error as { code?: number; keyPattern?: Record<string, unknown> };
    if (!isDuplicateKeyError(error)) throw error;
    // MongoDB names the index in keyPattern; FerretDB v1 does not, so ask.
    const onIdentifier = duplicate.keyPattern
      ? 'identifier' in duplicate.keyPattern
      : Boolean(await models.Account.exists({ identifier: normalizeIdentifier(input.identifier) }));
    throw new AccountConflictError(onIdentifier ? 'identifier' : 'email');
  }
  // « Mes inscriptions » of a new account: complete and empty, no query needed to know it.
  if (input.role === 'candidate') await startDossierList(models, id);
  return { id };
}
