import { type RetentionMonths, retentionOf } from '../../domain/retention.js';
import { type Client, isGrpcServiceError } from '@temporalio/client';
// The package is CommonJS: Node's ESM loader offers its exports on the default import only.
import proto from '@temporalio/proto';
import { randomUUID } from 'node:crypto';
import type { Models } from '../../db/models.js';
import { DOCUMENT_LABELS, type DocumentRequirements, requiredDocuments, SITUATIONS } from '../../domain/dossier.js';
import { LIVE_STATUSES } from '../../domain/dossier-lifecycle.js';
import { isSelectionOpen } from '../../domain/selection.js';
import { extendDeadlineSignal } from '../../workflows/dossier/contract.js';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes.js';
import { type SelectionDoc, type StaffScope, scopeFilter } from '../access.js';
import { AppError } from '../errors.js';
import { API_PREFIX } from '../prefix.js';
import type { SelectionSummary } from '../schemas/selection.js';
import { callTemporal } from './temporal-calls.js';

const GRPC_NOT_FOUND = 5;

/** For each situation, the documents to upload: the same rule the workflow applies. */
export function documentsBySituation(requirements?: DocumentRequirements) {
  return SITUATIONS.map((situation) => ({
    situation: situation.code,
    label: situation.label,
    documents: requiredDocuments(situation.code, requirements).map((kind) => ({ kind, label: DOCUMENT_LABELS[kind] })),
  }));
}

type SelectionModels = Pick<Models, 'Selection' | 'Training'>;

/** A selection's « documents téléchargeables », each with the address it is downloaded from. */
export function downloadableFormsOf(selection: SelectionDoc): SelectionSummary['downloadableForms'] {
  return (selection.downloadableForms ?? []).map((form) => ({
    id: String(form.id),
    title: String(form.title),
    filename: String(form.filename),
    url: `${API_PREFIX}/selections/${selection._id}/forms/${form.id}`,
  }));
}

async function summarize(models: SelectionModels, selections: SelectionDoc[], now: Date): Promise<SelectionSummary[]> {
  const trainingIds = [...new Set(selections.map((s) => s.trainingId))];
  const trainings = new Map((await models.Training.find({ _id: { $in: trainingIds } }).lean()).map((t) => [t._id, t]));
  return selections.flatMap((selection): SelectionSummary[] => {
    const training = trainings.get(selection.trainingId);
    if (!training) return [];
    const contact = selection.officeContact;
    return [
      {
        id: selection._id,
        title: selection.title,
        training: { id: training._id, title: training.title, diploma: training.diploma },
        opensAt: selection.opensAt.toISOString(),
        closesAt: selection.closesAt.toISOString(),
        isOpen: isSelectionOpen(selection, now),
        officeContact: { name: contact.name, email: contact.email, ...(contact.phone ? { phone: contact.phone } : {}) },
        reminderOffsetsDays: [...(selection.reminderOffsetsDays ?? [])],
        requiredDocuments: documentsBySituation(selection.documentRequirements as DocumentRequirements | undefined),
        ...(selection.capacity ? { capacity: selection.capacity } : {}),
        paymentTerms: selection.paymentTerms ?? '',
        retentionMonths: retentionOf(selection as { retentionMonths?: Partial<RetentionMonths> }),
        downloadableForms: downloadableFormsOf(selection),
      },
    ];
  });
}

export async function listOpenSelections(models: SelectionModels, now: Date): Promise<SelectionSummary[]> {
  const selections = await models.Selection.find({ opensAt: { $lte: now }, closesAt: { $gt: now } }).sort({ closesAt: 1, _id: 1 }).lean();
  return summarize(models, selections, now);
}

export async function findSelection(models: SelectionModels, selectionId: string, now: Date): Promise<SelectionSummary | null> {
  const selection = await models.Selection.findById(selectionId).lean();
  return selection ? summarizeOne(models, selection, now) : null;
}

/** One selection already read (by the scope check, say) as the API shows it. */
export async function summarizeOne(models: SelectionModels, selection: SelectionDoc, now: Date): Promise<SelectionSummary | null> {
  const [summary] = await summarize(models, [selection], now);
  return summary ?? null;
}

/** Every selection in a staff member's scope, latest closing first. */
export async function listSelectionsForStaff(models: SelectionModels, scope: StaffScope, now: Date): Promise<SelectionSummary[]> {
  const selections = await models.Selection.find(scopeFilter(scope)).sort({ closesAt: -1, _id: 1 }).lean();
  return summarize(models, selections, now);
}

