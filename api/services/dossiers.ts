import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import type { Models } from '../../db/models.js';
import {
  type Candidate,
  type DossierView,
  dossierWorkflowId,
  getDossierQuery,
  searchAttributes,
} from '../../workflows/dossier/contract.js';
import type { dossierWorkflow } from '../../workflows/dossier/workflow.js';
import { errors } from '../errors.js';
import { isSelectionOpen } from './selections.js';

interface DossierServiceDeps {
  models: Pick<Models, 'Selection' | 'Training'>;
  temporal: Client;
  taskQueue: string;
}

/**
 * "+ S'inscrire": starts the dossier's workflow, or finds the one already
 * running for this candidate and selection (the workflow id is the business key).
 */
export async function openDossier(deps: DossierServiceDeps, selectionId: string, candidate: Candidate): Promise<{ dossierId: string }> {
  const selection = await deps.models.Selection.findById(selectionId);
  if (!selection) throw errors.selectionNotFound();
  const now = new Date();
  if (!isSelectionOpen(selection, now)) throw errors.selectionNotOpen(now < selection.opensAt ? 'notYetOpen' : 'closed');
  const training = await deps.models.Training.findById(selection.trainingId);
  if (!training) throw errors.selectionNotFound();

  const workflowId = dossierWorkflowId(selection._id, candidate.id);
  await deps.temporal.workflow.start<typeof dossierWorkflow>('dossierWorkflow', {
    workflowId,
    taskQueue: deps.taskQueue,
    workflowIdConflictPolicy: 'USE_EXISTING',
    args: [{ selectionId: selection._id, trainingTitle: training.title, candidate, closesAt: selection.closesAt.toISOString() }],
    typedSearchAttributes: [
      { key: searchAttributes.status, value: 'DRAFT' },
      { key: searchAttributes.selection, value: selection._id },
      { key: searchAttributes.candidate, value: candidate.id },
    ],
  });
  return { dossierId: workflowId };
}

/** The dossier as its workflow holds it right now. */
export async function readDossier(deps: Pick<DossierServiceDeps, 'temporal'>, dossierId: string): Promise<DossierView> {
  try {
    return await deps.temporal.workflow.getHandle(dossierId).query(getDossierQuery);
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) throw errors.dossierNotFound();
    throw error;
  }
}
