import type { Client } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { AccountConflictError, createAccount, normalizeEmail, normalizeIdentifier } from '../../accounts/accounts.js';
import { consumeRate, type RateDecision, type RateRule, refundRate } from '../../accounts/rate-limit.js';
import { createSession, endAllSessions, endSession, type SessionPolicy } from '../../accounts/sessions.js';
import { consumeAccountToken, findLiveAccountToken, revokeAccountTokens } from '../../accounts/tokens.js';
import { isDuplicateKeyError } from '../../db/errors.js';
import type { AccountRecord, Models } from '../../db/models.js';
import { judgePassword } from '../../domain/password-policy.js';
import { hashPassword, type PasswordCheck, passwordDecoyHash, verifyPassword } from '../../domain/password.js';
import type { AccountEmailRequest } from '../../accounts/email-requests.js';
import { accountEmailWorkflowId, accountErasureWorkflowId } from '../../workflows/accounts/contract.js';
import { accountEmailWorkflow, accountErasureWorkflow } from '../../workflows/accounts/workflow.js';
import { ERASURE_BLOCKING_STATUSES } from '../../domain/retention.js';
import { STATUS_LABELS, type DossierStatus } from '../../domain/dossier-lifecycle.js';
import { WorkflowIdConflictPolicy } from '@temporalio/common';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes.js';
import type { AccountView } from '../schemas/account.js';
import type { PrivacyNotice } from '../../accounts/privacy-notice.js';
import type { FastifyInstance } from 'fastify';
import { type AuthContext, sessionPolicyOf } from '../auth.js';
import { defaultRateRules } from '../rate-rules.js';
import { errors } from '../errors.js';
import { callTemporal } from './temporal-calls.js';
import type { RateRules } from '../rate-rules.js';

export interface AccountServiceDeps {
  models: Models;
  temporal: Client;
  taskQueue: string;
  /** How long a call to Temporal may take before the API answers 503. */
  temporalTimeoutMs: number;
  sessionPolicy: SessionPolicy;
  rateRules: RateRules;
  /** The notice shown at sign-up; accounts record its version. */
  privacyNotice: PrivacyNotice;
}


/** What a person is told once an account action is done (the API's `message`, the pages' notices). */
export const ACCOUNT_MESSAGES = {
  signedUp: 'Votre compte est créé. Un e-mail vous a été envoyé pour confirmer votre adresse ; vous pouvez dès maintenant vous connecter.',
  verificationSent: 'Un nouveau lien de confirmation vous a été envoyé.',
  alreadyVerified: 'Votre adresse e-mail est déjà confirmée.',
  emailConfirmed: 'Votre adresse e-mail est confirmée.',
  resetRequested: "Si ces informations correspondent à un compte, un e-mail contenant un lien de réinitialisation vient d'être envoyé. Le lien est valable une heure.",
  passwordReset: 'Votre mot de passe est modifié. Retournez à la page de connexion pour vous connecter.',
  passwordChanged: 'Votre mot de passe est modifié. Vos autres sessions ont été fermées.',
  emailChangeRequested: 'Un lien de confirmation a été envoyé à la nouvelle adresse. Elle remplacera l’ancienne une fois confirmée.',
  erasureRequested: 'Un e-mail vient de vous être envoyé : ouvrez son lien dans l’heure pour confirmer la suppression de votre compte.',
  erasureConfirmed: 'La suppression de votre compte est en cours : vos dossiers ouverts sont retirés, puis votre compte, vos dossiers et vos pièces sont effacés. Un dernier e-mail vous le confirmera.',
} as const;

