import type { FastifyRequest } from 'fastify';
import type { FileStore } from '../../db/files.js';
import type { Models } from '../../db/models.js';
import type { DocumentRequirements } from '../../domain/dossier.js';
import type { AuthContext } from '../auth.js';
import { AppError, errors } from '../errors.js';
import { receiveUpload } from '../uploads.js';
import { findSelection, type SelectionSummary } from './selections.js';

export interface SelectionFields {
  title: string;
  opensAt: Date;
  closesAt: Date;
  capacity?: number;
  documentRequirements?: DocumentRequirements;
  reminderOffsetsDays?: number[];
  paymentTerms?: string;
  officeContact: { name: string; email: string; phone?: string };
}

function assertTrainingInScope(auth: AuthContext, trainingId: string): void {
  if (auth.account.role !== 'admin' && !(auth.account.trainingIds ?? []).includes(trainingId)) throw errors.selectionNotFound();
}

/** A new admission round for a training of the office's. */
export async function createSelection(models: Pick<Models, 'Selection' | 'Training'>, auth: AuthContext, input: SelectionFields & { id: string; trainingId: string }): Promise<SelectionSummary> {
  assertTrainingInScope(auth, input.trainingId);
  if (!(await models.Training.exists({ _id: input.trainingId }))) {
    throw new AppError('VALIDATION_FAILED', "Cette formation n'existe pas.", [{ field: 'body.trainingId', message: 'formation inconnue' }]);
  }
  assertDates(input.opensAt, input.closesAt);
  try {
    const { id, ...fields } = input;
    await models.Selection.create({ _id: id, ...fields });
  } catch (error) {
    if ((error as { code?: number }).code === 11000) throw new AppError('SELECTION_EXISTS', 'Une sélection porte déjà cet identifiant.', [{ field: 'body.id', message: 'identifiant déjà pris' }]);
    throw error;
  }
  return (await findSelection(models, input.id, new Date()))!;
}

/**
 * Edits a selection. The closing date only moves through the extension
 * (which the open dossiers follow); documents per situation apply to dossiers
 * opened from now on, each dossier keeping the list it opened with.
 */
export async function updateSelection(
  models: Pick<Models, 'Selection' | 'Training'>,
  auth: AuthContext,
  selectionId: string,
  changes: Partial<Omit<SelectionFields, 'closesAt'>>,
): Promise<SelectionSummary> {
  const selection = await models.Selection.findById(selectionId).lean();
  if (!selection) throw errors.selectionNotFound();
  assertTrainingInScope(auth, selection.trainingId);
  if (changes.opensAt) assertDates(changes.opensAt, selection.closesAt);
  await models.Selection.updateOne({ _id: selectionId }, { $set: changes });
  return (await findSelection(models, selectionId, new Date()))!;
}

function assertDates(opensAt: Date, closesAt: Date): void {
  if (!(closesAt.getTime() > opensAt.getTime())) {
    throw new AppError('VALIDATION_FAILED', "La date de clôture doit suivre la date d'ouverture.", [{ field: 'body.closesAt', message: "postérieure à l'ouverture" }]);
  }
}

/** Adds or replaces one of the selection's downloadable forms (a PDF); a replaced file is deleted. */
export async function putSelectionForm(
  models: Pick<Models, 'Selection' | 'Training'>,
  files: FileStore,
  request: FastifyRequest,
  auth: AuthContext,
  params: { selectionId: string; formId: string; title: string; maxBytes: number },
): Promise<SelectionSummary> {
  const selection = await models.Selection.findById(params.selectionId).lean();
  if (!selection) throw errors.selectionNotFound();
  assertTrainingInScope(auth, selection.trainingId);
  const file = await receiveUpload(request, files, { maxBytes: params.maxBytes, metadata: { purpose: 'downloadableForm', selectionId: params.selectionId } });
  if (file.contentType !== 'application/pdf') {
    await files.delete(file.fileId);
    throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Un document téléchargeable doit être un PDF.');
  }
  const previous = (selection.downloadableForms ?? []).find((form) => form.id === params.formId);
  const forms = [
    ...(selection.downloadableForms ?? []).filter((form) => form.id !== params.formId),
    { id: params.formId, title: params.title, fileId: file.fileId, filename: file.filename },
  ];
  await models.Selection.updateOne({ _id: params.selectionId }, { $set: { downloadableForms: forms } });
  if (previous?.fileId) await files.delete(String(previous.fileId));
  return (await findSelection(models, params.selectionId, new Date()))!;
}
