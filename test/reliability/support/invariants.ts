import mongoose from 'mongoose';
import { WorkflowNotFoundError } from '@temporalio/client';
import { isDeepStrictEqual } from 'node:util';
import type { CaughtEmail } from '../../../dev/mail-catcher.js';
import { filesOf } from '../../../domain/dossier.js';
import type { DossierState } from '../../../domain/dossier-record.js';
import { getDossierQuery } from '../../../workflows/dossier/contract.js';
import { eventually } from '../../support/eventually.js';
import type { System } from './system.js';
import { type ApiClient } from '../../support/api-client.js';
import { inParallel, officeValidates } from '../../support/journey.js';

/** The dossier as its workflow holds it (a closed workflow answers the query too, from its history). */
export async function workflowState(system: System, dossierId: string): Promise<DossierState> {
  return system.temporal.workflow.getHandle(dossierId).query(getDossierQuery);
}

export interface DossierAudit {
  dossiers: number;
  /** Record in MongoDB differs from the workflow's state. */
  recordMismatches: string[];
  /** A step the journey did once appears other than once in the dossier. */
  stepCountErrors: string[];
  /** GridFS files of the dossier that it does not refer to (left for the hourly purge). */
  unreferencedFiles: number;
  /** Files the dossier refers to that GridFS does not have. */
  missingFiles: string[];
}

/** Each journey step is in the dossier exactly once, and the database says what the workflow says. */
export async function auditDossiers(system: System, dossierIds: string[], expectedStatus: DossierState['status']): Promise<DossierAudit> {
  const audit: DossierAudit = { dossiers: dossierIds.length, recordMismatches: [], stepCountErrors: [], unreferencedFiles: 0, missingFiles: [] };
  const bucket = system.database.connection.db!.collection('files.files');
  for (const dossierId of dossierIds) {
    let state: DossierState;
    try {
      state = await workflowState(system, dossierId);
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) {
        audit.recordMismatches.push(`${dossierId}: no workflow`);
        continue;
      }
      throw error;
    }
    const record = await system.database.models.Dossier.findById(dossierId).lean();
    const recorded = record ? JSON.parse(JSON.stringify(record.state)) : undefined;
    const held = JSON.parse(JSON.stringify(state));
    if (!record || !isDeepStrictEqual(recorded, held)) {
      // Which fields differ, to tell a lost store from a clock or an order.
      const differing = record ? [...new Set([...Object.keys(recorded), ...Object.keys(held)])].filter((key) => !isDeepStrictEqual(recorded[key], held[key])) : [];
      const detail = differing.map((key) => `${key}: ${JSON.stringify(recorded[key]).slice(-300)} ≠ ${JSON.stringify(held[key]).slice(-300)}`).join('; ');
      audit.recordMismatches.push(`${dossierId}: record revision ${record?.revision ?? 'none'} / workflow revision ${state.revision}${detail ? ` (${detail})` : ''}`);
    }
    if (state.status !== expectedStatus) audit.stepCountErrors.push(`${dossierId}: status ${state.status}, expected ${expectedStatus}`);
    const counts = new Map<string, number>();
    for (const entry of state.history ?? []) counts.set(entry.action, (counts.get(entry.action) ?? 0) + 1);
    const expect = (what: string, actual: number, wanted: number) => {
      if (actual !== wanted) audit.stepCountErrors.push(`${dossierId}: ${what} ${actual} times, expected ${wanted}`);
    };
    expect('diplomas', state.diplomas.length, 1);
    expect('experiences', state.experiences.length, 1);
    expect('documents', Object.keys(state.documents).length, 3);
    expect('civilStatus.saved', counts.get('civilStatus.saved') ?? 0, 1);
    expect('situation.saved', counts.get('situation.saved') ?? 0, 1);
    expect('diploma.saved', counts.get('diploma.saved') ?? 0, 1);
    expect('experience.saved', counts.get('experience.saved') ?? 0, 1);
    expect('file.attached', counts.get('file.attached') ?? 0, 5);
    expect('declared.complete', counts.get('declared.complete') ?? 0, 1);
    const referenced = new Set(filesOf(state).map((file) => file.fileId));
    const stored = await bucket.find({ 'metadata.dossierId': dossierId }).project({ _id: 1 }).toArray();
    const storedIds = new Set(stored.map((file) => String(file._id)));
    audit.unreferencedFiles += [...storedIds].filter((id) => !referenced.has(id)).length;
    for (const file of filesOf(state).filter((ref) => !storedIds.has(ref.fileId))) {
      const trail = (state.history ?? []).map((entry) => `${entry.at} ${entry.action} ${entry.detail ?? ''}`).join(' | ');
      const chunks = await system.database.connection.db!.collection('files.chunks').countDocuments({ files_id: new mongoose.mongo.ObjectId(file.fileId) });
      audit.missingFiles.push(`${dossierId}: ${file.fileId} (${file.filename}, ${chunks} chunks left); trail: ${trail}`);
    }
  }
  return audit;
}

