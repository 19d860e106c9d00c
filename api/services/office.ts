import type { Client } from '@temporalio/client';
import type { Models } from '../../db/models.js';
import { DOCUMENT_LABELS, missingItems, SITUATIONS } from '../../domain/dossier.js';
import { formatParisDateTime } from '../../domain/paris-time.js';
import {
  type Actor,
  DOSSIER_STATUSES,
  type DossierState,
  type DossierStatus,
  effectiveDeadline,
  extendCandidateDeadlineUpdate,
  rejectUpdate,
  requestChangesUpdate,
  reviewDocumentUpdate,
  validateUpdate,
} from '../../workflows/dossier/contract.js';
import type { AuthContext } from '../auth.js';
import { errors } from '../errors.js';
import { type DossierServiceDeps, dossierUpdate, runDossierUpdate, type DossierView, viewDossier } from './dossiers.js';

/** The staff member as the audit trail names them. */
export function actorOf(auth: AuthContext): Actor {
  return { type: 'staff', id: auth.account._id, name: `${auth.account.firstName} ${auth.account.lastName}` };
}

/** The selection, if this staff member's scope includes it; otherwise 404, like one that does not exist. */
export async function selectionInScope(models: Pick<Models, 'Selection'>, selectionId: string, auth: AuthContext) {
  const selection = await models.Selection.findById(selectionId).lean();
  if (!selection) throw errors.selectionNotFound();
  if (auth.account.role !== 'admin' && !(auth.account.trainingIds ?? []).includes(selection.trainingId)) throw errors.selectionNotFound();
  return selection;
}

