import type { Client } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { AccountConflictError, createAccount, normalizeEmail, normalizeIdentifier } from '../../accounts/accounts.js';
import { checkRate, consumeRate, type RateRule } from '../../accounts/rate-limit.js';
import { createSession, endAllSessions, endSession, type SessionPolicy } from '../../accounts/sessions.js';
import { consumeAccountToken } from '../../accounts/tokens.js';
import { hashToken } from '../../accounts/secrets.js';
import type { AccountRecord, Models } from '../../db/models.js';
import { judgePassword } from '../../domain/password-policy.js';
import { hashPassword, passwordDecoyHash, verifyPassword } from '../../domain/password.js';
import { type AccountEmailRequest, accountEmailWorkflowId } from '../../workflows/accounts/contract.js';
import type { accountEmailWorkflow } from '../../workflows/accounts/workflow.js';
import type { AuthContext } from '../auth.js';
import { errors } from '../errors.js';
import type { RateRules } from '../rate-rules.js';

export interface AccountServiceDeps {
  models: Models;
  temporal: Client;
  taskQueue: string;
  sessionPolicy: SessionPolicy;
  rateRules: RateRules;
}

export interface AccountView {
  id: string;
  identifier: string;
  email: string;
  emailVerified: boolean;
  firstName: string;
  lastName: string;
  role: AccountRecord['role'];
  trainingIds: string[];
}

export function viewAccount(account: AccountRecord & { _id: string }): AccountView {
  return {
    id: account._id,
    identifier: account.identifier,
    email: account.email,
    emailVerified: Boolean(account.emailVerifiedAt),
    firstName: account.firstName,
    lastName: account.lastName,
    role: account.role,
    trainingIds: account.trainingIds ?? [],
  };
}

async function limit(deps: AccountServiceDeps, rule: RateRule, subject: string): Promise<void> {
  const decision = await consumeRate(deps.models, rule, subject);
  if (!decision.allowed) throw errors.tooManyRequests(decision.retryAfterSeconds);
}

/** Hands an e-mail to Temporal: delivered by an activity, retried through any SMTP outage. */
async function requestAccountEmail(deps: AccountServiceDeps, request: AccountEmailRequest): Promise<void> {
  await deps.temporal.workflow.start<typeof accountEmailWorkflow>('accountEmailWorkflow', {
    workflowId: accountEmailWorkflowId(randomUUID()),
    taskQueue: deps.taskQueue,
    args: [request],
  });
}

function assertStrongPassword(password: string, personal: string[], field: string): void {
  const verdict = judgePassword(password, personal);
  if (!verdict.ok) throw errors.weakPassword(verdict.reason!, verdict.suggestions, field);
}

function personalWords(account: { identifier: string; email: string; lastName: string }): string[] {
  return [account.identifier, account.email.split('@')[0] ?? '', account.lastName];
}

export interface SignUpInput {
  identifier: string;
  email: string;
  password: string;
  firstName: string;
  lastName: string;
}

/**
 * "S'inscrire à une formation". A taken identifier is said (the person must
 * choose another); a taken e-mail is not: the answer is the same as for a new
 * account and the address's owner is told by e-mail instead.
 */
export async function signUp(deps: AccountServiceDeps, input: SignUpInput, clientIp: string): Promise<void> {
  await limit(deps, deps.rateRules.signupPerClient, clientIp);
  assertStrongPassword(input.password, personalWords(input), 'body.password');
  try {
    const { id } = await createAccount(deps.models, { ...input, role: 'candidate' });
    await requestAccountEmail(deps, { kind: 'verifyEmail', accountId: id, email: normalizeEmail(input.email) });
  } catch (error) {
    if (!(error instanceof AccountConflictError)) throw error;
    if (error.field === 'identifier') throw errors.identifierTaken();
    await requestAccountEmail(deps, { kind: 'signupOnExistingEmail', email: normalizeEmail(input.email) });
  }
}

/** Log-in by identifier or e-mail. Unknown accounts cost the same time as wrong passwords. */
export async function logIn(deps: AccountServiceDeps, login: string, password: string, clientIp: string) {
  await limit(deps, deps.rateRules.loginPerClient, clientIp);
  const subject = login.includes('@') ? normalizeEmail(login) : normalizeIdentifier(login);
  const failures = await checkRate(deps.models, deps.rateRules.loginFailuresPerAccount, subject);
  if (!failures.allowed) throw errors.tooManyRequests(failures.retryAfterSeconds);

  const account = await deps.models.Account.findOne(login.includes('@') ? { email: subject } : { identifier: subject }).lean();
  const check = await verifyPassword(password, account?.passwordHash ?? (await passwordDecoyHash()));
  if (!account || !check.valid) {
    await consumeRate(deps.models, deps.rateRules.loginFailuresPerAccount, subject);
    throw errors.invalidCredentials();
  }
  if (check.needsRehash) {
    await deps.models.Account.updateOne({ _id: account._id }, { $set: { passwordHash: await hashPassword(password) } });
  }
  const session = await createSession(deps.models, account._id, deps.sessionPolicy);
  return { ...session, account: viewAccount(account) };
}

