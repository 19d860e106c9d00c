/**
 * Retention, applied by the purge Schedule (purgeExpiredRecords): ended
 * dossiers past their selection's period are erased (domain/retention.ts),
 * idle candidate accounts are warned and then removed, and the e-mails'
 * idempotency rows are dropped once no retry can need them. Each purge is
 * counted in the worker's log and in the audit of its selection.
 */
import { log } from '@temporalio/activity';
import type { Models } from '../db/models.js';
import { FINAL_STATUSES } from '../domain/dossier-lifecycle.js';
import {
  ACCOUNT_INACTIVITY_MONTHS,
  ACCOUNT_REMOVAL_GRACE_DAYS,
  addMonths,
  erasureDueAt,
  type RetainedOutcome,
  type RetentionMonths,
  SENT_EMAIL_KEPT_DAYS,
} from '../domain/retention.js';
import type { EmailTemplate } from '../mail/templates.js';
import type { Erasure } from './erasure.js';

/** Dossiers erased per run at most: a large backlog is worked through over several runs, each within its timeout. */
const DOSSIERS_PER_RUN = 500;
const ACCOUNTS_PER_RUN = 500;
const DAY_MS = 24 * 3600_000;

export interface RetentionDependencies {
  models: Pick<Models, 'Dossier' | 'Selection' | 'Account' | 'SentEmail'>;
  erasure: Pick<Erasure, 'eraseDossier' | 'eraseAccount'>;
  /** Sends once per key (activities/index.ts). */
  deliver: (key: string, to: string, template: EmailTemplate) => Promise<void>;
  loginLink: string;
}

export interface RetentionOutcome {
  dossiers: number;
  files: number;
  accountsWarned: number;
  accountsRemoved: number;
  sentEmails: number;
}


export function createRetention({ models, erasure, deliver, loginLink }: RetentionDependencies) {
  /** Ended dossiers past their period: erased, and counted on their selection. */
  async function purgeDossiers(now: Date): Promise<{ dossiers: number; files: number }> {
    // The record's last write is the dossier's end (an ended workflow stores nothing more but its last e-mail's line).
    // No period is shorter than a month: what ended since cannot be due.
    const ended = await models.Dossier.find({ status: { $in: [...FINAL_STATUSES] }, updatedAt: { $lt: addMonths(now, -1) } }, { _id: 1, selectionId: 1, status: 1, closesAt: 1, updatedAt: 1 }).lean();
    const selections = new Map((await models.Selection.find({ _id: { $in: [...new Set(ended.map((d) => d.selectionId))] } }, { closesAt: 1, retentionMonths: 1 }).lean()).map((s) => [s._id, s]));
    const due = ended
      .filter((dossier) => {
        const selection = selections.get(dossier.selectionId);
        const endedAt = (dossier as { updatedAt?: Date }).updatedAt;
        // A selection removed since: its dossiers keep the default periods, counted from their own closing date.
        const at = erasureDueAt(
          { status: dossier.status as RetainedOutcome, endedAt: endedAt ?? null },
          { closesAt: selection?.closesAt ?? dossier.closesAt, retentionMonths: (selection?.retentionMonths as Partial<RetentionMonths> | undefined) ?? null },
        );
        return at !== null && at <= now;
      })
      .slice(0, DOSSIERS_PER_RUN);

    const bySelection = new Map<string, { dossiers: number; files: number; byOutcome: Record<string, number> }>();
    let files = 0;
    for (const dossier of due) {
      const erased = await erasure.eraseDossier(dossier._id);
      files += erased.files;
      const tally = bySelection.get(dossier.selectionId) ?? { dossiers: 0, files: 0, byOutcome: {} };
      tally.dossiers += 1;
      tally.files += erased.files;
      tally.byOutcome[dossier.status] = (tally.byOutcome[dossier.status] ?? 0) + 1;
      bySelection.set(dossier.selectionId, tally);
    }
    for (const [selectionId, tally] of bySelection) {
      await models.Selection.updateOne({ _id: selectionId }, { $push: { purges: { at: now, ...tally } } });
      log.info('retention: dossiers erased', { selectionId, ...tally });
    }
    return { dossiers: due.length, files };
  }

  /** Candidate accounts with no dossier and no log-in for long: warned, then removed after the grace period. */
  async function purgeIdleAccounts(now: Date): Promise<{ accountsWarned: number; accountsRemoved: number }> {
    // Accounts from before this rule have no date: they are counted from the first run, not from their creation
    // (someone who logged in last week must not be warned).
    await models.Account.updateMany({ role: 'candidate', lastLoginAt: { $exists: false } }, { $set: { lastLoginAt: now } });
    const idleSince = addMonths(now, -ACCOUNT_INACTIVITY_MONTHS);
    const idle = (await models.Account.find({ role: 'candidate', lastLoginAt: { $lt: idleSince } }, { _id: 1, email: 1, firstName: 1, identifier: 1, inactivityWarnedAt: 1 }).lean()).slice(
      0,
      ACCOUNTS_PER_RUN,
    );
    let accountsWarned = 0;
    let accountsRemoved = 0;
    for (const account of idle) {
      if (await models.Dossier.exists({ 'candidate.id': account._id })) continue;
      if (!account.inactivityWarnedAt) {
        const removalOn = new Date(now.getTime() + ACCOUNT_REMOVAL_GRACE_DAYS * DAY_MS);
        try {
          await deliver(`inactive-account:${account._id}:${now.toISOString().slice(0, 10)}`, account.email, {
            kind: 'inactiveAccountWarning',
            firstName: account.firstName,
            identifier: account.identifier,
            removalOn: removalOn.toISOString(),
            loginLink,
          });
        } catch (error) {
          // A mailbox that no longer exists (the relay refuses it) is no reason to keep the account, nor to stop the others.
          if ((error as { type?: string }).type !== 'SmtpRejected') throw error;
          log.warn('retention: idle account warning refused by the relay; removal follows the grace period', { accountId: account._id });
        }
        await models.Account.updateOne({ _id: account._id }, { $set: { inactivityWarnedAt: now } });
        accountsWarned += 1;
      } else if (account.inactivityWarnedAt.getTime() + ACCOUNT_REMOVAL_GRACE_DAYS * DAY_MS <= now.getTime()) {
        await erasure.eraseAccount(account._id);
        accountsRemoved += 1;
      }
    }
    if (accountsWarned || accountsRemoved) log.info('retention: idle accounts', { accountsWarned, accountsRemoved });
    return { accountsWarned, accountsRemoved };
  }

  return {
    async applyRetention(now = new Date()): Promise<RetentionOutcome> {
      // Independent parts, each run whatever the others did (a failing one fails the activity after).
      const { deletedCount: sentEmails } = await models.SentEmail.deleteMany({ sentAt: { $lt: new Date(now.getTime() - SENT_EMAIL_KEPT_DAYS * DAY_MS) } });
      const dossiers = await purgeDossiers(now);
      const accounts = await purgeIdleAccounts(now);
      return { ...dossiers, ...accounts, sentEmails };
    },
  };
}
