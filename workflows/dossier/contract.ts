/**
 * The dossier workflow's contract: every name the API, the worker, the tests
 * and the operators' tooling share. Nobody else spells these strings.
 *
 * This module is imported by workflow code, so it must stay deterministic and
 * free of Node APIs.
 */
import { defineSearchAttributeKey } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type {
  CivilStatus,
  DiplomaFields,
  DocumentKind,
  DocumentRequirements,
  DossierContent,
  ExperienceFields,
  FileRef,
  Situation,
} from '../../domain/dossier.js';

export const DOSSIER_TASK_QUEUE = 'dossiers';

export const DOSSIER_STATUSES = [
  'DRAFT',
  'SUBMITTED',
  'CHANGES_REQUESTED',
  'VALIDATED',
  'REJECTED',
  'EXPIRED',
  'WITHDRAWN',
] as const;
export type DossierStatus = (typeof DOSSIER_STATUSES)[number];

/** Statuses after which nothing happens to the dossier any more. */
export const FINAL_STATUSES: readonly DossierStatus[] = ['VALIDATED', 'REJECTED', 'EXPIRED', 'WITHDRAWN'];

/**
 * One dossier per candidate per selection: the workflow id is the business key,
 * so a second "+ S'inscrire" finds the dossier already running.
 */
export function dossierWorkflowId(selectionId: string, candidateId: string): string {
  return `dossier:${selectionId}:${candidateId}`;
}

/**
 * Custom search attributes upserted by the workflow so operators can find any
 * dossier in the Temporal Web UI. The dev server registers exactly this list.
 */
export const searchAttributes = {
  status: defineSearchAttributeKey('DossierStatus', 'KEYWORD'),
  selection: defineSearchAttributeKey('SelectionId', 'KEYWORD'),
  candidate: defineSearchAttributeKey('CandidateId', 'KEYWORD'),
} as const;

export interface Candidate {
  id: string;
  email: string;
  firstName: string;
  lastName: string;
}

export interface DossierOpening {
  selectionId: string;
  trainingTitle: string;
  candidate: Candidate;
  /** Closing date-time of the selection, ISO 8601. */
  closesAt: string;
  /** Days before the closing date when an unfinished dossier gets a reminder. */
  reminderOffsetsDays: number[];
  /** The selection's own documents per situation, if it sets any. */
  documentRequirements?: DocumentRequirements;
}

/** Who did something to a dossier, for the audit trail. */
export interface Actor {
  type: 'candidate' | 'staff' | 'system';
  id?: string;
  name?: string;
}

/** One line of the dossier's audit trail, shown to the office. */
export interface AuditEntry {
  at: string;
  actor: Actor;
  /** Stable, e.g. "civilStatus.saved", "decision.validated", "email.sent". */
  action: string;
  detail?: string;
}

export interface DocumentReview {
  verdict: 'accepted' | 'refused';
  comment?: string;
  by: Actor;
  at: string;
}

/** The office's decision on a dossier declared complete, and what the candidate is told. */
export interface ValidateInput {
  by: Actor;
  /** The selection's payment terms, sent with the validation e-mail. */
  paymentTerms: string;
}
export interface RequestChangesInput {
  by: Actor;
  comment: string;
  /** Labels (French) of what must be changed, e.g. refused documents. */
  items: string[];
  /** Until when the candidate may answer; later than the closing date if the office wishes. */
  respondBy?: string;
}
export interface RejectInput {
  by: Actor;
  reason: string;
}

/** The dossier as the workflow knows it; also what is stored in MongoDB. */
export interface DossierState extends DossierContent {
  dossierId: string;
  selectionId: string;
  trainingTitle: string;
  candidate: Candidate;
  status: DossierStatus;
  closesAt: string;
  openedAt: string;
  reminderOffsetsDays: number[];
  /** Keys of the reminders already sent ("<offset>:<closesAt>"), so an extension re-arms them. */
  remindersSent: string[];
  /**
   * This candidate's own deadline (a one-candidate extension, or the office's
   * response date after asking for changes). The dossier closes at the later
   * of it and the selection's closesAt.
   */
  deadline?: string;
  declaredIncompleteAt?: string;
  submittedAt?: string;
  endedAt?: string;
  /** The office's last request for changes, shown to the candidate. */
  changesRequested?: { comment: string; items: string[]; at: string };
  decision?: { outcome: 'VALIDATED' | 'REJECTED'; at: string; by: Actor; reason?: string };
  /** The office's review of each submitted file, by file id; a replaced file has none. */
  reviews?: Record<string, DocumentReview>;
  history: AuditEntry[];
  /** Increases with every change, so a late activity retry never overwrites newer data. */
  revision: number;
}

