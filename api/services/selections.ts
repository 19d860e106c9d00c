import { type RetentionMonths, retentionOf } from '../../domain/retention.js';
import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import type { Models } from '../../db/models.js';
import { DOCUMENT_LABELS, type DocumentRequirements, requiredDocuments, SITUATIONS } from '../../domain/dossier.js';
import { LIVE_STATUSES } from '../../domain/dossier-lifecycle.js';
import { isSelectionOpen } from '../../domain/selection.js';
import { extendDeadlineSignal } from '../../workflows/dossier/contract.js';
import { type SelectionDoc, type StaffScope, scopeFilter } from '../access.js';
import { AppError } from '../errors.js';
import { API_PREFIX } from '../prefix.js';
import type { SelectionSummary } from '../schemas/selection.js';
import { callTemporal } from './temporal-calls.js';

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
export async function extendSelectionClosingDate(
  deps: { models: Pick<Models, 'Selection' | 'Dossier'>; temporal: Client; temporalTimeoutMs: number },
  selection: SelectionDoc,
  closesAt: Date,
): Promise<{ dossiersUpdated: number; dossiersFailed: number }> {
  // The same date again is a re-send to the dossiers (after a partial failure), not an error.
  if (closesAt.getTime() < selection.closesAt.getTime()) {
    throw new AppError('DEADLINE_NOT_LATER', 'La date de clôture ne peut être que repoussée : choisissez une date postérieure à la date actuelle.', [
      { field: 'body.closesAt', code: 'NOT_LATER', message: `postérieure au ${selection.closesAt.toISOString()}` },
    ]);
  }
  await deps.models.Selection.updateOne({ _id: selection._id }, { $set: { closesAt } });
  const live = await deps.models.Dossier.find({ selectionId: selection._id, status: { $in: [...LIVE_STATUSES] } }, { _id: 1 }).lean();
  const results = await Promise.allSettled(
    live.map((dossier) =>
      callTemporal(deps.temporal, deps.temporalTimeoutMs, () =>
        deps.temporal.workflow.getHandle(dossier._id).signal(extendDeadlineSignal, { closesAt: closesAt.toISOString() }),
      ),
    ),
  );
  // A dossier whose workflow just ended needs nothing; one not reached checks the selection before expiring anyway.
  const failed = results.filter((r) => r.status === 'rejected' && !(r.reason instanceof WorkflowNotFoundError)).length;
  return { dossiersUpdated: results.filter((r) => r.status === 'fulfilled').length, dossiersFailed: failed };
}
