/**
 * The dossier's life cycle (product.md, "Dossier life cycle"), in one place:
 * its statuses, which action each status allows, the refusal (code and French
 * message) when it does not, the effective deadline and the reminders. The
 * workflow's validators, the API's services, the office's lists and the
 * deadline fan-out all ask this module; nothing else decides these things.
 *
 *             declare incomplete (stays, e-mail)
 *                  ┌────┐
 *                  ▼    │
 *  open ──► DRAFT ─┴──────► SUBMITTED ──► VALIDATED
 *             │   declare       │  ▲
 *             │   complete      ▼  │ declare complete
 *             │           CHANGES_REQUESTED
 *             └──► EXPIRED ◄────┘   (deadline passed, not complete)
 *  SUBMITTED ──► REJECTED ;  DRAFT/CHANGES_REQUESTED ──► WITHDRAWN
 *
 * Pure: no Temporal, no Node API, no clock of its own (callers pass `now`),
 * so the workflow can run it deterministically.
 */

export const DOSSIER_STATUSES = ['DRAFT', 'SUBMITTED', 'CHANGES_REQUESTED', 'VALIDATED', 'REJECTED', 'EXPIRED', 'WITHDRAWN'] as const;
export type DossierStatus = (typeof DOSSIER_STATUSES)[number];

/** The candidate may change the dossier (before its deadline). */
export const OPEN_STATUSES: readonly DossierStatus[] = ['DRAFT', 'CHANGES_REQUESTED'];
/** Nothing happens to the dossier any more; its workflow has ended. */
export const FINAL_STATUSES: readonly DossierStatus[] = ['VALIDATED', 'REJECTED', 'EXPIRED', 'WITHDRAWN'];
/**
 * Not ended yet: the dossiers a new closing date concerns. A SUBMITTED dossier
 * too, since a request for changes opens it again until that date.
 */
export const LIVE_STATUSES: readonly DossierStatus[] = DOSSIER_STATUSES.filter((status) => !FINAL_STATUSES.includes(status));

export const isOpen = (status: DossierStatus) => OPEN_STATUSES.includes(status);
export const isFinal = (status: DossierStatus) => FINAL_STATUSES.includes(status);

/** For people: the office's lists, the CSV, the candidate's pages. */
export const STATUS_LABELS: Record<DossierStatus, string> = {
  DRAFT: 'En cours de saisie',
  SUBMITTED: 'Complet, à étudier',
  CHANGES_REQUESTED: 'Modifications demandées',
  VALIDATED: 'Validé',
  REJECTED: 'Non retenu',
  EXPIRED: 'Clos (incomplet)',
  WITHDRAWN: 'Retiré',
};

/** Days before the closing date when an unfinished dossier gets a reminder, unless its selection says otherwise. */
export const DEFAULT_REMINDER_OFFSETS_DAYS: readonly number[] = [7, 1];

/** What the life cycle needs to know of a dossier. */
export interface DossierTimeline {
  status: DossierStatus;
  /** The selection's closing date-time, ISO 8601. */
  closesAt: string;
  /** This candidate's own deadline, when the office set one. */
  deadline?: string | undefined;
}

/** When the dossier closes: the later of the selection's date and the candidate's own. */
export function effectiveDeadline(dossier: Pick<DossierTimeline, 'closesAt' | 'deadline'>): string {
  return dossier.deadline && Date.parse(dossier.deadline) > Date.parse(dossier.closesAt) ? dossier.deadline : dossier.closesAt;
}

/**
 * Why an action is refused: the codes the workflow's validators throw and
 * the API answers with (api/errors.ts gives each its HTTP status).
 */
export const DOSSIER_REFUSALS = [
  'REGISTRATION_CLOSED',
  'DOSSIER_LOCKED',
  'DOSSIER_INCOMPLETE',
  'EMAIL_NOT_VERIFIED',
  'ENTRY_NOT_FOUND',
  'TOO_MANY_ENTRIES',
  'NO_DIPLOMA_CONFLICT',
  'VALIDATION_FAILED',
  'ILLEGAL_TRANSITION',
  'DEADLINE_NOT_LATER',
] as const;
export type DossierRefusalCode = (typeof DOSSIER_REFUSALS)[number];

export interface Refusal {
  code: DossierRefusalCode;
  message: string;
}

/** Why a dossier in this status cannot change, for people. */
export function lockedMessage(status: DossierStatus): string {
  switch (status) {
    case 'SUBMITTED':
      return 'Le dossier a été déclaré complet : il est en cours d’étude par le service sélection et ne peut plus être modifié.';
    case 'WITHDRAWN':
      return 'Le dossier a été retiré : il ne peut plus être modifié.';
    case 'EXPIRED':
      return CLOSED_MESSAGE;
    case 'VALIDATED':
      return 'Le dossier a été validé par le service sélection : il ne peut plus être modifié.';
    case 'REJECTED':
      return 'Le dossier n’a pas été retenu par le service sélection : il ne peut plus être modifié.';
    default:
      return 'Le dossier ne peut plus être modifié.';
  }
}