/**
 * Moves a selection's closing date later: the selection first (dossiers check
 * it before they expire, so even a missed signal cannot close one early), then
 * every live dossier at once, by signal (a dossier declared complete too: a
 * request for changes would open it again until that date).
 */
/** Notifications per second of a closing-date batch: 5,000 dossiers are told in under a minute, within the server's own limit. */
const CLOSING_DATE_BATCH_RPS = 100;

/** The batch job that tells a selection's dossiers; its id names the selection, so a job is only read through it. */
const closingDateJobPrefix = (selectionId: string) => `closing-date:${selectionId}:`;

/**
 * Moves a selection's closing date later. The record is updated first; then
 * the engine tells every dossier still running, with a batch operation (a
 * signal to each workflow that visibility finds for the selection): durable,
 * retried by the server, resumable, and visible in the Web UI's « Batch
 * Operations » page — not thousands of calls held by one HTTP request. A
 * dossier the batch misses (opened a second before, not in visibility yet)
 * still reads the selection's date before it closes.
 */
export async function extendSelectionClosingDate(
  deps: { models: Pick<Models, 'Selection' | 'Dossier'>; temporal: Client; temporalTimeoutMs: number },
  selection: SelectionDoc,
  closesAt: Date,
): Promise<{ dossiersToNotify: number; batchJobId: string }> {
  // The same date again is a re-send to the dossiers, not an error.
  if (closesAt.getTime() < selection.closesAt.getTime()) {
    throw new AppError('DEADLINE_NOT_LATER', 'La date de clôture ne peut être que repoussée : choisissez une date postérieure à la date actuelle.', [
      { field: 'body.closesAt', code: 'NOT_LATER', message: `postérieure au ${selection.closesAt.toISOString()}` },
    ]);
  }
  await deps.models.Selection.updateOne({ _id: selection._id }, { $set: { closesAt } });
  const dossiersToNotify = await deps.models.Dossier.countDocuments({ selectionId: selection._id, status: { $in: [...LIVE_STATUSES] } });
  const batchJobId = `${closingDateJobPrefix(selection._id)}${randomUUID()}`;
  // The signal's argument goes through the client's converter and codec, as any signal's would: encrypted.
  const converter = deps.temporal.options.loadedDataConverter;
  let payloads = [converter.payloadConverter.toPayload({ closesAt: closesAt.toISOString() })];
  for (const codec of converter.payloadCodecs) payloads = await codec.encode(payloads);
  await callTemporal(deps.temporal, deps.temporalTimeoutMs, () =>
    deps.temporal.workflowService.startBatchOperation({
      namespace: deps.temporal.options.namespace,
      jobId: batchJobId,
      reason: `closing date of selection ${selection._id} moved to ${closesAt.toISOString()}`,
      visibilityQuery: `${SEARCH_ATTRIBUTES.selection.name} = '${selection._id}' AND WorkflowType = 'dossierWorkflow' AND ExecutionStatus = 'Running'`,
      signalOperation: { signal: extendDeadlineSignal.name, input: { payloads }, identity: 'candidature-api' },
      maxOperationsPerSecond: CLOSING_DATE_BATCH_RPS,
    }),
  );
  return { dossiersToNotify, batchJobId };
}

export type ClosingDateProgress = { state: 'running' | 'completed' | 'failed'; total: number; done: number; failed: number };

/** Where a closing-date batch stands, for the office (null: not this selection's, or not found). */
export async function closingDateProgress(
  deps: { temporal: Client; temporalTimeoutMs: number },
  selection: SelectionDoc,
  batchJobId: string,
): Promise<ClosingDateProgress | null> {
  if (!batchJobId.startsWith(closingDateJobPrefix(selection._id))) return null;
  try {
    const job = await callTemporal(deps.temporal, deps.temporalTimeoutMs, () =>
      deps.temporal.workflowService.describeBatchOperation({ namespace: deps.temporal.options.namespace, jobId: batchJobId }),
    );
    const { BatchOperationState } = proto.temporal.api.enums.v1;
    const state = job.state === BatchOperationState.BATCH_OPERATION_STATE_COMPLETED ? 'completed' : job.state === BatchOperationState.BATCH_OPERATION_STATE_FAILED ? 'failed' : 'running';
    return { state, total: Number(job.totalOperationCount ?? 0), done: Number(job.completeOperationCount ?? 0), failed: Number(job.failureOperationCount ?? 0) };
  } catch (error) {
    if (isGrpcServiceError(error) && error.code === GRPC_NOT_FOUND) return null;
    throw error;
  }
}
