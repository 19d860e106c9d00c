/**
 * Who read what: every read of a candidate's dossier or file by staff (the
 * API, the office's console and the exports) leaves a row here. The office
 * sees a dossier's reads beside its audit trail; the candidate finds them in
 * the export of their data. Rows go with the dossier (erasure, retention).
 */
import { randomUUID } from 'node:crypto';
import type { Models } from '../db/models.js';
import type { AuthContext } from './auth.js';
import type { StaffRead } from './schemas/staff.js';
import { actorOf } from './services/office.js';

export const STAFF_READ_KINDS = ['dossier', 'file', 'filesZip', 'csvExport'] as const;
export type StaffReadKind = (typeof STAFF_READ_KINDS)[number];

export const STAFF_READ_LABELS: Record<StaffReadKind, string> = {
  dossier: 'Consultation du dossier',
  file: "Consultation d'une pièce",
  filesZip: 'Téléchargement de toutes les pièces (ZIP)',
  csvExport: 'Export CSV de la sélection',
};


/** Records reads by staff; a candidate reading their own dossier is not traced. */
export async function recordStaffReads(models: Pick<Models, 'StaffRead'>, auth: AuthContext | null, dossierIds: readonly string[], kind: StaffReadKind, fileId?: string): Promise<void> {
  if (!auth || auth.account.role === 'candidate' || dossierIds.length === 0) return;
  const at = new Date();
  // Named as the audit trail names staff.
  const { name = '' } = actorOf(auth);
  const by = { id: auth.account._id, name, role: auth.account.role };
  await models.StaffRead.insertMany(dossierIds.map((dossierId) => ({ _id: randomUUID(), dossierId, at, kind, by, ...(fileId ? { fileId } : {}) })));
}

/** A dossier's reads by staff, oldest first. */
export async function staffReadsOf(models: Pick<Models, 'StaffRead'>, dossierId: string): Promise<StaffRead[]> {
  const rows = await models.StaffRead.find({ dossierId }).sort({ at: 1 }).lean();
  return rows.map((row) => ({
    at: row.at.toISOString(),
    kind: row.kind as StaffReadKind,
    label: STAFF_READ_LABELS[row.kind as StaffReadKind],
    by: { id: row.by.id ?? '', name: row.by.name ?? '', role: row.by.role ?? '' },
    ...(row.fileId ? { fileId: row.fileId } : {}),
  }));
}