/** The dependencies of the account services, from the app's own. */
export function accountServiceDeps(app: FastifyInstance): AccountServiceDeps {
  const { database, temporal, config, rateRules } = app.deps;
  return {
    models: database.models,
    temporal,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    temporalTimeoutMs: config.WORKFLOW_UPDATE_TIMEOUT_MS,
    sessionPolicy: sessionPolicyOf(config),
    rateRules: { ...defaultRateRules, ...rateRules },
    privacyNotice: app.privacyNotice,
  };
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

async function limit(deps: AccountServiceDeps, rule: RateRule, subject: string): Promise<RateDecision> {
  const decision = await consumeRate(deps.models, rule, subject);
  if (!decision.allowed) throw errors.tooManyRequests(decision.retryAfterSeconds);
  return decision;
}

/**
 * Checks a password under the failures-per-account limit. The attempt is
 * counted before the check, so parallel guesses cannot pass the limit, and
 * given back when the password is right. An unknown account is keyed by what
 * was typed and checked against a decoy hash: same limit, same time.
 */
async function checkPasswordLimited(deps: AccountServiceDeps, subject: string, password: string, storedHash: string | undefined): Promise<PasswordCheck> {
  const attempt = await limit(deps, deps.rateRules.loginFailuresPerAccount, subject);
  const check = await verifyPassword(password, storedHash ?? (await passwordDecoyHash()));
  if (check.valid) await refundRate(deps.models, attempt);
  return check;
}

/** Raises the account's credentialsVersion: every session opened before is refused from now on. */
async function setPassword(deps: AccountServiceDeps, accountId: string, password: string): Promise<number> {
  const updated = await deps.models.Account.findOneAndUpdate(
    { _id: accountId },
    { $set: { passwordHash: await hashPassword(password) }, $inc: { credentialsVersion: 1 } },
    { returnDocument: 'after' },
  ).lean();
  await revokeAccountTokens(deps.models, accountId);
  return updated?.credentialsVersion ?? 0;
}

/** Hands an e-mail to Temporal: delivered by an activity, retried through any SMTP outage. */
async function requestAccountEmail(deps: AccountServiceDeps, request: AccountEmailRequest): Promise<void> {
  const accountId = 'accountId' in request ? request.accountId : null;
  await callTemporal(deps.temporal, deps.temporalTimeoutMs, () =>
    deps.temporal.workflow.start(accountEmailWorkflow, {
      workflowId: accountEmailWorkflowId(randomUUID()),
      taskQueue: deps.taskQueue,
      args: [request],
      // Erasing the account finds and deletes its e-mails' histories by this id.
      ...(accountId ? { typedSearchAttributes: [{ key: SEARCH_ATTRIBUTES.account, value: accountId }] } : {}),
    }),
  );
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
  privacyNoticeVersion?: string | undefined;
}

/**
 * "S'inscrire à une formation". A taken identifier is said (the person must
 * choose another); a taken e-mail is not: the answer is the same as for a new
 * account and the address's owner is told by e-mail instead.
 */
export async function signUp(deps: AccountServiceDeps, input: SignUpInput, clientIp: string): Promise<void> {
  await limit(deps, deps.rateRules.signupPerClient, clientIp);
  assertStrongPassword(input.password, personalWords(input), 'body.password');
  const { version } = deps.privacyNotice;
  if (input.privacyNoticeVersion !== undefined && input.privacyNoticeVersion !== version) throw errors.privacyNoticeChanged();
  const email = normalizeEmail(input.email);
  try {
    const { privacyNoticeVersion: _shown, ...person } = input;
    const { id } = await createAccount(deps.models, { ...person, role: 'candidate', privacyNoticeVersion: version });
    await requestAccountEmail(deps, { kind: 'verifyEmail', accountId: id });
  } catch (error) {
    if (!(error instanceof AccountConflictError)) throw error;
    if (error.field === 'identifier') throw errors.identifierTaken();
    // Bounded per address so nobody can flood a mailbox through this form; silently, like the rest of this branch.
    if ((await consumeRate(deps.models, deps.rateRules.signupNoticePerEmail, email)).allowed) {
      const owner = await deps.models.Account.findOne({ email }, { _id: 1 }).lean();
      if (owner) await requestAccountEmail(deps, { kind: 'signupOnExistingEmail', accountId: owner._id });
    }
  }
}

/** Log-in by identifier or e-mail. Unknown accounts cost the same time as wrong passwords. */
export async function logIn(deps: AccountServiceDeps, login: string, password: string, clientIp: string) {
  await limit(deps, deps.rateRules.loginPerClient, clientIp);
  const typed = login.includes('@') ? normalizeEmail(login) : normalizeIdentifier(login);
  const account = await deps.models.Account.findOne(login.includes('@') ? { email: typed } : { identifier: typed }).lean();
  // One counter per account, whether it is named by identifier or by e-mail.
  const subject = account ? `account:${account._id}` : `typed:${typed}`;
  const check = await checkPasswordLimited(deps, subject, password, account?.passwordHash);
  if (!check.valid || !account) throw errors.invalidCredentials();
  // Said only to whoever knows the password: the erasure the owner confirmed is under way.
  if (account.erasureConfirmedAt) throw errors.accountBeingErased();
  if (check.needsRehash) {
    await deps.models.Account.updateOne({ _id: account._id }, { $set: { passwordHash: await hashPassword(password) } });
  }
  const session = await createSession(deps.models, account, deps.sessionPolicy);
  // An inactive account's warning is answered by this log-in (domain/retention.ts).
  await deps.models.Account.updateOne({ _id: account._id }, { $set: { lastLoginAt: new Date() }, $unset: { inactivityWarnedAt: 1 } });
  return { ...session, account: viewAccount(account) };
}

export async function logOut(deps: Pick<AccountServiceDeps, 'models'>, sessionId: string): Promise<void> {
  await endSession(deps.models, sessionId);
}

export async function resendEmailVerification(deps: AccountServiceDeps, auth: AuthContext): Promise<'sent' | 'alreadyVerified'> {
  if (auth.account.emailVerifiedAt) return 'alreadyVerified';
  await limit(deps, deps.rateRules.verificationPerAccount, auth.account._id);
  await requestAccountEmail(deps, { kind: 'verifyEmail', accountId: auth.account._id });
  return 'sent';
}

/** The link of a verification e-mail: confirms the address, or switches to the new one after a change. */
export async function confirmEmail(deps: AccountServiceDeps, token: string, clientIp: string): Promise<AccountView> {
  await limit(deps, deps.rateRules.tokenPerClient, clientIp);
  const used = await consumeAccountToken(deps.models, token, ['verifyEmail', 'changeEmail']);
  if (!used?.email) throw errors.invalidToken();
  const before = await deps.models.Account.findById(used.accountId).lean();
  if (!before) throw errors.invalidToken();
  try {
    await deps.models.Account.updateOne({ _id: before._id }, { $set: { email: used.email, emailVerifiedAt: new Date() } });
  } catch (error) {
    if (isDuplicateKeyError(error)) throw errors.emailTaken();
    throw error;
  }
  if (before.email !== used.email) {
    // Links already sent to the old mailbox (a reset, say) must not outlive the change.
    await revokeAccountTokens(deps.models, before._id);
    await requestAccountEmail(deps, { kind: 'emailChanged', accountId: before._id, previousEmail: before.email });
  }
  return viewAccount({ ...before, email: used.email, emailVerifiedAt: new Date() });
}

/**
 * "Réinitialiser mon mot de passe": identifier and e-mail as in the guide.
 * The same answer, with the same work (one look-up, one workflow started),
 * whether or not they match an account; what was typed is not kept.
 */
export async function requestPasswordReset(deps: AccountServiceDeps, identifier: string, email: string, clientIp: string): Promise<void> {
  await limit(deps, deps.rateRules.resetPerClient, clientIp);
  // Keyed on the pair, so knowing someone's identifier is not enough to block their resets.
  await limit(deps, deps.rateRules.resetPerAccount, `${normalizeIdentifier(identifier)} ${normalizeEmail(email)}`);
  const account = await deps.models.Account.findOne({ identifier: normalizeIdentifier(identifier), email: normalizeEmail(email) }, { _id: 1 }).lean();
  await requestAccountEmail(deps, { kind: 'passwordReset', accountId: account?._id ?? null });
}

/** The link of a reset e-mail: sets the new password, ends every session, confirms by e-mail. */
export async function confirmPasswordReset(deps: AccountServiceDeps, token: string, newPassword: string, clientIp: string): Promise<void> {
  await limit(deps, deps.rateRules.tokenPerClient, clientIp);
  // Judge the password before spending the token, so a refused password leaves the link usable.
  const pending = await findLiveAccountToken(deps.models, token, ['resetPassword']);
  const account = pending ? await deps.models.Account.findById(pending.accountId).lean() : null;
  if (!account) throw errors.invalidToken();
  assertStrongPassword(newPassword, personalWords(account), 'body.newPassword');
  if (!(await consumeAccountToken(deps.models, token, ['resetPassword']))) throw errors.invalidToken();

  await setPassword(deps, account._id, newPassword);
  await endAllSessions(deps.models, account._id);
  await requestAccountEmail(deps, { kind: 'passwordResetDone', accountId: account._id });
}

/** Under the same failures limit as log-in: a stolen session cannot guess the password. */
async function assertCurrentPassword(deps: AccountServiceDeps, auth: AuthContext, currentPassword: string): Promise<void> {
  if (!(await checkPasswordLimited(deps, `account:${auth.account._id}`, currentPassword, auth.account.passwordHash)).valid) {
    throw errors.currentPasswordInvalid();
  }
}

/** Keeps this session, ends the others. */
export async function changePassword(deps: AccountServiceDeps, auth: AuthContext, currentPassword: string, newPassword: string): Promise<void> {
  await assertCurrentPassword(deps, auth, currentPassword);
  assertStrongPassword(newPassword, personalWords(auth.account), 'body.newPassword');
  const credentialsVersion = await setPassword(deps, auth.account._id, newPassword);
  await deps.models.Session.updateOne({ _id: auth.sessionId }, { $set: { credentialsVersion } });
  await endAllSessions(deps.models, auth.account._id, auth.sessionId);
  await requestAccountEmail(deps, { kind: 'passwordChanged', accountId: auth.account._id });
}

/** The new address replaces the old one only once its link is opened. */
export async function changeEmail(deps: AccountServiceDeps, auth: AuthContext, currentPassword: string, newEmail: string): Promise<void> {
  await assertCurrentPassword(deps, auth, currentPassword);
  await limit(deps, deps.rateRules.verificationPerAccount, auth.account._id);
  await requestAccountEmail(deps, { kind: 'changeEmail', accountId: auth.account._id, newEmail: normalizeEmail(newEmail) });
}

/**
 * Refuses to erase an account whose dossier is under review or validated:
 * the school keeps that dossier for the selection; its office handles the request.
 */
async function assertErasable(deps: AccountServiceDeps, accountId: string): Promise<void> {
  const kept = await deps.models.Dossier.find({ 'candidate.id': accountId, status: { $in: [...ERASURE_BLOCKING_STATUSES] } }).lean();
  if (kept.length === 0) return;
  const contacts = await deps.models.Selection.find({ _id: { $in: kept.map((dossier) => dossier.selectionId) } }, { officeContact: 1 }).lean();
  throw errors.erasureRefused(
    kept.map((dossier) => ({ title: (dossier.state as { selectionTitle?: string }).selectionTitle ?? dossier.selectionId, status: STATUS_LABELS[dossier.status as DossierStatus] })),
    contacts.map((selection) => selection.officeContact.email),
  );
}

/** "Supprimer mon compte": the password, then a link by e-mail confirms it (so a session left open is not enough). */
export async function requestErasure(deps: AccountServiceDeps, auth: AuthContext, currentPassword: string): Promise<void> {
  await assertCurrentPassword(deps, auth, currentPassword);
  await assertErasable(deps, auth.account._id);
  await limit(deps, deps.rateRules.verificationPerAccount, auth.account._id);
  await requestAccountEmail(deps, { kind: 'confirmErasure', accountId: auth.account._id });
}

/** The e-mailed link: every session ends at once, and a durable workflow erases the rest. */
export async function confirmErasure(deps: AccountServiceDeps, token: string, clientIp: string): Promise<void> {
  await limit(deps, deps.rateRules.tokenPerClient, clientIp);
  const pending = await findLiveAccountToken(deps.models, token, ['eraseAccount']);
  if (!pending) throw errors.invalidToken();
  // Checked again: a dossier may have been declared since the request; the link then stays usable.
  await assertErasable(deps, pending.accountId);
  // The workflow first (one per account: sent again, it finds the one running): if Temporal cannot take it,
  // the answer is a 503 and the link still works.
  await callTemporal(deps.temporal, deps.temporalTimeoutMs, () =>
    deps.temporal.workflow.start(accountErasureWorkflow, {
      workflowId: accountErasureWorkflowId(pending.accountId),
      taskQueue: deps.taskQueue,
      args: [pending.accountId],
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    }),
  );
  // From now on nobody logs in (no dossier can be declared under the erasure's feet), and every session ends.
  await deps.models.Account.updateOne({ _id: pending.accountId }, { $set: { erasureConfirmedAt: new Date() } });
  await consumeAccountToken(deps.models, token, ['eraseAccount']);
  await endAllSessions(deps.models, pending.accountId);
}