export interface DossierListQuery {
  status?: DossierStatus;
  complete?: boolean;
  q?: string;
  sort: 'lastName' | 'submittedAt' | 'updatedAt' | 'status';
  order: 'asc' | 'desc';
  page: number;
  pageSize: number;
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A selection's dossiers for the office: filtered, searched, sorted, paginated, with counts per status. */
export async function listSelectionDossiers(models: Pick<Models, 'Selection' | 'Dossier' | 'Account'>, selectionId: string, auth: AuthContext, query: DossierListQuery) {
  await selectionInScope(models, selectionId, auth);
  const filter: Record<string, unknown> = { selectionId };
  if (query.status) filter.status = query.status;
  if (query.complete !== undefined) filter.missingCount = query.complete ? 0 : { $gt: 0 };
  if (query.q) {
    const pattern = new RegExp(escapeRegex(query.q.trim()), 'i');
    const byIdentifier = await models.Account.find({ identifier: pattern }, { _id: 1 }).lean();
    filter.$or = [
      { 'candidate.lastName': pattern },
      { 'candidate.firstName': pattern },
      { 'candidate.email': pattern },
      { 'candidate.id': { $in: byIdentifier.map((a) => a._id) } },
    ];
  }
  const sortField = { lastName: 'candidate.lastName', submittedAt: 'submittedAt', updatedAt: 'updatedAt', status: 'status' }[query.sort];
  const direction = query.order === 'asc' ? 1 : -1;
  const [records, total, all] = await Promise.all([
    models.Dossier.find(filter)
      .sort({ [sortField]: direction, _id: 1 })
      .skip((query.page - 1) * query.pageSize)
      .limit(query.pageSize)
      .lean(),
    models.Dossier.countDocuments(filter),
    models.Dossier.find({ selectionId }, { status: 1 }).lean(),
  ]);
  // Counted here rather than by $group: a few hundred statuses per selection, and no reliance on FerretDB's aggregation.
  const counts = Object.fromEntries(DOSSIER_STATUSES.map((status) => [status, 0])) as Record<DossierStatus, number>;
  for (const record of all) counts[record.status as DossierStatus] += 1;
  return {
    items: records.map((record) => viewDossier(record.state as DossierState)),
    total,
    page: query.page,
    pageSize: query.pageSize,
    counts: { ...counts, total: all.length },
  };
}

export type Decision =
  | { decision: 'validate' }
  | { decision: 'requestChanges'; comment: string; items: string[]; respondBy?: string }
  | { decision: 'reject'; reason: string };

/** Validate, ask for changes or reject: one Update on the dossier's workflow, recorded with who and when. */
export async function decide(deps: DossierServiceDeps, state: DossierState, auth: AuthContext, decision: Decision, updateId?: string): Promise<DossierView> {
  const by = actorOf(auth);
  switch (decision.decision) {
    case 'validate': {
      const selection = await deps.models.Selection.findById(state.selectionId).lean();
      const paymentTerms = selection?.paymentTerms ?? '';
      return runDossierUpdate(deps, state, dossierUpdate(validateUpdate, { by, paymentTerms }), updateId);
    }
    case 'requestChanges':
      return runDossierUpdate(
        deps,
        state,
        dossierUpdate(requestChangesUpdate, { by, comment: decision.comment, items: decision.items, ...(decision.respondBy ? { respondBy: decision.respondBy } : {}) }),
        updateId,
      );
    case 'reject':
      return runDossierUpdate(deps, state, dossierUpdate(rejectUpdate, { by, reason: decision.reason }), updateId);
  }
}

/** The office's verdict on one submitted file: accepted, or refused with a comment. */
export async function reviewDocument(
  deps: DossierServiceDeps,
  state: DossierState,
  auth: AuthContext,
  review: { fileId: string; verdict: 'accepted' | 'refused'; comment?: string },
  updateId?: string,
): Promise<DossierView> {
  return runDossierUpdate(deps, state, dossierUpdate(reviewDocumentUpdate, { by: actorOf(auth), ...review }), updateId);
}

/** One candidate's own deadline, moved later. */
export async function extendCandidateDeadline(
  deps: DossierServiceDeps,
  state: DossierState,
  auth: AuthContext,
  deadline: string,
  updateId?: string,
): Promise<DossierView> {
  return runDossierUpdate(deps, state, dossierUpdate(extendCandidateDeadlineUpdate, { by: actorOf(auth), deadline }), updateId);
}

const CSV_COLUMNS = [
  'Dossier',
  'Statut',
  'Nom',
  'Prénom',
  'E-mail',
  'Téléphone',
  'Date de naissance',
  'Ville',
  'Situation',
  'Pièces déposées',
  'Éléments manquants',
  'Diplômes',
  'Expériences',
  'Déclaré complet le',
  'Date limite',
  'Décision le',
] as const;

const STATUS_LABELS: Record<DossierStatus, string> = {
  DRAFT: 'En cours de saisie',
  SUBMITTED: 'Complet, à étudier',
  CHANGES_REQUESTED: 'Modifications demandées',
  VALIDATED: 'Validé',
  REJECTED: 'Non retenu',
  EXPIRED: 'Clos (incomplet)',
  WITHDRAWN: 'Retiré',
};

export function csvCell(value: string | number | undefined): string {
  let text = value === undefined ? '' : String(value);
  // A cell starting like a formula would run as one in Excel (CSV injection): make it plain text.
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[";\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * A selection's dossiers as CSV for French Excel: UTF-8 with BOM, ";" as
 * separator, CRLF line ends, one row per dossier, dates in Paris time.
 */
export async function exportSelectionCsv(models: Pick<Models, 'Selection' | 'Dossier'>, selectionId: string, auth: AuthContext): Promise<{ filename: string; csv: string }> {
  const selection = await selectionInScope(models, selectionId, auth);
  const records = await models.Dossier.find({ selectionId }).sort({ 'candidate.lastName': 1, _id: 1 }).lean();
  const rows = records.map((record) => {
    const state = record.state as DossierState;
    const situation = SITUATIONS.find((s) => s.code === state.situation?.status)?.label;
    return [
      state.dossierId,
      STATUS_LABELS[state.status],
      state.civilStatus?.lastName ?? state.candidate.lastName,
      state.civilStatus?.firstNames ?? state.candidate.firstName,
      state.candidate.email,
      state.civilStatus?.phone,
      state.civilStatus?.birthDate,
      state.civilStatus?.address.city,
      situation,
      Object.keys(state.documents).map((kind) => DOCUMENT_LABELS[kind as keyof typeof DOCUMENT_LABELS]).join(', '),
      missingItems(state).map((item) => item.label).join(' | '),
      state.diplomas.length,
      state.experiences.length,
      state.submittedAt ? formatParisDateTime(state.submittedAt) : undefined,
      formatParisDateTime(effectiveDeadline(state)),
      state.decision ? formatParisDateTime(state.decision.at) : undefined,
    ];
  });
  const lines = [CSV_COLUMNS, ...rows].map((row) => row.map(csvCell).join(';'));
  return { filename: `dossiers-${selection._id}.csv`, csv: `\uFEFF${lines.join('\r\n')}\r\n` };
}

/** Names inside the ZIP: the step and the file's own name, unique, with no path parts. */
export function zipEntries(state: DossierState): { fileId: string; name: string }[] {
  const used = new Set<string>();
  // Names are checked at upload; this also keeps older or odd ones ("..", a path) from breaking the archive.
  const clean = (text: string) => text.replace(/[\\/:*?"<>|\u0000-\u001f]/g, '_').replace(/^\.+$/, '_') || '_';
  const entries: { fileId: string; name: string }[] = [];
  const add = (folder: string, file: { fileId: string; filename: string }) => {
    let name = `${folder}/${clean(file.filename)}`;
    for (let n = 2; used.has(name); n += 1) name = `${folder}/${n}-${clean(file.filename)}`;
    used.add(name);
    entries.push({ fileId: file.fileId, name });
  };
  for (const [kind, file] of Object.entries(state.documents)) if (file) add(`pieces-obligatoires/${kind}`, file);
  state.diplomas.forEach((d, i) => d.document && add(`diplomes/${i + 1}`, d.document));
  state.experiences.forEach((e, i) => e.proof && add(`experiences/${i + 1}`, e.proof));
  return entries;
}