/** A new dossier, or one carried over by continue-as-new. */
export type DossierWorkflowInput = { opening: DossierOpening } | { continued: DossierState };

/** Where an uploaded file goes. */
export type FileTarget =
  | { kind: 'document'; document: DocumentKind }
  | { kind: 'diploma'; entryId: string }
  | { kind: 'experience'; entryId: string };

export const getDossierQuery = defineQuery<DossierState>('getDossier');

/** "+ S'inscrire": answers once the dossier is stored, so the API reads its own write. */
export const enrolUpdate = defineUpdate<DossierState>('enrol');
export const saveCivilStatusUpdate = defineUpdate<DossierState, [CivilStatus]>('saveCivilStatus');
export const saveSituationUpdate = defineUpdate<DossierState, [Situation]>('saveSituation');
/** Adds (no entryId) or edits a diploma entry. */
export const saveDiplomaUpdate = defineUpdate<DossierState, [{ entryId?: string; fields: DiplomaFields }]>('saveDiploma');
export const removeDiplomaUpdate = defineUpdate<DossierState, [{ entryId: string }]>('removeDiploma');
export const saveExperienceUpdate = defineUpdate<DossierState, [{ entryId?: string; fields: ExperienceFields }]>('saveExperience');
export const removeExperienceUpdate = defineUpdate<DossierState, [{ entryId: string }]>('removeExperience');
/** Puts an uploaded file in place; the file it replaces is deleted by the workflow. */
export const attachFileUpdate = defineUpdate<DossierState, [{ target: FileTarget; file: FileRef }]>('attachFile');
/** "Dossier complet à travailler": `emailVerified` is set by the API from the account, never by the client. */
export const declareCompleteUpdate = defineUpdate<DossierState, [{ emailVerified: boolean }]>('declareComplete');
/** "Dossier incomplet : je poursuivrai mon inscription plus tard". */
export const declareIncompleteUpdate = defineUpdate<DossierState>('declareIncomplete');
export const withdrawUpdate = defineUpdate<DossierState>('withdraw');

export const reviewDocumentUpdate = defineUpdate<DossierState, [{ by: Actor; fileId: string; verdict: 'accepted' | 'refused'; comment?: string }]>(
  'reviewDocument',
);
export const validateUpdate = defineUpdate<DossierState, [ValidateInput]>('validate');
export const requestChangesUpdate = defineUpdate<DossierState, [RequestChangesInput]>('requestChanges');
export const rejectUpdate = defineUpdate<DossierState, [RejectInput]>('reject');
/** One candidate's deadline moved later by the office. */
export const extendCandidateDeadlineUpdate = defineUpdate<DossierState, [{ by: Actor; deadline: string }]>('extendCandidateDeadline');

/** Statuses in which the candidate may change the dossier (before its deadline). */
export const OPEN_STATUSES: readonly DossierStatus[] = ['DRAFT', 'CHANGES_REQUESTED'];

/** When the dossier closes: the later of the selection's date and the candidate's own. */
export function effectiveDeadline(dossier: Pick<DossierState, 'closesAt' | 'deadline'>): string {
  return dossier.deadline && Date.parse(dossier.deadline) > Date.parse(dossier.closesAt) ? dossier.deadline : dossier.closesAt;
}

/** The selection's closing date moved later: every open dossier follows. */
export const extendDeadlineSignal = defineSignal<[{ closesAt: string }]>('extendDeadline');

/**
 * Why an Update was refused: the ApplicationFailure types the workflow throws
 * from its validators. The API answers each with its error code (and status).
 */
export const DOSSIER_REFUSALS = [
  'REGISTRATION_CLOSED',
  'DOSSIER_LOCKED',
  'DOSSIER_INCOMPLETE',
  'EMAIL_NOT_VERIFIED',
  'ENTRY_NOT_FOUND',
  'TOO_MANY_ENTRIES',
  'INVALID_STEP',
  'ILLEGAL_TRANSITION',
] as const;
export type DossierRefusal = (typeof DOSSIER_REFUSALS)[number];

/** Why a dossier in this status cannot change, for people (French). */
export function lockedMessage(status: DossierStatus): string {
  switch (status) {
    case 'SUBMITTED':
      return 'Le dossier a été déclaré complet : il est en cours d’étude par le service sélection et ne peut plus être modifié.';
    case 'WITHDRAWN':
      return 'Le dossier a été retiré : il ne peut plus être modifié.';
    case 'EXPIRED':
      return 'Les inscriptions à cette sélection sont closes : le dossier ne peut plus être modifié.';
    default:
      return 'Le dossier ne peut plus être modifié.';
  }
}

