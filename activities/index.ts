import { log } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { issueAccountToken } from '../accounts/tokens.js';
import { normalizeEmail, normalizeIdentifier } from '../accounts/accounts.js';
import type { AccountTokenPurpose, Models } from '../db/models.js';
import { type EmailTemplate, renderEmail } from '../mail/templates.js';
import type { Mailer } from '../mail/transport.js';
import type { AccountEmailRequest } from '../accounts/email-requests.js';
import type { FileStore } from '../db/files.js';
import { filesOf, missingItems } from '../domain/dossier.js';
import type { DossierState } from '../domain/dossier-record.js';
import type { Client } from '@temporalio/client';
import { createErasure } from './erasure.js';
import { createRetention, type RetentionOutcome } from './retention.js';

export interface ActivityDependencies {
  models: Pick<Models, 'Dossier' | 'Selection' | 'SentEmail' | 'Account' | 'AccountToken' | 'Session' | 'RateSlot' | 'IdempotencyKey' | 'StaffRead' | 'ErasedDossier' | 'CandidateDossier'>;
  mailer: Pick<Mailer, 'send'>;
  files: Pick<FileStore, 'delete' | 'listDossierUploads' | 'deleteStrayChunks'>;
  /** A client of the worker's namespace: erasure withdraws dossiers and deletes histories through it. */
  temporal: Client;
  config: {
    publicBaseUrl: string;
    passwordResetTtlMs: number;
    emailVerificationTtlMs: number;
  };
}

/**
 * A dossier's e-mail: to its candidate, whose address is read from the
 * dossier's record (the history holds no copy of it), once per purpose.
 */
export type SendEmailInput =
  | { dossierId: string; purpose: string; template: EmailTemplate }
  /** As scheduled before the address was read from the record: in the histories of dossiers already running. */
  | { idempotencyKey: string; to: string; template: EmailTemplate };

/**
 * An upload its dossier does not refer to after this long is an orphan. An
 * Update takes seconds, but one sent while no worker runs waits for the worker:
 * a day leaves room for any outage before a file is judged unused.
 */
const ORPHAN_AFTER_MS = 24 * 60 * 60_000;

/** A store attempt older than this may have been given up for a retry (its timeout is 30 s): it does not write. */
const STALE_STORE_ATTEMPT_MS = 20_000;

/** The link that confirms « Supprimer mon compte »: the pages and e-mails say « dans l'heure ». */
const ERASURE_LINK_TTL_MS = 60 * 60_000;
/** Tombstones of erased dossiers outlive any store attempt in flight (30 s each) by far. */
const ERASED_DOSSIER_KEPT_MS = 24 * 60 * 60_000;

/** Front-end pages the e-mailed links open; they post the token back to the API. */
export const frontEndPaths = {
  verifyEmail: '/verification-email',
  resetPassword: '/reinitialisation-mot-de-passe',
  confirmErasure: '/mon-compte/suppression/confirmation',
  logIn: '/connexion',
} as const;

/**
 * Activities run at least once, so each one is idempotent: stores are upserts
 * guarded by the dossier's revision, e-mails are recorded under their key.
 */