const CLOSED_MESSAGE = 'Les inscriptions à cette sélection sont closes : le dossier ne peut plus être modifié.';

/**
 * What can happen to a dossier. The candidate's actions need an open dossier
 * before its deadline; the office's decisions need a dossier declared
 * complete; the system's expire and extend.
 */
export const DOSSIER_ACTIONS = {
  /** Any step: état civil, situation, documents, diplomas, experiences. */
  edit: { by: 'candidate' },
  declareComplete: { by: 'candidate', to: 'SUBMITTED' },
  declareIncomplete: { by: 'candidate' },
  withdraw: { by: 'candidate', to: 'WITHDRAWN' },
  reviewDocument: { by: 'office' },
  validate: { by: 'office', to: 'VALIDATED' },
  requestChanges: { by: 'office', to: 'CHANGES_REQUESTED' },
  reject: { by: 'office', to: 'REJECTED' },
  extendCandidateDeadline: { by: 'office' },
  expire: { by: 'system', to: 'EXPIRED' },
} as const satisfies Record<string, { by: 'candidate' | 'office' | 'system'; to?: DossierStatus }>;
export type DossierAction = keyof typeof DOSSIER_ACTIONS;

/** The status an action leads to (itself when it does not move the dossier). */
export function statusAfter(action: DossierAction, current: DossierStatus): DossierStatus {
  const rule = DOSSIER_ACTIONS[action];
  return 'to' in rule ? rule.to : current;
}

/** Why `action` cannot happen to `dossier` at `now`, or undefined when it can. */
export function refusalOf(action: DossierAction, dossier: DossierTimeline, now: number): Refusal | undefined {
  const rule = DOSSIER_ACTIONS[action];
  switch (rule.by) {
    case 'candidate':
      if (dossier.status === 'EXPIRED') return { code: 'REGISTRATION_CLOSED', message: CLOSED_MESSAGE };
      if (!isOpen(dossier.status)) return { code: 'DOSSIER_LOCKED', message: lockedMessage(dossier.status) };
      if (now >= Date.parse(effectiveDeadline(dossier))) return { code: 'REGISTRATION_CLOSED', message: CLOSED_MESSAGE };
      return undefined;
    case 'system':
      return isOpen(dossier.status) ? undefined : { code: 'ILLEGAL_TRANSITION', message: lockedMessage(dossier.status) };
    case 'office':
      if (action === 'extendCandidateDeadline') {
        return isFinal(dossier.status) ? { code: 'ILLEGAL_TRANSITION', message: lockedMessage(dossier.status) } : undefined;
      }
      return dossier.status === 'SUBMITTED'
        ? undefined
        : {
            code: 'ILLEGAL_TRANSITION',
            message: `Cette décision ne s'applique qu'à un dossier déclaré complet (statut actuel : ${STATUS_LABELS[dossier.status].toLowerCase()}).`,
          };
  }
}

/** The candidate may still change the dossier. */
export function isEditable(dossier: DossierTimeline, now: number): boolean {
  return refusalOf('edit', dossier, now) === undefined;
}

/** A new deadline (the selection's or one candidate's) only ever moves the dossier's deadline later. */
export function deadlineRefusal(dossier: Pick<DossierTimeline, 'closesAt' | 'deadline'>, proposed: string): Refusal | undefined {
  if (Date.parse(proposed) > Date.parse(effectiveDeadline(dossier))) return undefined;
  return { code: 'DEADLINE_NOT_LATER', message: 'La nouvelle date limite doit être postérieure à la date actuelle du dossier.' };
}

const DAY_MS = 24 * 3600 * 1000;

export interface Reminder {
  /** "<offset>:<deadline>": sent once per deadline, so an extension re-arms it. */
  key: string;
  at: number;
  daysLeft: number;
  /** The deadline it announces. */
  closesAt: string;
}

/**
 * The next reminder still to send to an unfinished dossier, if any. A
 * reminder whose time passed before it could be sent is skipped, not sent late.
 */
export function nextReminder(
  dossier: Pick<DossierTimeline, 'closesAt' | 'deadline'> & { reminderOffsetsDays: readonly number[]; remindersSent: readonly string[] },
  now: number,
): Reminder | undefined {
  const deadline = effectiveDeadline(dossier);
  const closesAt = Date.parse(deadline);
  return dossier.reminderOffsetsDays
    .map((days) => ({ key: `${days}:${deadline}`, at: closesAt - days * DAY_MS, daysLeft: days, closesAt: deadline }))
    .filter((reminder) => reminder.at > now && !dossier.remindersSent.includes(reminder.key))
    .sort((a, b) => a.at - b.at)[0];
}

/** A reminder is still due at `now`: its deadline has not moved and has not passed. */
export function reminderIsDue(reminder: Reminder, dossier: Pick<DossierTimeline, 'closesAt' | 'deadline'>, now: number): boolean {
  return reminder.closesAt === effectiveDeadline(dossier) && now >= reminder.at && now < Date.parse(reminder.closesAt);
}
