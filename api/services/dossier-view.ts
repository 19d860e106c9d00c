/**
 * The dossier as a screen needs it, from its stored state: what remains, the
 * steps with their names, the documents it asks for, its deadline, and
 * whether it can still change. The office sees everything; a candidate sees
 * their dossier without the office's internals (audit trail, reviews, who
 * decided, the workflow's bookkeeping).
 */
import { DOCUMENT_LABELS, dossierRequiredDocuments, missingItems, stepProgress } from '../../domain/dossier.js';
import { effectiveDeadline, isEditable } from '../../domain/dossier-lifecycle.js';
import type { DossierState } from '../../domain/dossier-record.js';
import { type DossierView, OFFICE_ONLY_FIELDS } from '../schemas/dossier.js';

export type Audience = 'candidate' | 'staff';

export function viewDossier(state: DossierState, audience: Audience, now = Date.now()): DossierView {
  const view: DossierView = {
    ...state,
    // Dossiers opened before the selection's own title was kept show the training's.
    selectionTitle: state.selectionTitle ?? state.trainingTitle,
    editable: isEditable(state, now),
    effectiveDeadline: effectiveDeadline(state),
    requiredDocuments: dossierRequiredDocuments(state).map((kind) => ({ kind, label: DOCUMENT_LABELS[kind], uploaded: Boolean(state.documents[kind]) })),
    progress: { steps: stepProgress(state), missing: missingItems(state) },
  };
  if (audience === 'staff') return view;
  for (const field of Object.keys(OFFICE_ONLY_FIELDS) as (keyof typeof OFFICE_ONLY_FIELDS)[]) delete view[field];
  if (view.decision) view.decision = { ...view.decision, by: { type: 'staff' } };
  // The request for changes is what the candidate answers; once answered and decided, it is history.
  if (state.status !== 'CHANGES_REQUESTED') delete view.changesRequested;
  return view;
}
