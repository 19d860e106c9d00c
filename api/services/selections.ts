import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import type { Models } from '../../db/models.js';
import { extendDeadlineSignal } from '../../workflows/dossier/contract.js';
import { AppError, errors } from '../errors.js';
import { callTemporal } from './temporal-calls.js';
import { DOCUMENT_LABELS, type DocumentRequirements, requiredDocuments, SITUATIONS } from '../../domain/dossier.js';

/** For each situation, the documents to upload: the same rule the workflow applies. */
export function documentsBySituation(requirements?: DocumentRequirements) {
  return SITUATIONS.map((situation) => ({
    situation: situation.code,
    label: situation.label,
    documents: requiredDocuments(situation.code, requirements).map((kind) => ({ kind, label: DOCUMENT_LABELS[kind] })),
  }));
}

export interface SelectionSummary {
  id: string;
  title: string;
  training: { id: string; title: string; diploma: string };
  opensAt: string;
  closesAt: string;
  isOpen: boolean;
  officeContact: { name: string; email: string; phone?: string };
  reminderOffsetsDays: number[];
  capacity?: number;
  paymentTerms: string;
  requiredDocuments: ReturnType<typeof documentsBySituation>;
  downloadableForms: { id: string; title: string; filename: string; url: string }[];
}

/** The one rule for "open": opened already and not yet closed. */
export function isSelectionOpen(selection: { opensAt: Date; closesAt: Date }, now: Date): boolean {
  return selection.opensAt.getTime() <= now.getTime() && now.getTime() < selection.closesAt.getTime();
}

type SelectionModels = Pick<Models, 'Selection' | 'Training'>;

async function summarize(models: SelectionModels, selections: Awaited<ReturnType<Models['Selection']['find']>>, now: Date) {
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
        downloadableForms: (selection.downloadableForms ?? []).map((form) => ({
          id: String(form.id),
          title: String(form.title),
          filename: String(form.filename),
          url: `/selections/${selection._id}/forms/${form.id}`,
        })),
      },
    ];
  });
}

export async function listOpenSelections(models: SelectionModels, now: Date): Promise<SelectionSummary[]> {
  const selections = await models.Selection.find({ opensAt: { $lte: now }, closesAt: { $gt: now } }).sort({ closesAt: 1, _id: 1 });
  return summarize(models, selections, now);
}

export async function findSelection(models: SelectionModels, selectionId: string, now: Date): Promise<SelectionSummary | null> {
  const selection = await models.Selection.findById(selectionId);
  if (!selection) return null;
  const [summary] = await summarize(models, [selection], now);
  return summary ?? null;
}

/** Every selection of the given trainings ('all' for an administrator), latest closing first. */
export async function listSelectionsForStaff(models: SelectionModels, trainingIds: string[] | 'all', now: Date): Promise<SelectionSummary[]> {
  const filter = trainingIds === 'all' ? {} : { trainingId: { $in: trainingIds } };
  const selections = await models.Selection.find(filter).sort({ closesAt: -1, _id: 1 });
  return summarize(models, selections, now);
}

/**
 * Moves a selection's closing date later: the selection first (dossiers check
 * it before they expire, so even a missed signal cannot close one early), then
 * every open dossier at once, by signal.
 */
export async function extendSelectionClosingDate(
  deps: { models: Pick<Models, 'Selection' | 'Dossier'>; temporal: Client; temporalTimeoutMs: number },
  selectionId: string,
  closesAt: Date,
  scope: string[] | 'all',
): Promise<{ dossiersUpdated: number; dossiersFailed: number }> {
  const selection = await deps.models.Selection.findById(selectionId);
  if (!selection || (scope !== 'all' && !scope.includes(selection.trainingId))) throw errors.selectionNotFound();
  // The same date again is a re-send to the dossiers (after a partial failure), not an error.
  if (closesAt.getTime() < selection.closesAt.getTime()) {
    throw new AppError('DEADLINE_NOT_LATER', 'La date de clôture ne peut être que repoussée : choisissez une date postérieure à la date actuelle.', [
      { field: 'body.closesAt', message: `postérieure au ${selection.closesAt.toISOString()}` },
    ]);
  }
  await deps.models.Selection.updateOne({ _id: selectionId }, { $set: { closesAt } });
  const open = await deps.models.Dossier.find({ selectionId, status: { $in: ['DRAFT', 'SUBMITTED'] } }, { _id: 1 }).lean();
  const results = await Promise.allSettled(
    open.map((dossier) =>
      callTemporal(deps.temporal, deps.temporalTimeoutMs, () =>
        deps.temporal.workflow.getHandle(dossier._id).signal(extendDeadlineSignal, { closesAt: closesAt.toISOString() }),
      ),
    ),
  );
  // A dossier whose workflow just ended needs nothing; one not reached checks the selection before expiring anyway.
  const failed = results.filter((r) => r.status === 'rejected' && !(r.reason instanceof WorkflowNotFoundError)).length;
  return { dossiersUpdated: results.filter((r) => r.status === 'fulfilled').length, dossiersFailed: failed };
}
