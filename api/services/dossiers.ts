/**
 * The candidate's dossiers: "+ S'inscrire", "Mes inscriptions", and every
 * change to a dossier, which is a Temporal Update on its workflow. The
 * workflow decides (its validators apply domain/dossier-lifecycle.ts); this
 * module sends, maps its refusals to API errors and reads the stored result.
 */
import { type Client, WithStartWorkflowOperation, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure, type UpdateDefinition } from '@temporalio/common';
import type { FastifyInstance } from 'fastify';
import type { Models } from '../../db/models.js';
import type { FileStore } from '../../db/files.js';
import type { DocumentRequirements, FileRef } from '../../domain/dossier.js';
import { DEFAULT_REMINDER_OFFSETS_DAYS, DOSSIER_REFUSALS, type DossierAction, type DossierRefusalCode, isFinal, refusalOf } from '../../domain/dossier-lifecycle.js';
import type { Candidate, DossierState } from '../../domain/dossier-record.js';
import type { ErrorDetail } from '../../domain/validation.js';
import { attachFileUpdate, type DossierReceipt, dossierWorkflowId, type FileTarget, openDossierUpdate } from '../../workflows/dossier/contract.js';
import { dossierWorkflow } from '../../workflows/dossier/workflow.js';
import type { SelectionDoc } from '../access.js';
import { AppError, errors, refusalError } from '../errors.js';
import { claimUploadKey, releaseIdempotencyKey } from '../idempotency.js';
import type { DossierView } from '../schemas/dossier.js';
import { viewDossier } from './dossier-view.js';
import { isSelectionOpen } from '../../domain/selection.js';
import { callTemporal } from './temporal-calls.js';
import { candidateDossierStates, rememberDossier } from '../../db/candidate-dossiers.js';

