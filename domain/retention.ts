/**
 * How long personal data is kept: the one place for these rules. The purge
 * Schedule applies them (activities/retention.ts), the candidates read them
 * (the selection's page, the privacy notice), the office sets them per
 * selection.
 *
 * A dossier is kept for its selection's period after the later of the
 * selection's closing date and the dossier's end (decision, withdrawal or
 * expiry), then erased with its files and its workflow's history.
 */
import { z } from 'zod';
import type { DossierStatus } from './dossier-lifecycle.js';

export const RETAINED_OUTCOMES = ['VALIDATED', 'REJECTED', 'WITHDRAWN', 'EXPIRED'] as const satisfies readonly DossierStatus[];
export type RetainedOutcome = (typeof RETAINED_OUTCOMES)[number];

/**
 * Defaults, in months. A validated dossier is the start of a student's file:
 * kept for the training's length by default (the school sets its own rule per
 * selection). The others are kept long enough to answer a question or an
 * appeal about the selection, then erased.
 */
export const DEFAULT_RETENTION_MONTHS: Readonly<Record<RetainedOutcome, number>> = {
  VALIDATED: 36,
  REJECTED: 12,
  WITHDRAWN: 6,
  EXPIRED: 6,
};

export const retentionMonthsSchema = z
  .object(Object.fromEntries(RETAINED_OUTCOMES.map((outcome) => [outcome, z.number().int().min(1, 'au moins 1 mois').max(120, 'au plus 120 mois')])) as Record<RetainedOutcome, z.ZodNumber>)
  .meta({ id: 'RetentionMonths', description: 'Months a dossier is kept after its selection closes (or after it ends, if later), per outcome.' });
export type RetentionMonths = z.infer<typeof retentionMonthsSchema>;

export const RETENTION_LABELS: Readonly<Record<RetainedOutcome, string>> = {
  VALIDATED: 'dossier validé',
  REJECTED: 'dossier non retenu',
  WITHDRAWN: 'dossier retiré par le candidat',
  EXPIRED: 'dossier non déclaré complet à la date limite',
};

/** The selection's periods, its own where set, the defaults elsewhere. */
export const retentionOf = (selection: { retentionMonths?: Partial<RetentionMonths> | null }): RetentionMonths => ({ ...DEFAULT_RETENTION_MONTHS, ...(selection.retentionMonths ?? {}) });

/** Calendar months, the day kept or clamped to the month's last (31 March + 6 months is 30 September, not 1 October). */
export function addMonths(date: Date, months: number): Date {
  const result = new Date(date);
  const day = result.getUTCDate();
  result.setUTCDate(1);
  result.setUTCMonth(result.getUTCMonth() + months);
  const lastDay = new Date(Date.UTC(result.getUTCFullYear(), result.getUTCMonth() + 1, 0)).getUTCDate();
  result.setUTCDate(Math.min(day, lastDay));
  return result;
}

/** When an ended dossier is erased; null while it is not ended (a live dossier is never purged). */
export function erasureDueAt(dossier: { status: DossierStatus; endedAt?: Date | null }, selection: { closesAt: Date; retentionMonths?: Partial<RetentionMonths> | null }): Date | null {
  if (!(RETAINED_OUTCOMES as readonly string[]).includes(dossier.status)) return null;
  const ended = dossier.endedAt && dossier.endedAt > selection.closesAt ? dossier.endedAt : selection.closesAt;
  return addMonths(ended, retentionOf(selection)[dossier.status as RetainedOutcome]);
}

/** The sentences candidates read, one per outcome: "dossier validé : 36 mois". */
export function describeRetention(months: RetentionMonths): string[] {
  return RETAINED_OUTCOMES.map((outcome) => `${RETENTION_LABELS[outcome]} : ${months[outcome]} mois`);
}

/**
 * Accounts: a candidate account with no dossier and no log-in for this long
 * is warned by e-mail, then removed if nobody logs in within the grace period.
 */
export const ACCOUNT_INACTIVITY_MONTHS = 24;
export const ACCOUNT_REMOVAL_GRACE_DAYS = 30;

/** Sent e-mails are remembered (never their address) as long as a retried activity could ask again: a week, and a day to spare. */
export const SENT_EMAIL_KEPT_DAYS = 8;

/**
 * A candidate cannot erase their account while one of their dossiers is under
 * review or validated: the school keeps it for the selection (and its own
 * retention), and the office handles the request.
 */
export const ERASURE_BLOCKING_STATUSES: readonly DossierStatus[] = ['SUBMITTED', 'VALIDATED'];
