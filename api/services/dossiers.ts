import {
  type Client,
  type WorkflowHandle,
  WithStartWorkflowOperation,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
} from '@temporalio/client';
import { ApplicationFailure, type UpdateDefinition } from '@temporalio/common';
import type { FastifyInstance } from 'fastify';
import type { Models } from '../../db/models.js';
import { type DocumentRequirements, missingItems, stepsDone } from '../../domain/dossier.js';
import {
  type Candidate,
  DOSSIER_REFUSALS,
  type DossierRefusal,
  type DossierState,
  dossierWorkflowId,
  enrolUpdate,
  effectiveDeadline,
  FINAL_STATUSES,
  lockedMessage,
  OPEN_STATUSES,
  searchAttributes,
} from '../../workflows/dossier/contract.js';
import type { dossierWorkflow } from '../../workflows/dossier/workflow.js';
import { AppError, errors } from '../errors.js';
import { isSelectionOpen } from './selections.js';
import { callTemporal } from './temporal-calls.js';

export interface DossierServiceDeps {
  models: Pick<Models, 'Selection' | 'Training' | 'Dossier'>;
  temporal: Client;
  taskQueue: string;
  /** How long a call to Temporal may take before the API answers 503. */
  temporalTimeoutMs: number;
}

/** The dependencies of the dossier services, from the app's own. */
export function dossierServiceDeps(app: FastifyInstance): DossierServiceDeps {
  const { database, temporal, config } = app.deps;
  return { models: database.models, temporal, taskQueue: config.TEMPORAL_TASK_QUEUE, temporalTimeoutMs: config.WORKFLOW_UPDATE_TIMEOUT_MS };
}

/** Who acts on a dossier: its candidate, an administrator, or the office of its training. */
export interface Reader {
  accountId: string;
  role: 'candidate' | 'office' | 'admin';
  trainingIds: string[];
}

/** The reader an authenticated account is. */
export function readerOf(auth: { account: { _id: string; role: Reader['role']; trainingIds?: string[] | null } }): Reader {
  return { accountId: auth.account._id, role: auth.account.role, trainingIds: auth.account.trainingIds ?? [] };
}

/** The dossier as the API shows it: the workflow's state plus what "Mes inscriptions" needs. */
export function viewDossier(state: DossierState) {
  const done = stepsDone(state);
  const editable = OPEN_STATUSES.includes(state.status) && Date.now() < Date.parse(effectiveDeadline(state));
  return {
    ...state,
    history: state.history ?? [],
    editable,
    progress: {
      stepsDone: Object.entries(done).filter(([, ok]) => ok).map(([step]) => step),
      stepsToDo: Object.entries(done).filter(([, ok]) => !ok).map(([step]) => step),
      missing: missingItems(state),
    },
  };
}
export type DossierView = ReturnType<typeof viewDossier>;

/**
 * What the candidate sees: their dossier without the office's internals
 * (audit trail, per-document reviews, who decided); the comments meant for
 * them come with the request for changes and the e-mails.
 */
export function candidateView(view: DossierView): DossierView {
  const { history: _history, reviews: _reviews, decision, ...rest } = view;
  return { ...rest, history: [], ...(decision ? { decision: { ...decision, by: { type: 'staff' as const } } } : {}) };
}

/**
 * Turns a refused Update into the API's error: the workflow's validators say
 * why (type) in French (message), with details such as the missing items.
 */
function refusalOf(error: unknown): AppError | undefined {
  if (!(error instanceof WorkflowUpdateFailedError) || !(error.cause instanceof ApplicationFailure)) return undefined;
  const type = error.cause.type as DossierRefusal | null | undefined;
  if (!type || !DOSSIER_REFUSALS.includes(type)) return undefined;
  const details = error.cause.details?.[0];
  return new AppError(type === 'INVALID_STEP' ? 'VALIDATION_FAILED' : (type as Exclude<DossierRefusal, 'INVALID_STEP'>), error.cause.message, details);
}

/** One Update on a dossier's workflow, built by `dossierUpdate`. */
export type DossierUpdateCall = (dossier: WorkflowHandle, options: { updateId?: string }) => Promise<DossierState>;

/** E.g. `dossierUpdate(saveSituationUpdate, { status: 'etudiant' })`. */
export function dossierUpdate<Args extends unknown[]>(definition: UpdateDefinition<DossierState, Args>, ...args: Args): DossierUpdateCall {
  // The handle's overloads cannot see that `Args` is a tuple; the definition ties the arguments to the Update.
  return (dossier, options) => dossier.executeUpdate(definition as unknown as UpdateDefinition<DossierState, [unknown]>, { args: args as unknown as [unknown], ...options });
}

/**
 * `updateId` (from the request's Idempotency-Key) makes a retried request
 * land once: Temporal answers a repeated Update id with the first outcome.
 */
async function updateDossier(deps: DossierServiceDeps, dossierId: string, call: DossierUpdateCall, updateId?: string): Promise<DossierState> {
  try {
    return await callTemporal(deps.temporal, deps.temporalTimeoutMs, () =>
      call(deps.temporal.workflow.getHandle(dossierId), updateId === undefined ? {} : { updateId }),
    );
  } catch (error) {
    const refusal = refusalOf(error);
    if (refusal) throw refusal;
    if (error instanceof WorkflowNotFoundError) throw errors.dossierNotFound();
    throw error;
  }
}

/**
 * "+ S'inscrire": starts the dossier's workflow, or finds the one already
 * running for this candidate and selection (the workflow id is the business
 * key), and answers once the dossier is stored.
 */
