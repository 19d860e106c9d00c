/**
 * Erasing personal data: one dossier (retention, activities/retention.ts) or
 * a whole account at its owner's request (workflows/accounts/erasure.ts).
 * Everything a dossier left goes: its record, its files, the staff's reads of
 * it, the e-mails' idempotency rows and its workflow's history on the
 * Temporal server. Every step is idempotent: a retried activity finds less to do.
 */
import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { isGrpcServiceError } from '@temporalio/client';
import type { FileStore } from '../db/files.js';
import type { Models } from '../db/models.js';
import { filesOf } from '../domain/dossier.js';
import { OPEN_STATUSES } from '../domain/dossier-lifecycle.js';
import type { DossierState } from '../domain/dossier-record.js';
import { ERASURE_BLOCKING_STATUSES } from '../domain/retention.js';
import { withdrawUpdate } from '../workflows/dossier/contract.js';
import { SEARCH_ATTRIBUTES } from '../workflows/search-attributes.js';

export interface ErasureDependencies {
  models: Pick<Models, 'Dossier' | 'SentEmail' | 'StaffRead' | 'Account' | 'AccountToken' | 'Session'>;
  files: Pick<FileStore, 'delete'>;
  /** To withdraw running dossiers and delete closed histories. */
  temporal: Client;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Deletes one workflow's history from the Temporal server (running, it is terminated first); gone already is done. */
async function deleteHistory(temporal: Client, workflowId: string): Promise<boolean> {
  try {
    await temporal.workflowService.deleteWorkflowExecution({ namespace: temporal.options.namespace, workflowExecution: { workflowId } });
    return true;
  } catch (error) {
    // NOT_FOUND (5): removed already, by an earlier attempt or by the namespace's retention.
    if (error instanceof WorkflowNotFoundError || (isGrpcServiceError(error) && error.code === 5)) return false;
    throw error;
  }
}

/** Deletes every history a visibility query finds (an account's e-mails, a candidate's dossiers). */
async function deleteHistories(temporal: Client, query: string, done: Set<string>): Promise<void> {
  // Visibility lags the deletion a few seconds: what was deleted already is not asked again.
  for await (const execution of temporal.workflow.list({ query })) {
    if (!done.has(execution.workflowId) && (await deleteHistory(temporal, execution.workflowId))) done.add(execution.workflowId);
  }
}

export function createErasure({ models, files, temporal }: ErasureDependencies) {
  /** Everything one dossier left behind. Returns how many files went. */
  async function eraseDossier(dossierId: string): Promise<{ files: number }> {
    const record = await models.Dossier.findById(dossierId).lean();
    const fileIds = record ? filesOf(record.state as DossierState).map((file) => file.fileId) : [];
    // The history first: a workflow still running is terminated, so no late store brings the record back.
    // A retry after a crash finds the history gone (done) and the record still there, and goes on.
    await deleteHistory(temporal, dossierId);
    for (const fileId of fileIds) await files.delete(fileId);
    await models.StaffRead.deleteMany({ dossierId });
    await models.SentEmail.deleteMany({ _id: { $regex: `^${escapeRegExp(dossierId)}:` } });
    await models.Dossier.deleteOne({ _id: dossierId });
    return { files: fileIds.length };
  }

  return {
    eraseDossier,

    /** "Supprimer mon compte", first step: the dossiers still open are withdrawn, as the candidate would. */
    async withdrawOpenDossiers(accountId: string): Promise<{ withdrawn: number }> {
      const open = await models.Dossier.find({ 'candidate.id': accountId, status: { $in: [...OPEN_STATUSES] } }, { _id: 1 }).lean();
      for (const { _id } of open) {
        // Same Update id on every attempt: a retried activity does not withdraw twice.
        const handle = temporal.workflow.getHandle(_id);
        await handle.executeUpdate(withdrawUpdate, { updateId: `erasure-withdraw:${_id}` });
        // Withdrawn, the workflow sends its e-mail and ends: erasing after that leaves nothing in flight.
        await handle.result();
      }
      return { withdrawn: open.length };
    },

    /** "Supprimer mon compte", last step: the account and all it holds. */
    async eraseAccount(accountId: string): Promise<{ dossiers: number; files: number; histories: number }> {
      const dossiers = await models.Dossier.find({ 'candidate.id': accountId }, { _id: 1, status: 1 }).lean();
      // Checked by the API before; a dossier declared meanwhile is the office's to handle, not ours to erase.
      if (dossiers.some((dossier) => ERASURE_BLOCKING_STATUSES.includes(dossier.status as never))) {
        throw ApplicationFailure.nonRetryable('a dossier is under review or validated: the account is kept', 'ErasureRefused');
      }
      let fileCount = 0;
      for (const { _id } of dossiers) fileCount += (await eraseDossier(_id)).files;
      // The dossiers' histories went with them; these queries find the rest (e-mails about the account, a dossier whose record was lost).
      const histories = new Set(dossiers.map((dossier) => dossier._id));
      await deleteHistories(temporal, `${SEARCH_ATTRIBUTES.candidate.name} = '${accountId}'`, histories);
      await deleteHistories(temporal, `${SEARCH_ATTRIBUTES.account.name} = '${accountId}'`, histories);
      await models.Session.deleteMany({ accountId });
      await models.AccountToken.deleteMany({ accountId });
      await models.Account.deleteOne({ _id: accountId });
      return { dossiers: dossiers.length, files: fileCount, histories: histories.size };
    },
  };
}

export type Erasure = ReturnType<typeof createErasure>;
