/** The office creates and edits its selections, and puts their downloadable forms. */
import type { FastifyRequest } from 'fastify';
import { isDuplicateKeyError } from '../../db/errors.js';
import type { FileStore } from '../../db/files.js';
import type { Models } from '../../db/models.js';
import { inScope, type SelectionDoc, staffScopeOf } from '../access.js';
import type { AuthContext } from '../auth.js';
import { AppError, errors } from '../errors.js';
import type { NewSelection, SelectionChanges, SelectionSummary } from '../schemas/selection.js';
import { receiveUpload } from '../uploads.js';
import { findSelection } from './selections.js';

/** A new admission round for a training of the office's. */
export async function createSelection(models: Pick<Models, 'Selection' | 'Training'>, auth: AuthContext, input: NewSelection): Promise<SelectionSummary> {
  // A training outside the office's scope is as unknown as a selection would be.
  if (!inScope(staffScopeOf(auth.account), input.trainingId)) throw errors.selectionNotFound();
  if (!(await models.Training.exists({ _id: input.trainingId }))) {
    throw new AppError('VALIDATION_FAILED', "Cette formation n'existe pas.", [{ field: 'body.trainingId', code: 'UNKNOWN', message: 'formation inconnue' }]);
  }
  const opensAt = new Date(input.opensAt);
  const closesAt = new Date(input.closesAt);
  assertDates(opensAt, closesAt);
  try {
    const { id, ...fields } = input;
    await models.Selection.create({ _id: id, ...fields, opensAt, closesAt });
  } catch (error) {
    if (isDuplicateKeyError(error)) {
      throw new AppError('SELECTION_EXISTS', 'Une sélection porte déjà cet identifiant.', [{ field: 'body.id', code: 'TAKEN', message: 'identifiant déjà pris' }]);
    }
    throw error;
  }
  return (await findSelection(models, input.id, new Date()))!;
}

/**
 * Edits a selection (found in scope by the scope check). The closing date only
 * moves through the extension (which the open dossiers follow); documents per
 * situation apply to dossiers opened from now on, each dossier keeping the
 * list it opened with.
 */
export async function updateSelection(models: Pick<Models, 'Selection' | 'Training'>, selection: SelectionDoc, changes: SelectionChanges): Promise<SelectionSummary> {
  const { opensAt, ...rest } = changes;
  if (opensAt) assertDates(new Date(opensAt), selection.closesAt);
  await models.Selection.updateOne({ _id: selection._id }, { $set: { ...rest, ...(opensAt ? { opensAt: new Date(opensAt) } : {}) } });
  return (await findSelection(models, selection._id, new Date()))!;
}

/** "Justificatif de statut salarié" → "justificatif-de-statut-salarie". */
function slugOf(title: string): string {
  return title.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 64);
}

function assertDates(opensAt: Date, closesAt: Date): void {
  if (!(closesAt.getTime() > opensAt.getTime())) {
    throw new AppError('VALIDATION_FAILED', "La date de clôture doit suivre la date d'ouverture.", [
      { field: 'body.closesAt', code: 'NOT_LATER', message: "postérieure à l'ouverture" },
    ]);
  }
}

/** Adds or replaces one of the selection's downloadable forms (a PDF); a replaced file is deleted. */
export async function putSelectionForm(
  models: Pick<Models, 'Selection' | 'Training'>,
  files: FileStore,
  request: FastifyRequest,
  selection: SelectionDoc,
  params: { formId?: string; title?: string; maxBytes: number },
): Promise<SelectionSummary> {
  // The API names the form in its address; a page's form sends its title before the file, and the id is made from it.
  const { file, fields } = await receiveUpload(request, files, { maxBytes: params.maxBytes, metadata: { purpose: 'downloadableForm', selectionId: selection._id }, fields: params.title === undefined ? ['title'] : [] });
  const title = (params.title ?? fields.title ?? '').trim();
  const formId = params.formId ?? slugOf(title);
  if (!title || title.length > 200 || !formId) {
    await files.delete(file.fileId);
    throw new AppError('VALIDATION_FAILED', 'Donnez un titre au document (200 caractères au plus).', [{ field: 'body.title', code: 'REQUIRED', message: 'titre du document obligatoire' }]);
  }
  if (file.contentType !== 'application/pdf') {
    await files.delete(file.fileId);
    throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Un document téléchargeable doit être un PDF.');
  }
  const previous = (selection.downloadableForms ?? []).find((form) => form.id === formId);
  const forms = [...(selection.downloadableForms ?? []).filter((form) => form.id !== formId), { id: formId, title, fileId: file.fileId, filename: file.filename }];
  await models.Selection.updateOne({ _id: selection._id }, { $set: { downloadableForms: forms } });
  if (previous?.fileId) await files.delete(String(previous.fileId));
  return (await findSelection(models, selection._id, new Date()))!;
}
