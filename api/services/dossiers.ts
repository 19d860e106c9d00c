import { type Client, QueryNotRegisteredError, WorkflowNotFoundError } from '@temporalio/client';
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
import { callTemporal } from './temporal-calls.js';

interface DossierServiceDeps {
  models: Pick<Models, 'Selection' | 'Training'>;
  temporal: Client;
  taskQueue: string;
  /** How long a call to Temporal may take before the API answers 503. */
  temporalTimeoutMs: number;
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
  await callTemporal(deps.temporal, deps.temporalTimeoutMs, () =>
    deps.temporal.workflow.start<typeof dossierWorkflow>('dossierWorkflow', {
    workflowId,
    taskQueue: deps.taskQueue,
    workflowIdConflictPolicy: 'USE_EXISTING',
    args: [{ selectionId: selection._id, trainingTitle: training.title, candidate, closesAt: selection.closesAt.toISOString() }],
    typedSearchAttributes: [
      { key: searchAttributes.status, value: 'DRAFT' },
      { key: searchAttributes.selection, value: selection._id },
      { key: searchAttributes.candidate, value: candidate.id },
    ],
    }),
  );
  return { dossierId: workflowId };
}

/** Who may read a dossier: its candidate, an administrator, or the office of its training. */
export interface Reader {
  accountId: string;
  role: 'candidate' | 'office' | 'admin';
  trainingIds: string[];
}

/**
 * The dossier as its workflow holds it right now. Anyone else's dossier is a
 * 404, exactly like a dossier that does not exist: nothing to learn by probing.
 */
export async function readDossier(deps: DossierServiceDeps, dossierId: string, reader: Reader): Promise<DossierView> {
  let dossier: DossierView;
  try {
    dossier = await callTemporal(deps.temporal, deps.temporalTimeoutMs, () => deps.temporal.workflow.getHandle(dossierId).query(getDossierQuery));
  } catch (error) {
    // Not found, or not a dossier workflow at all (no such query): the same 404 either way.
    if (error instanceof WorkflowNotFoundError || error instanceof QueryNotRegisteredError) throw errors.dossierNotFound();
    throw error;
  }
  if (!(await mayRead(deps, dossier, reader))) throw errors.dossierNotFound();
  return dossier;
}

async function mayRead(deps: DossierServiceDeps, dossier: DossierView, reader: Reader): Promise<boolean> {
  switch (reader.role) {
    case 'candidate':
      return dossier.candidate.id === reader.accountId;
    case 'admin':
      return true;
    case 'office': {
      const selection = await deps.models.Selection.findById(dossier.selectionId).lean();
      return Boolean(selection && reader.trainingIds.includes(selection.trainingId));
    }
  }
}
