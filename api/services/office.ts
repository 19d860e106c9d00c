import { escapeRegex } from '../../db/regex.js';
import type { Models } from '../../db/models.js';
import type { Decision, DocumentReviewInput } from '../../domain/decisions.js';
import { DOCUMENT_LABELS, missingItems, SITUATIONS } from '../../domain/dossier.js';
import { DOSSIER_STATUSES, type DossierStatus, effectiveDeadline, STATUS_LABELS } from '../../domain/dossier-lifecycle.js';
import type { Actor, DossierState } from '../../domain/dossier-record.js';
import { formatParisDateTime } from '../../domain/paris-time.js';
import {
  extendCandidateDeadlineUpdate,
  rejectUpdate,
  requestChangesUpdate,
  reviewDocumentUpdate,
  validateUpdate,
} from '../../workflows/dossier/contract.js';
import type { SelectionDoc } from '../access.js';
import type { AuthContext } from '../auth.js';
import type { DossierView } from '../schemas/dossier.js';
import type { DossierList, DossierListQuery } from '../schemas/staff.js';
import { viewDossier } from './dossier-view.js';
import { type DossierServiceDeps, type DossierUpdate, dossierUpdate, updateAndRead } from './dossiers.js';
import type { DossierAction } from '../../domain/dossier-lifecycle.js';

/** The staff member as the audit trail names them. */
export function actorOf(auth: AuthContext): Actor {
  return { type: 'staff', id: auth.account._id, name: `${auth.account.firstName} ${auth.account.lastName}` };
}

/** A selection's dossiers for the office: filtered, searched, sorted, paginated, with counts per status. */
export async function listSelectionDossiers(models: Pick<Models, 'Dossier' | 'Account'>, selection: SelectionDoc, query: DossierListQuery): Promise<DossierList> {
  const filter: Record<string, unknown> = { selectionId: selection._id };
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
  const [records, total, { counts, selectionTotal }] = await Promise.all([
    models.Dossier.find(filter)
      .sort({ [sortField]: direction, _id: 1 })
      .skip((query.page - 1) * query.pageSize)
      .limit(query.pageSize)
      .lean(),
    models.Dossier.countDocuments(filter),
    statusCounts(models, selection._id),
  ]);
  return { items: records.map((record) => viewDossier(record.state as DossierState, 'staff')), total, page: query.page, pageSize: query.pageSize, counts, selectionTotal };
}

/** A selection's dossiers per status, unfinished ones included, and their total. */
export async function statusCounts(models: Pick<Models, 'Dossier'>, selectionId: string): Promise<Pick<DossierList, 'counts' | 'selectionTotal'>> {
  const all = await models.Dossier.find({ selectionId }, { status: 1 }).lean();
  // Counted here rather than by $group: a few hundred statuses per selection, and no reliance on FerretDB's aggregation.
  const counts = Object.fromEntries(DOSSIER_STATUSES.map((status) => [status, 0])) as Record<DossierStatus, number>;
  for (const record of all) counts[record.status as DossierStatus] += 1;
  return { counts, selectionTotal: all.length };
}

/** An office action on a dossier (found reachable by the scope check), answered with the office's view. */
async function applyOfficeAction(deps: DossierServiceDeps, dossier: DossierState, action: DossierAction, update: DossierUpdate, updateId?: string): Promise<DossierView> {
  return viewDossier(await updateAndRead(deps, dossier.dossierId, action, update, updateId, dossier), 'staff');
}

/** Validate, ask for changes or reject: one Update on the dossier's workflow, recorded with who and when. */
export async function decide(deps: DossierServiceDeps, dossier: DossierState, selection: SelectionDoc, auth: AuthContext, decision: Decision, updateId?: string): Promise<DossierView> {
  const by = actorOf(auth);
  switch (decision.decision) {
    case 'validate':
      return applyOfficeAction(deps, dossier, 'validate', dossierUpdate(validateUpdate, { by, paymentTerms: selection.paymentTerms ?? '' }), updateId);
    case 'requestChanges': {
      const { decision: _decision, ...request } = decision;
      return applyOfficeAction(deps, dossier, 'requestChanges', dossierUpdate(requestChangesUpdate, { by, ...request }), updateId);
    }
    case 'reject':
      return applyOfficeAction(deps, dossier, 'reject', dossierUpdate(rejectUpdate, { by, reason: decision.reason }), updateId);
  }
}

/** The office's verdict on one submitted file: accepted, or refused with a comment. */
export async function reviewDocument(deps: DossierServiceDeps, dossier: DossierState, auth: AuthContext, review: DocumentReviewInput, updateId?: string): Promise<DossierView> {
  return applyOfficeAction(deps, dossier, 'reviewDocument', dossierUpdate(reviewDocumentUpdate, { by: actorOf(auth), ...review }), updateId);
}

/** One candidate's own deadline, moved later. */
export async function extendCandidateDeadline(deps: DossierServiceDeps, dossier: DossierState, auth: AuthContext, deadline: string, updateId?: string): Promise<DossierView> {
  return applyOfficeAction(deps, dossier, 'extendCandidateDeadline', dossierUpdate(extendCandidateDeadlineUpdate, { by: actorOf(auth), deadline }), updateId);
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
export async function exportSelectionCsv(models: Pick<Models, 'Dossier'>, selection: SelectionDoc): Promise<{ filename: string; csv: string; dossierIds: string[] }> {
  const records = await models.Dossier.find({ selectionId: selection._id }).sort({ 'candidate.lastName': 1, _id: 1 }).lean();
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
  return { filename: `dossiers-${selection._id}.csv`, csv: `\uFEFF${lines.join('\r\n')}\r\n`, dossierIds: records.map((record) => record._id) };
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
