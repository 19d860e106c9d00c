/**
 * The dossier workflow's contract: every name the API, the worker, the tests
 * and the operators' tooling share. Nobody else spells these strings.
 *
 * This module is imported by workflow code, so it must stay deterministic and
 * free of Node APIs.
 */
import { defineSearchAttributeKey } from '@temporalio/common';
import { defineQuery } from '@temporalio/workflow';

export const DOSSIER_TASK_QUEUE = 'dossiers';

export const DOSSIER_STATUSES = [
  'DRAFT',
  'SUBMITTED',
  'CHANGES_REQUESTED',
  'VALIDATED',
  'REJECTED',
  'EXPIRED',
  'WITHDRAWN',
] as const;
export type DossierStatus = (typeof DOSSIER_STATUSES)[number];

/**
 * One dossier per candidate per selection: the workflow id is the business key,
 * so a second "+ S'inscrire" finds the dossier already running.
 */
export function dossierWorkflowId(selectionId: string, candidateId: string): string {
  return `dossier:${selectionId}:${candidateId}`;
}

/**
 * Custom search attributes upserted by the workflow so operators can find any
 * dossier in the Temporal Web UI. The dev server registers exactly this list.
 */
export const searchAttributes = {
  status: defineSearchAttributeKey('DossierStatus', 'KEYWORD'),
  selection: defineSearchAttributeKey('SelectionId', 'KEYWORD'),
  candidate: defineSearchAttributeKey('CandidateId', 'KEYWORD'),
} as const;

export interface Candidate {
  id: string;
  email: string;
  firstName: string;
  lastName: string;
}

export interface DossierWorkflowInput {
  selectionId: string;
  trainingTitle: string;
  candidate: Candidate;
  /** Closing date-time of the selection, ISO 8601 with offset. */
  closesAt: string;
}

/** The dossier as the workflow knows it; also what is stored in MongoDB. */
export interface DossierView {
  dossierId: string;
  selectionId: string;
  trainingTitle: string;
  candidate: Candidate;
  status: DossierStatus;
  closesAt: string;
  openedAt: string;
  /** Increases with every change, so a late activity retry never overwrites newer data. */
  revision: number;
}

export const getDossierQuery = defineQuery<DossierView>('getDossier');
