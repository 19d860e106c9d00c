/**
 * The dossier workflow's contract: every name the API, the worker, the tests
 * and the operators' tooling share with Temporal (task queue, workflow id,
 * messages, search attributes). Nobody else spells these strings. The
 * vocabulary of the dossier itself (statuses, state, rules) is the domain's.
 *
 * This module is imported by workflow code, so it must stay deterministic and
 * free of Node APIs.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Decision, DocumentReviewInput } from '../../domain/decisions.js';
import type { CivilStatus, DiplomaFields, DocumentKind, ExperienceFields, FileRef, Situation } from '../../domain/dossier.js';
import type { Actor, DossierOpening, DossierState } from '../../domain/dossier-record.js';
import { SEARCH_ATTRIBUTES } from '../search-attributes.js';

export const DOSSIER_TASK_QUEUE = 'dossiers';


/**
 * One dossier per candidate per selection: the workflow id is the business key,
 * so a second "+ S'inscrire" finds the dossier already running.
 */
export function dossierWorkflowId(selectionId: string, candidateId: string): string {
  return `dossier:${selectionId}:${candidateId}`;
}

/** The candidate a dossier id names (its last part: a well-formed dossier id has no colon within a part, dossierIdSchema), if it is one. */
export function candidateOfDossierId(dossierId: string): string | undefined {
  const parts = dossierId.split(':');
  return parts.length === 3 && parts[0] === 'dossier' ? parts[2] : undefined;
}

/**
 * Custom search attributes upserted by the workflow so operators can find any
 * dossier in the Temporal Web UI (all of them in workflows/search-attributes.ts).
 */
export const searchAttributes = {
  status: SEARCH_ATTRIBUTES.dossierStatus,
  selection: SEARCH_ATTRIBUTES.selection,
  candidate: SEARCH_ATTRIBUTES.candidate,
} as const;

/** A new dossier, or one carried over by continue-as-new. */
export type DossierWorkflowInput = { opening: DossierOpening } | { continued: DossierState };

/** Where an uploaded file goes. */
export type FileTarget =
  | { kind: 'document'; document: DocumentKind }
  | { kind: 'diploma'; entryId: string }
  | { kind: 'experience'; entryId: string };

/**
 * What every Update answers once its change is stored: the revision it
 * stored. The caller reads the record (written before the answer), so the
 * history does not repeat the whole dossier after every step.
 */
export interface DossierReceipt {
  revision: number;
}

/**
 * What a dossier's workflow returns when it ends: its final status and
 * revision. The dossier itself is its record (and `getDossierQuery`, which
 * closed workflows answer too); a copy in the result would put the whole
 * dossier in the history once more.
 */
export interface DossierOutcome extends DossierReceipt {
  status: DossierState['status'];
}

export const getDossierQuery = defineQuery<DossierState>('getDossier');

/**
 * "+ S'inscrire": answers once the dossier is stored, so the API reads its own
 * write. Its wire name, "enrol", is kept: running dossiers and recorded histories know it.
 */
export const openDossierUpdate = defineUpdate<DossierReceipt>('enrol');

// The candidate's steps ("Valider ma saisie").
export const saveCivilStatusUpdate = defineUpdate<DossierReceipt, [CivilStatus]>('saveCivilStatus');
export const saveSituationUpdate = defineUpdate<DossierReceipt, [Situation]>('saveSituation');
/** Adds (no entryId) or edits a diploma entry. */
export const saveDiplomaUpdate = defineUpdate<DossierReceipt, [{ entryId?: string; fields: DiplomaFields }]>('saveDiploma');
export const removeDiplomaUpdate = defineUpdate<DossierReceipt, [{ entryId: string }]>('removeDiploma');
export const saveExperienceUpdate = defineUpdate<DossierReceipt, [{ entryId?: string; fields: ExperienceFields }]>('saveExperience');
export const removeExperienceUpdate = defineUpdate<DossierReceipt, [{ entryId: string }]>('removeExperience');
/** Puts an uploaded file in place; the file it replaces is deleted by the workflow. */
export const attachFileUpdate = defineUpdate<DossierReceipt, [{ target: FileTarget; file: FileRef }]>('attachFile');
/** "Dossier complet à travailler": `emailVerified` is set by the API from the account, never by the client. */
export const declareCompleteUpdate = defineUpdate<DossierReceipt, [{ emailVerified: boolean }]>('declareComplete');
/** "Dossier incomplet : je poursuivrai mon inscription plus tard". */
export const declareIncompleteUpdate = defineUpdate<DossierReceipt>('declareIncomplete');
export const withdrawUpdate = defineUpdate<DossierReceipt>('withdraw');

// The selection office's actions on a dossier.
export const reviewDocumentUpdate = defineUpdate<DossierReceipt, [DocumentReviewInput & { by: Actor }]>('reviewDocument');
export const validateUpdate = defineUpdate<DossierReceipt, [{ by: Actor; paymentTerms: string }]>('validate');
export const requestChangesUpdate = defineUpdate<DossierReceipt, [Omit<Extract<Decision, { decision: 'requestChanges' }>, 'decision'> & { by: Actor }]>('requestChanges');
export const rejectUpdate = defineUpdate<DossierReceipt, [{ by: Actor; reason: string }]>('reject');
/** One candidate's deadline moved later by the office. */
export const extendCandidateDeadlineUpdate = defineUpdate<DossierReceipt, [{ by: Actor; deadline: string }]>('extendCandidateDeadline');

/** The selection's closing date moved later: every live dossier follows. */
export const extendDeadlineSignal = defineSignal<[{ closesAt: string }]>('extendDeadline');