export interface DossierServiceDeps {
  models: Pick<Models, 'Selection' | 'Training' | 'Dossier' | 'IdempotencyKey' | 'CandidateDossier' | 'Account'>;
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

/** An Update on a dossier's workflow, as data: its definition and its arguments. */
export interface DossierUpdate {
  definition: UpdateDefinition<DossierReceipt, unknown[]>;
  args: unknown[];
}

/** E.g. `dossierUpdate(saveSituationUpdate, { status: 'etudiant' })`: the arguments are checked against the Update's. */
export function dossierUpdate<Args extends unknown[]>(definition: UpdateDefinition<DossierReceipt, Args>, ...args: Args): DossierUpdate {
  return { definition: definition as unknown as UpdateDefinition<DossierReceipt, unknown[]>, args };
}

/** A refused Update as the API's error: the workflow's validators say why (code), in French (message), with details. */
function refusalOfUpdate(error: unknown) {
  if (!(error instanceof WorkflowUpdateFailedError) || !(error.cause instanceof ApplicationFailure)) return undefined;
  const code = error.cause.type as DossierRefusalCode | null | undefined;
  if (!code || !DOSSIER_REFUSALS.includes(code)) return undefined;
  return refusalError({ code, message: error.cause.message }, error.cause.details?.[0] as ErrorDetail[] | undefined);
}

async function readStored(deps: Pick<DossierServiceDeps, 'models'>, dossierId: string): Promise<DossierState> {
  const record = await deps.models.Dossier.findById(dossierId).lean();
  if (!record) throw errors.dossierNotFound();
  return record.state as DossierState;
}

/**
 * Sends `update` for `action` to the dossier's workflow and answers its
 * receipt: the revision it stored before answering. An ended dossier's
 * workflow is closed: its refusal is judged from the record, by the same
 * life-cycle rule the workflow applies — before asking Temporal when the
 * scope check read the dossier (`known`), after its "not found" otherwise.
 * `updateId` (from the request's Idempotency-Key) makes a retried request
 * land once.
 */
export async function sendDossierUpdate(
  deps: DossierServiceDeps,
  dossierId: string,
  action: DossierAction,
  update: DossierUpdate,
  updateId?: string,
  known?: DossierState,
): Promise<DossierReceipt> {
  const refuseIfEnded = (state: DossierState) => {
    const refusal = isFinal(state.status) ? refusalOf(action, state, Date.now()) : undefined;
    if (refusal) throw refusalError(refusal);
  };
  if (known) refuseIfEnded(known);
  try {
    return await callTemporal(deps.temporal, deps.temporalTimeoutMs, () =>
      // The definition and its arguments were tied together by `dossierUpdate`.
      deps.temporal.workflow
        .getHandle(dossierId)
        .executeUpdate(update.definition as UpdateDefinition<DossierReceipt, [unknown]>, { args: update.args as [unknown], ...(updateId === undefined ? {} : { updateId }) }),
    );
  } catch (error) {
    const refusal = refusalOfUpdate(error);
    if (refusal) throw refusal;
    if (!(error instanceof WorkflowNotFoundError)) throw error;
    // Ended (or never opened, or erased): the record says which.
    refuseIfEnded(await readStored(deps, dossierId));
    throw errors.dossierNotFound();
  }
}

/** `sendDossierUpdate`, then the stored dossier it answered for (written before the Update answered). */
export async function updateAndRead(...args: Parameters<typeof sendDossierUpdate>): Promise<DossierState> {
  const [deps, dossierId] = args;
  const receipt = await sendDossierUpdate(...args);
  const stored = await readStored(deps, dossierId);
  // An older record would mean a store lost on the way: say so, do not show it.
  if (stored.revision < receipt.revision) throw errors.workflowUnavailable();
  return stored;
}

/**
 * A candidate's step on their own dossier, answered with the dossier as
 * stored. The scope check found it reachable: by reading it (`known`), or
 * from its id alone (routes with `dossierScope: 'id'`, api/access.ts).
 */
export async function applyCandidateStep(...args: Parameters<typeof sendDossierUpdate>): Promise<DossierView> {
  return viewDossier(await updateAndRead(...args), 'candidate');
}

export interface ReceivedFile {
  file: FileRef;
  /** The bytes' hash and the name (api/uploads.ts): what a retry under the same key must carry again. */
  fingerprint: string;
}

/**
 * Hands a stored upload to the dossier's workflow under the request's
 * Idempotency-Key. A retry sends the key's first file and deletes its own copy
 * (claimUploadKey says why). Only a clear refusal of a first attempt proves
 * the dossier will not use its file: it is deleted and the key freed. After a timeout the Update
 * may still land, so the file stays; the purge removes it later if no dossier
 * refers to it. `keyReused: 'new-action'` is the pages' rule (pageUpdateId):
 * a form sent again with another file is a new upload, not a 422.
 */
export async function attachUpload(
  deps: DossierServiceDeps,
  files: Pick<FileStore, 'delete'>,
  dossier: DossierState,
  target: FileTarget,
  received: ReceivedFile,
  scopedKey: string | undefined,
  keyReused: 'refuse' | 'new-action' = 'refuse',
): Promise<DossierView> {
  // Without a claim (no key, or the pages' new action) the request's own file and no Update id.
  let claimed: { updateId: string | undefined; file: FileRef; created: boolean } = { updateId: undefined, file: received.file, created: false };
  try {
    claimed = await claimUploadKey(deps.models, scopedKey, received.fingerprint, received.file);
  } catch (error) {
    const newAction = keyReused === 'new-action' && error instanceof AppError && error.code === 'IDEMPOTENCY_KEY_REUSED';
    if (!newAction) {
      await files.delete(received.file.fileId);
      throw error;
    }
  }
  if (claimed.file.fileId !== received.file.fileId) await files.delete(received.file.fileId);
  try {
    return await applyCandidateStep(deps, dossier.dossierId, 'edit', dossierUpdate(attachFileUpdate, { target, file: claimed.file }), claimed.updateId, dossier);
  } catch (error) {
    // A retry's refusal proves nothing of the first attempt (it may have landed before the dossier ended):
    // the first file is left to the purge, which keeps what the stored dossier refers to. A first attempt's
    // own refusal frees its key first (a concurrent retry then claims afresh, with its own file), then its file.
    const ownFile = claimed.file.fileId === received.file.fileId;
    if (ownFile && error instanceof AppError && error.statusCode < 500) {
      if (claimed.created) await releaseIdempotencyKey(deps.models, scopedKey);
      await files.delete(received.file.fileId);
    }
    throw error;
  }
}

/**
 * Checked before an upload is streamed in, so a locked dossier does not
 * receive 10 MB for nothing. The workflow's validator still has the last word.
 */
export function assertEditable(dossier: DossierState): void {
  const refusal = refusalOf('edit', dossier, Date.now());
  if (refusal) throw refusalError(refusal);
}

/**
 * "+ S'inscrire": starts the dossier's workflow, or finds the one already
 * running for this candidate and selection (the workflow id is the business
 * key), and answers once the dossier is stored.
 */
export async function openDossier(deps: DossierServiceDeps, selection: SelectionDoc, candidate: Candidate): Promise<{ dossier: DossierView; created: boolean }> {
  const now = new Date();
  const dossierId = dossierWorkflowId(selection._id, candidate.id);
  const existing = await deps.models.Dossier.findById(dossierId).lean();
  if (existing) return { dossier: viewDossier(existing.state as DossierState, 'candidate'), created: false };
  if (!isSelectionOpen(selection, now)) throw errors.selectionNotOpen(now < selection.opensAt ? 'notYetOpen' : 'closed');
  const training = await deps.models.Training.findById(selection.trainingId).lean();
  if (!training) throw errors.selectionNotFound();
  await rememberDossier(deps.models, candidate.id, dossierId);

  const start = new WithStartWorkflowOperation(dossierWorkflow, {
    workflowId: dossierId,
    taskQueue: deps.taskQueue,
    workflowIdConflictPolicy: 'USE_EXISTING',
    args: [
      {
        opening: {
          selectionId: selection._id,
          selectionTitle: selection.title,
          trainingTitle: training.title,
          candidate,
          closesAt: selection.closesAt.toISOString(),
          reminderOffsetsDays: [...(selection.reminderOffsetsDays ?? DEFAULT_REMINDER_OFFSETS_DAYS)],
          documentRequirements: (selection.documentRequirements ?? {}) as DocumentRequirements,
        },
      },
    ],
  });
  await callTemporal(deps.temporal, deps.temporalTimeoutMs, () => deps.temporal.workflow.executeUpdateWithStart(openDossierUpdate, { startWorkflowOperation: start }));
  return { dossier: viewDossier(await readStored(deps, dossierId), 'candidate'), created: true };
}

/** "Mes inscriptions": the candidate's dossiers, latest first. */
export async function listCandidateDossiers(deps: Pick<DossierServiceDeps, 'models'>, accountId: string): Promise<DossierView[]> {
  return (await candidateDossierStates(deps.models, accountId)).map((state) => viewDossier(state, 'candidate'));
}
