/**
 * Erasing personal data: one dossier (retention, activities/retention.ts) or
 * a whole account at its owner's request (workflows/accounts/erasure.ts).
 * Everything a dossier left goes: its record, its files, the staff's reads of
 * it, the e-mails' idempotency rows and its workflow's history on the
 * Temporal server. Every step is idempotent: a retried activity finds less to do.
 */
import { type Client, isGrpcServiceError, WorkflowFailedError, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { dropDossierList, forgetDossier } from '../db/candidate-dossiers.js';
import type { FileStore } from '../db/files.js';
import { escapeRegex } from '../db/regex.js';
import type { Models } from '../db/models.js';
import { filesOf } from '../domain/dossier.js';
import { OPEN_STATUSES } from '../domain/dossier-lifecycle.js';
import type { DossierState } from '../domain/dossier-record.js';
import { ERASURE_BLOCKING_STATUSES } from '../domain/retention.js';
import { withdrawUpdate } from '../workflows/dossier/contract.js';
import { SEARCH_ATTRIBUTES } from '../workflows/search-attributes.js';

export interface ErasureDependencies {
  models: Pick<Models, 'Dossier' | 'ErasedDossier' | 'SentEmail' | 'StaffRead' | 'Account' | 'AccountToken' | 'Session' | 'CandidateDossier'>;
  files: Pick<FileStore, 'delete'>;
  /** To withdraw running dossiers and delete closed histories. */
  temporal: Client;
}

const GRPC_NOT_FOUND = 5;
const GRPC_FAILED_PRECONDITION = 9;
const isGone = (error: unknown) => error instanceof WorkflowNotFoundError || (isGrpcServiceError(error) && error.code === GRPC_NOT_FOUND);

/** Deletes one run's history from the Temporal server (running, it is terminated first); gone already is done. */
async function deleteRun(temporal: Client, workflowId: string, runId?: string): Promise<boolean> {
  try {
    await temporal.workflowService.deleteWorkflowExecution({ namespace: temporal.options.namespace, workflowExecution: { workflowId, ...(runId ? { runId } : {}) } });
    return true;
  } catch (error) {
    // Removed already, by an earlier attempt or by the namespace's retention.
    if (isGone(error)) return false;
    throw error;
  }
}

/**
 * Deletes every run a visibility query finds (a dossier's earlier runs, before
 * continue-as-new, are runs of their own), and the current run of `workflowId`
 * (which visibility may not show yet). Visibility lags a deletion a few seconds:
 * runs deleted already (`done`, "workflowId/runId") are not asked again.
 */
async function deleteHistories(temporal: Client, query: string, done: Set<string>, workflowId?: string): Promise<void> {
  if (workflowId && (await deleteRun(temporal, workflowId))) done.add(`${workflowId}/current`);
  for await (const execution of temporal.workflow.list({ query })) {
    const key = `${execution.workflowId}/${execution.runId}`;
    if (!done.has(key) && (await deleteRun(temporal, execution.workflowId, execution.runId))) done.add(key);
  }
}

/** How many workflows the runs in `done` belong to. */
const workflowsIn = (done: Set<string>) => new Set([...done].map((key) => key.slice(0, key.lastIndexOf('/')))).size;

export function createErasure({ models, files, temporal }: ErasureDependencies) {
  /** Everything one dossier left behind. Returns how many files went. */
  async function eraseDossier(dossierId: string, done = new Set<string>()): Promise<{ files: number }> {
    const record = await models.Dossier.findById(dossierId).lean();
    const fileIds = record ? filesOf(record.state as DossierState).map((file) => file.fileId) : [];
    // A store already in flight when its workflow is terminated must not bring the record back: storeDossier
    // checks this tombstone when it finds no record (activities/index.ts). Kept a day (purgeExpiredRecords).
    await models.ErasedDossier.updateOne({ _id: dossierId }, { $set: { erasedAt: new Date() } }, { upsert: true });
    // The histories first (every run): a workflow still running is terminated. A retry after a crash finds
    // them gone (done) and the record still there, and goes on.
    await deleteHistories(temporal, `WorkflowId = '${dossierId}'`, done, dossierId);
    for (const fileId of fileIds) await files.delete(fileId);
    await models.StaffRead.deleteMany({ dossierId });
    await models.SentEmail.deleteMany({ _id: { $regex: `^${escapeRegex(dossierId)}:` } });
    await models.Dossier.deleteOne({ _id: dossierId });
    // « Mes inscriptions » no longer names it (the id says which selection the candidate applied to).
    if (record) await forgetDossier(models, record.candidate.id, dossierId);
    return { files: fileIds.length };
  }

  return {
    eraseDossier,

    /** "Supprimer mon compte", first step: the dossiers still open are withdrawn, as the candidate would. */
    async withdrawOpenDossiers(accountId: string): Promise<{ withdrawn: number }> {
      const open = await models.Dossier.find({ 'candidate.id': accountId, status: { $in: [...OPEN_STATUSES] } }, { _id: 1 }).lean();
      let withdrawn = 0;
      for (const { _id } of open) {
        const handle = temporal.workflow.getHandle(_id);
        try {
          // Same Update id on every attempt: a retried activity does not withdraw twice.
          await handle.executeUpdate(withdrawUpdate, { updateId: `erasure-withdraw:${_id}` });
          withdrawn += 1;
          // Withdrawn, the workflow sends its e-mail and ends: erasing after that leaves nothing in flight.
          await handle.result();
        } catch (error) {
          // Refused (it ended meanwhile), closed, failed or gone: nothing to withdraw; the erasure deletes it all the same.
          const settled =
            error instanceof WorkflowUpdateFailedError ||
            error instanceof WorkflowFailedError ||
            isGone(error) ||
            (isGrpcServiceError(error) && error.code === GRPC_FAILED_PRECONDITION);
          if (!settled) throw error;
        }
      }
      return { withdrawn };
    },

    /** "Supprimer mon compte", last step: the account and all it holds. */
    async eraseAccount(accountId: string): Promise<{ dossiers: number; files: number; histories: number }> {
      const dossiers = await models.Dossier.find({ 'candidate.id': accountId }, { _id: 1, status: 1 }).lean();
      // Checked by the API before; a dossier declared meanwhile is the office's to handle, not ours to erase.
      if (dossiers.some((dossier) => ERASURE_BLOCKING_STATUSES.includes(dossier.status as never))) {
        throw ApplicationFailure.nonRetryable('a dossier is under review or validated: the account is kept', 'ErasureRefused');
      }
      let fileCount = 0;
      const done = new Set<string>();
      for (const { _id } of dossiers) fileCount += (await eraseDossier(_id, done)).files;
      // The dossiers' histories went with them; these queries find the rest (e-mails about the account, a dossier whose record was lost).
      await deleteHistories(temporal, `${SEARCH_ATTRIBUTES.candidate.name} = '${accountId}'`, done);
      await deleteHistories(temporal, `${SEARCH_ATTRIBUTES.account.name} = '${accountId}'`, done);
      await models.Session.deleteMany({ accountId });
      await models.AccountToken.deleteMany({ accountId });
      await dropDossierList(models, accountId);
      await models.Account.deleteOne({ _id: accountId });
      return { dossiers: dossiers.length, files: fileCount, histories: workflowsIn(done) };
    },
  };
}

export type Erasure = ReturnType<typeof createErasure>;