export async function logOut(deps: Pick<AccountServiceDeps, 'models'>, sessionId: string): Promise<void> {
  await endSession(deps.models, sessionId);
}

export async function resendEmailVerification(deps: AccountServiceDeps, auth: AuthContext): Promise<'sent' | 'alreadyVerified'> {
  if (auth.account.emailVerifiedAt) return 'alreadyVerified';
  await limit(deps, deps.rateRules.verificationPerAccount, auth.account._id);
  await requestAccountEmail(deps, { kind: 'verifyEmail', accountId: auth.account._id, email: auth.account.email });
  return 'sent';
}

/** The link of a verification e-mail: confirms the address, or switches to the new one after a change. */
export async function confirmEmail(deps: AccountServiceDeps, token: string, clientIp: string): Promise<AccountView> {
  await limit(deps, deps.rateRules.tokenPerClient, clientIp);
  const used = await consumeAccountToken(deps.models, token, 'verifyEmail');
  if (!used?.email) throw errors.invalidToken();
  const before = await deps.models.Account.findById(used.accountId).lean();
  if (!before) throw errors.invalidToken();
  try {
    await deps.models.Account.updateOne({ _id: before._id }, { $set: { email: used.email, emailVerifiedAt: new Date() } });
  } catch (error) {
    if ((error as { code?: number }).code === 11000) throw errors.emailTaken();
    throw error;
  }
  if (before.email !== used.email) {
    await requestAccountEmail(deps, { kind: 'emailChanged', accountId: before._id, previousEmail: before.email });
  }
  return viewAccount({ ...before, email: used.email, emailVerifiedAt: new Date() });
}

/**
 * "Réinitialiser mon mot de passe": identifier and e-mail as in the guide.
 * The same answer, with the same work (one workflow started), whether or not
 * they match an account; the activity decides whether to send.
 */
export async function requestPasswordReset(deps: AccountServiceDeps, identifier: string, email: string, clientIp: string): Promise<void> {
  await limit(deps, deps.rateRules.resetPerClient, clientIp);
  await limit(deps, deps.rateRules.resetPerAccount, normalizeIdentifier(identifier));
  await requestAccountEmail(deps, { kind: 'passwordReset', identifier: normalizeIdentifier(identifier), email: normalizeEmail(email) });
}

/** The link of a reset e-mail: sets the new password, ends every session, confirms by e-mail. */
export async function confirmPasswordReset(deps: AccountServiceDeps, token: string, newPassword: string, clientIp: string): Promise<void> {
  await limit(deps, deps.rateRules.tokenPerClient, clientIp);
  // Judge the password before spending the token, so a refused password leaves the link usable.
  const pending = await deps.models.AccountToken.findOne({ _id: hashToken(token), purpose: 'resetPassword', expiresAt: { $gt: new Date() } }).lean();
  const account = pending ? await deps.models.Account.findById(pending.accountId).lean() : null;
  if (!account) throw errors.invalidToken();
  assertStrongPassword(newPassword, personalWords(account), 'body.newPassword');
  if (!(await consumeAccountToken(deps.models, token, 'resetPassword'))) throw errors.invalidToken();

  await deps.models.Account.updateOne({ _id: account._id }, { $set: { passwordHash: await hashPassword(newPassword) } });
  await endAllSessions(deps.models, account._id);
  await requestAccountEmail(deps, { kind: 'passwordResetDone', accountId: account._id });
}

async function assertCurrentPassword(auth: AuthContext, currentPassword: string): Promise<void> {
  if (!(await verifyPassword(currentPassword, auth.account.passwordHash)).valid) throw errors.currentPasswordInvalid();
}

/** Keeps this session, ends the others. */
export async function changePassword(deps: AccountServiceDeps, auth: AuthContext, currentPassword: string, newPassword: string): Promise<void> {
  await assertCurrentPassword(auth, currentPassword);
  assertStrongPassword(newPassword, personalWords(auth.account), 'body.newPassword');
  await deps.models.Account.updateOne({ _id: auth.account._id }, { $set: { passwordHash: await hashPassword(newPassword) } });
  await endAllSessions(deps.models, auth.account._id, auth.sessionId);
  await requestAccountEmail(deps, { kind: 'passwordChanged', accountId: auth.account._id });
}

/** The new address replaces the old one only once its link is opened. */
export async function changeEmail(deps: AccountServiceDeps, auth: AuthContext, currentPassword: string, newEmail: string): Promise<void> {
  await assertCurrentPassword(auth, currentPassword);
  await limit(deps, deps.rateRules.verificationPerAccount, auth.account._id);
  await requestAccountEmail(deps, { kind: 'verifyEmail', accountId: auth.account._id, email: normalizeEmail(newEmail) });
}