export async function openDossier(deps: DossierServiceDeps, selectionId: string, candidate: Candidate): Promise<{ dossier: DossierView; created: boolean }> {
  const selection = await deps.models.Selection.findById(selectionId);
  if (!selection) throw errors.selectionNotFound();
  const now = new Date();
  const dossierId = dossierWorkflowId(selection._id, candidate.id);
  const existing = await deps.models.Dossier.findById(dossierId).lean();
  if (existing) return { dossier: candidateView(viewDossier(existing.state as DossierState)), created: false };
  if (!isSelectionOpen(selection, now)) throw errors.selectionNotOpen(now < selection.opensAt ? 'notYetOpen' : 'closed');
  const training = await deps.models.Training.findById(selection.trainingId);
  if (!training) throw errors.selectionNotFound();

  const start = new WithStartWorkflowOperation<typeof dossierWorkflow>('dossierWorkflow', {
    workflowId: dossierId,
    taskQueue: deps.taskQueue,
    workflowIdConflictPolicy: 'USE_EXISTING',
    args: [
      {
        opening: {
          selectionId: selection._id,
          trainingTitle: training.title,
          candidate,
          closesAt: selection.closesAt.toISOString(),
          reminderOffsetsDays: [...(selection.reminderOffsetsDays ?? [7, 1])],
          documentRequirements: (selection.documentRequirements ?? {}) as DocumentRequirements,
        },
      },
    ],
    typedSearchAttributes: [
      { key: searchAttributes.status, value: 'DRAFT' },
      { key: searchAttributes.selection, value: selection._id },
      { key: searchAttributes.candidate, value: candidate.id },
    ],
  });
  const state = await callTemporal(deps.temporal, deps.temporalTimeoutMs, () =>
    deps.temporal.workflow.executeUpdateWithStart(enrolUpdate, { startWorkflowOperation: start }),
  );
  return { dossier: candidateView(viewDossier(state)), created: true };
}

/**
 * The stored dossier, if `reader` may see it. Anyone else's dossier is a 404,
 * exactly like a dossier that does not exist: nothing to learn by probing.
 */
export async function findReadableDossier(deps: Pick<DossierServiceDeps, 'models'>, dossierId: string, reader: Reader): Promise<DossierState> {
  const record = await deps.models.Dossier.findById(dossierId).lean();
  if (!record) throw errors.dossierNotFound();
  const state = record.state as DossierState;
  let allowed: boolean;
  switch (reader.role) {
    case 'candidate':
      allowed = state.candidate.id === reader.accountId;
      break;
    case 'admin':
      allowed = true;
      break;
    case 'office': {
      const selection = await deps.models.Selection.findById(state.selectionId).lean();
      allowed = Boolean(selection && reader.trainingIds.includes(selection.trainingId));
      break;
    }
  }
  if (!allowed) throw errors.dossierNotFound();
  return state;
}

/** "Mes inscriptions": the candidate's dossiers, latest first. */
export async function listCandidateDossiers(deps: Pick<DossierServiceDeps, 'models'>, candidateId: string): Promise<DossierView[]> {
  const records = await deps.models.Dossier.find({ 'candidate.id': candidateId }).sort({ createdAt: -1 }).lean();
  return records.map((record) => candidateView(viewDossier(record.state as DossierState)));
}

/** A step of the candidate's own dossier (already found readable), sent to its workflow as an Update. */
export async function runCandidateStep(deps: DossierServiceDeps, state: DossierState, call: DossierUpdateCall, updateId?: string): Promise<DossierView> {
  // An ended dossier's workflow is closed: answer from the record, as the workflow would have.
  assertNotEnded(state);
  try {
    return candidateView(viewDossier(await updateDossier(deps, state.dossierId, call, updateId)));
  } catch (error) {
    if (!(error instanceof AppError) || error.code !== 'DOSSIER_NOT_FOUND') throw error;
    // It ended between the check and the Update.
    const record = await deps.models.Dossier.findById(state.dossierId).lean();
    if (record) assertNotEnded(record.state as DossierState);
    throw error;
  }
}

/** An office action on a dossier (already found readable): an ended dossier's workflow is closed, so 409. */
export async function runDossierUpdate(deps: DossierServiceDeps, state: DossierState, call: DossierUpdateCall, updateId?: string): Promise<DossierView> {
  if (FINAL_STATUSES.includes(state.status)) throw new AppError('ILLEGAL_TRANSITION', lockedMessage(state.status));
  return viewDossier(await updateDossier(deps, state.dossierId, call, updateId));
}

function assertNotEnded(state: DossierState): void {
  if (!FINAL_STATUSES.includes(state.status)) return;
  throw new AppError(state.status === 'EXPIRED' ? 'REGISTRATION_CLOSED' : 'DOSSIER_LOCKED', lockedMessage(state.status));
}

/**
 * Checked before an upload is streamed in, so a locked dossier does not
 * receive 10 MB for nothing. The workflow's validator still has the last word.
 */
export function assertCandidateCanUpload(state: DossierState): void {
  assertNotEnded(state);
  if (!OPEN_STATUSES.includes(state.status)) throw new AppError('DOSSIER_LOCKED', lockedMessage(state.status));
  if (Date.now() >= Date.parse(effectiveDeadline(state))) {
    throw new AppError('REGISTRATION_CLOSED', 'Les inscriptions à cette sélection sont closes : le dossier ne peut plus être modifié.');
  }
}