export function createActivities({ models, mailer, files, config, temporal }: ActivityDependencies) {
  const erasure = createErasure({ models, files, temporal });
  const link = (path: string, token?: string) => {
    const url = new URL(path, config.publicBaseUrl);
    if (token) url.searchParams.set('token', token);
    return url.toString();
  };

  /** Issues a single-use token for the e-mail's link; the token never leaves this attempt but in the e-mail. */
  async function tokenLink(
    token: { accountId: string; purpose: AccountTokenPurpose; email?: string; requestId: string; ttlMs: number },
    path: string,
  ): Promise<{ link: string; validUntil: string }> {
    const secret = await issueAccountToken(models, token);
    return { link: link(path, secret), validUntil: new Date(Date.now() + token.ttlMs).toISOString() };
  }

  // `deliver` is a function declaration below (hoisted).
  const retention = createRetention({ models, erasure, deliver, loginLink: link(frontEndPaths.logIn) });

  const alreadySent = async (key: string) => Boolean(await models.SentEmail.exists({ _id: key }));

  /** Renders, sends, records. A crash between sending and recording sends once more on retry: SMTP offers no way to make the pair atomic. */
  async function deliver(key: string, to: string, template: EmailTemplate): Promise<void> {
    const rendered = renderEmail(template, { publicBaseUrl: config.publicBaseUrl });
    let messageId: string;
    try {
      ({ messageId } = await mailer.send({ to, idempotencyKey: key, ...rendered }));
    } catch (error) {
      // A 5xx answer to the recipient is the relay's final word (unknown mailbox, refused address): retrying
      // cannot help. Any other failure (relay down, 4xx, a 5xx at connection or sender stage, which is the
      // relay's configuration) is retried, so an outage or a misconfiguration fixed within the week loses nothing.
      const { responseCode, command } = error as { responseCode?: number; command?: string };
      if (responseCode !== undefined && responseCode >= 500 && command === 'RCPT TO') {
        throw ApplicationFailure.nonRetryable(`SMTP relay refused the message: ${(error as Error).message}`, 'SmtpRejected');
      }
      throw error;
    }
    await models.SentEmail.updateOne(
      { _id: key },
      // Not the address: this row only proves the message left, so a retry does not send it again.
      { $setOnInsert: { subject: rendered.subject, messageId, sentAt: new Date() } },
      { upsert: true },
    );
  }

  async function composeAccountEmail(request: AccountEmailRequest, requestId: string): Promise<{ to: string; template: EmailTemplate } | null> {
    // Requests queued before they named accounts by id carry what was typed: looked up as then.
    const account =
      'identifier' in request
        ? await models.Account.findOne({ identifier: normalizeIdentifier(request.identifier), email: normalizeEmail(request.email) }).lean()
        : 'accountId' in request
          ? request.accountId === null
            ? null
            : await models.Account.findById(request.accountId).lean()
          : await models.Account.findOne({ email: normalizeEmail(request.email) }).lean();
    // An account gone meanwhile (erased), or a reset that matched none: nothing to send, and the requester was told the same.
    if (!account) return null;
    switch (request.kind) {
      case 'signupOnExistingEmail':
        // The identifier lets the address's owner reset the password even if someone else opened the account.
        return { to: account.email, template: { kind: 'signupOnExistingEmail', identifier: account.identifier, resetLink: link(frontEndPaths.resetPassword) } };
      case 'passwordReset': {
        const reset = await tokenLink({ accountId: account._id, purpose: 'resetPassword', requestId, ttlMs: config.passwordResetTtlMs }, frontEndPaths.resetPassword);
        return { to: account.email, template: { kind: 'passwordReset', firstName: account.firstName, identifier: account.identifier, ...reset } };
      }
      case 'verifyEmail':
      case 'changeEmail': {
        const address = request.kind === 'changeEmail' ? request.newEmail : 'email' in request ? request.email : account.email;
        const verification = await tokenLink(
          { accountId: account._id, purpose: request.kind, email: address, requestId, ttlMs: config.emailVerificationTtlMs },
          frontEndPaths.verifyEmail,
        );
        const kind = request.kind === 'verifyEmail' ? 'verifyEmail' : 'confirmNewEmail';
        return { to: address, template: { kind, firstName: account.firstName, ...verification } };
      }
      case 'passwordResetDone':
        return { to: account.email, template: { kind: 'passwordResetDone', firstName: account.firstName } };
      case 'passwordChanged':
        return { to: account.email, template: { kind: 'passwordChanged', firstName: account.firstName } };
      case 'emailChanged':
        return { to: request.previousEmail, template: { kind: 'emailChanged', firstName: account.firstName, newEmail: account.email } };
      case 'confirmErasure': {
        const confirmation = await tokenLink({ accountId: account._id, purpose: 'eraseAccount', requestId, ttlMs: ERASURE_LINK_TTL_MS }, frontEndPaths.confirmErasure);
        return { to: account.email, template: { kind: 'confirmErasure', firstName: account.firstName, ...confirmation } };
      }
    }
  }

  return {
    async storeDossier(dossier: DossierState): Promise<void> {
      // Only ever forward: a retried attempt of an older revision finds a newer
      // record and leaves it. The check reads by _id alone (a filter on
      // `revision` too would scan the collection on FerretDB, see db/models.ts),
      // so it is not atomic with the write: the workflow stores one revision at a
      // time, in order, and a newer store can only land between the two if this
      // attempt was given up (30 s timeout in workflows/dossier/activities.ts) and
      // retried meanwhile. Such an attempt must not write: past 20 s it fails
      // instead, and the window left is a single write lasting over 10 s.
      const startedAt = Date.now();
      const stored = await models.Dossier.findById(dossier.dossierId, { revision: 1 }).lean();
      if (stored && stored.revision > dossier.revision) return;
      // No record: a new dossier, or one just erased whose workflow was terminated under this attempt.
      if (!stored && (await models.ErasedDossier.exists({ _id: dossier.dossierId }))) return;
      if (Date.now() - startedAt > STALE_STORE_ATTEMPT_MS) throw new Error(`store of ${dossier.dossierId} revision ${dossier.revision}: attempt too old to write`);
      await models.Dossier.updateOne(
        { _id: dossier.dossierId },
        {
          $set: {
            selectionId: dossier.selectionId,
            candidate: dossier.candidate,
            status: dossier.status,
            closesAt: new Date(dossier.closesAt),
            revision: dossier.revision,
            missingCount: missingItems(dossier).length,
            ...(dossier.submittedAt ? { submittedAt: new Date(dossier.submittedAt) } : {}),
            state: dossier,
          },
        },
        { upsert: true },
      );
    },

    /** Files replaced or removed from a dossier; a file already gone counts as deleted. */
    async deleteFiles(fileIds: string[]): Promise<void> {
      for (const fileId of fileIds) await files.delete(fileId);
    },

    /** The selection's closing date now, checked by a dossier before it expires. */
    async readSelectionClosesAt(selectionId: string): Promise<string | null> {
      const selection = await models.Selection.findById(selectionId).lean();
      return selection ? selection.closesAt.toISOString() : null;
    },

    async sendEmail(input: SendEmailInput): Promise<{ sent: boolean }> {
      // The key is the one e-mails always had: dossier id + purpose.
      const key = 'idempotencyKey' in input ? input.idempotencyKey : `${input.dossierId}:${input.purpose}`;
      if (await alreadySent(key)) return { sent: false };
      const to = 'to' in input ? input.to : (await models.Dossier.findById(input.dossierId, { candidate: 1 }).lean())?.candidate.email;
      // A dossier erased meanwhile (at the candidate's request, or by retention) gets no more e-mails.
      if (!to) return { sent: false };
      await deliver(key, to, input.template);
      return { sent: true };
    },

    /**
     * One e-mail about an account. Tokens are issued here, inside the attempt
     * that sends them, so no secret is ever written to workflow history.
     */
    async deliverAccountEmail(request: AccountEmailRequest, requestId: string): Promise<{ sent: boolean }> {
      const key = `account-email:${requestId}`;
      if (await alreadySent(key)) return { sent: false };
      const email = await composeAccountEmail(request, requestId);
      if (!email) return { sent: false };
      await deliver(key, email.to, email.template);
      return { sent: true };
    },

    /** "Supprimer mon compte", step 1: open dossiers withdrawn (one already ended or refused by its workflow is left to step 2). */
    withdrawOpenDossiers: erasure.withdrawOpenDossiers,

    /** "Supprimer mon compte", step 2: everything erased, then a last e-mail (one try: the erasure matters, not the notice). */
    async eraseAccount(accountId: string): Promise<{ dossiers: number; files: number; histories: number }> {
      const account = await models.Account.findById(accountId, { email: 1, firstName: 1 }).lean();
      const erased = await erasure.eraseAccount(accountId);
      if (account) {
        try {
          await mailer.send({ to: account.email, idempotencyKey: `account-erased:${accountId}`, ...renderEmail({ kind: 'accountErased', firstName: account.firstName }, { publicBaseUrl: config.publicBaseUrl }) });
        } catch (error) {
          // Not the relay's message: it may quote the address.
          log.warn('account erased; its last e-mail could not be sent', { accountId, smtpResponseCode: (error as { responseCode?: number }).responseCode });
        }
      }
      log.info("account erased at its owner's request", { accountId, ...erased });
      return erased;
    },

    /**
     * FerretDB has no TTL indexes: expired sessions, tokens, rate-limit
     * slots and Idempotency-Keys are removed here, on a schedule; so are uploads older than an
     * hour that no dossier refers to (a process that died between storing a
     * file and recording it, or an upload whose Update timed out and failed).
     */
    async purgeExpiredRecords(): Promise<
      { sessions: number; tokens: number; rateLimits: number; idempotencyKeys: number; orphanFiles: number; strayChunkUploads: number } & Partial<RetentionOutcome>
    > {
      const now = new Date();
      const uploads = await files.listDossierUploads(new Date(now.getTime() - ORPHAN_AFTER_MS));
      const referenced = new Map<string, Set<string>>();
      let orphanFiles = 0;
      for (const upload of uploads) {
        if (!referenced.has(upload.dossierId)) {
          const record = await models.Dossier.findById(upload.dossierId).lean();
          referenced.set(upload.dossierId, new Set(record ? filesOf(record.state as DossierState).map((f) => f.fileId) : []));
        }
        if (!referenced.get(upload.dossierId)!.has(upload.id)) {
          await files.delete(upload.id);
          orphanFiles += 1;
        }
      }
      await models.ErasedDossier.deleteMany({ erasedAt: { $lte: new Date(now.getTime() - ERASED_DOSSIER_KEPT_MS) } });
      const [sessions, tokens, rateLimits, idempotencyKeys] = await Promise.all([
        models.Session.deleteMany({ $or: [{ expiresAt: { $lte: now } }, { absoluteExpiresAt: { $lte: now } }] }),
        models.AccountToken.deleteMany({ expiresAt: { $lte: now } }),
        models.RateSlot.deleteMany({ expiresAt: { $lte: now } }),
        models.IdempotencyKey.deleteMany({ expiresAt: { $lte: now } }),
      ]);
      const strayChunkUploads = await files.deleteStrayChunks(new Date(now.getTime() - ORPHAN_AFTER_MS));
      // Retention (domain/retention.ts): ended dossiers past their period, idle accounts, old e-mail rows.
      const retained = await retention.applyRetention(now);
      return {
        ...retained,
        sessions: sessions.deletedCount,
        tokens: tokens.deletedCount,
        rateLimits: rateLimits.deletedCount,
        idempotencyKeys: idempotencyKeys.deletedCount,
        orphanFiles,
        strayChunkUploads,
      };
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
