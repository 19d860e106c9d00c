/**
 * The e-mail an office decision sends the candidate, as data: built the same
 * way by the workflow (which sends it) and by the office's console (which
 * shows it before the decision is confirmed). Imported by workflow code: pure.
 */
import { effectiveDeadline } from '../domain/dossier-lifecycle.js';
import type { DossierState } from '../domain/dossier-record.js';
import type { EmailTemplate } from './templates.js';

export type DecisionEmailInput =
  | { decision: 'validate'; paymentTerms: string }
  | { decision: 'requestChanges'; comment: string }
  | { decision: 'reject'; reason: string };

/** For a request for changes, `dossier` is the dossier once the request is recorded (its items, its deadline). */
export function decisionEmail(dossier: Pick<DossierState, 'trainingTitle' | 'closesAt' | 'deadline' | 'changesRequested'>, input: DecisionEmailInput): EmailTemplate {
  switch (input.decision) {
    case 'validate':
      return { kind: 'dossierValidated', trainingTitle: dossier.trainingTitle, paymentTerms: input.paymentTerms };
    case 'reject':
      return { kind: 'dossierRejected', trainingTitle: dossier.trainingTitle, reason: input.reason };
    case 'requestChanges':
      return { kind: 'dossierChangesRequested', trainingTitle: dossier.trainingTitle, comment: input.comment, items: dossier.changesRequested?.items ?? [], respondBy: effectiveDeadline(dossier) };
  }
}