export interface EmailAudit {
  messages: number;
  distinctKeys: number;
  /** Keys delivered more than once (SMTP deliveries, counted raw). */
  duplicates: string[];
  /** Keys whose copies differ (Message-ID, subject or text): two different messages for one purpose. */
  differingCopies: string[];
}

/**
 * E-mails by their idempotency key (header X-Candidature-Key): each should
 * arrive once. A copy resent after a worker died between the relay's 250 and
 * our record carries the same Message-ID (mail clients show it once); a copy
 * that differs would be a second message, which must never happen.
 */
export function auditEmails(emails: CaughtEmail[]): EmailAudit {
  const byKey = new Map<string, CaughtEmail[]>();
  for (const email of emails) byKey.set(keyOf(email), [...(byKey.get(keyOf(email)) ?? []), email]);
  const fingerprint = (email: CaughtEmail) => JSON.stringify([email.headers.get('message-id'), email.subject, email.text, email.to]);
  const repeated = [...byKey].filter(([, copies]) => copies.length > 1);
  return {
    messages: emails.length,
    distinctKeys: byKey.size,
    duplicates: repeated.map(([key, copies]) => `${key} ×${copies.length}`),
    differingCopies: repeated.filter(([, copies]) => new Set(copies.map(fingerprint)).size > 1).map(([key]) => key),
  };
}

/** The key an e-mail was sent under (`<dossier id>:<purpose>`), from its header. */
export const keyOf = (email: CaughtEmail) => String(email.headers.get('x-candidature-key') ?? '');

/**
 * Waits until an e-mail arrived for every expected key (a key ending in ":" is
 * a prefix, e.g. "…:submitted:" whatever the revision); on time-out, says
 * which are missing and what the first one's workflow is doing.
 */
export async function waitForEmails(system: System, expected: string[], timeoutMs: number): Promise<void> {
  const missing = () => {
    const keys = system.emails.map(keyOf);
    return expected.filter((wanted) => !keys.some((key) => (wanted.endsWith(':') ? key.startsWith(wanted) : key === wanted)));
  };
  try {
    await eventually(async () => missing().length === 0, timeoutMs);
  } catch (error) {
    const absent = missing();
    const dossierId = absent[0]!.split(':').slice(0, 3).join(':');
    const description = await system.temporal.workflow.getHandle(dossierId).describe();
    throw new Error(
      `${(error as Error).message}: ${absent.length} missing, e.g. ${absent.slice(0, 3).join(', ')}; ${dossierId} is ${description.status.name}, ` +
        `pending activities ${JSON.stringify(description.raw.pendingActivities)}`,
    );
  }
}

/**
 * The end of a fault scenario: the office validates every dossier (retrying as
 * a client would), the three e-mails of each arrive, then the dossiers and the
 * e-mails are audited.
 */
export async function validateAndAudit(system: System, office: ApiClient, dossierIds: string[], emailTimeoutMs = 120_000) {
  await inParallel(dossierIds, 5, (dossierId) => officeValidates(office, dossierId));
  await waitForEmails(system, dossierIds.flatMap((id) => [`${id}:opened`, `${id}:submitted:`, `${id}:validated`]), emailTimeoutMs);
  await new Promise((resolve) => setTimeout(resolve, 3_000)); // room for a late duplicate to show up
  const dossiers = await auditDossiers(system, dossierIds, 'VALIDATED');
  const emails = auditEmails(system.emails);
  const summary = { ...dossiers, recordMismatches: dossiers.recordMismatches.length, stepCountErrors: dossiers.stepCountErrors.length };
  return { dossiers, emails, summary };
}
