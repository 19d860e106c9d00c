/**
 * Who may reach what: the one scope rule, and the records it reads, kept on
 * the request for its handler.
 *
 * A candidate reaches their own dossiers; an office account the selections
 * (and their dossiers) of its trainings; an administrator everything. Out of
 * reach is a 404, exactly like a record that does not exist, so a probe
 * learns nothing. The check runs before the body is validated (and before a
 * multipart body is read), after the route's role check (onRequest).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Models, SelectionRecord } from '../db/models.js';
import type { DossierState } from '../domain/dossier-record.js';
import type { AuthContext } from './auth.js';
import { errors } from './errors.js';
import { dossierIdSchema, idSchema } from './schemas/common.js';
import { candidateOfDossierId } from '../workflows/dossier/contract.js';

export type SelectionDoc = SelectionRecord;

/** The trainings a staff account acts on: all of them for an administrator. */
export type StaffScope = 'all' | readonly string[];

export function staffScopeOf(account: AuthContext['account']): StaffScope {
  // Operators (and anyone else) reach no dossier through the API: they read the Temporal Web UI.
  return account.role === 'admin' ? 'all' : account.role === 'office' ? (account.trainingIds ?? []) : [];
}

/** The scope rule itself: nothing else compares an account with a training. */
export function inScope(scope: StaffScope, trainingId: string): boolean {
  return scope === 'all' || scope.includes(trainingId);
}

/** The same rule as a database filter on `trainingId`. */
export function scopeFilter(scope: StaffScope): Record<string, unknown> {
  return scope === 'all' ? {} : { trainingId: { $in: [...scope] } };
}

/** The selection, if `auth` may reach it (a candidate reaches any; staff their scope's); otherwise 404. */
export async function reachableSelection(models: Pick<Models, 'Selection'>, selectionId: string, auth: AuthContext): Promise<SelectionDoc> {
  const selection = await models.Selection.findById(selectionId).lean();
  if (!selection || (auth.account.role !== 'candidate' && !inScope(staffScopeOf(auth.account), selection.trainingId))) throw errors.selectionNotFound();
  return selection;
}

/** The stored dossier and its selection, if `auth` may reach it; otherwise 404. */
export async function reachableDossier(
  models: Pick<Models, 'Dossier' | 'Selection'>,
  dossierId: string,
  auth: AuthContext,
): Promise<{ dossier: DossierState; selection?: SelectionDoc }> {
  const record = await models.Dossier.findById(dossierId).lean();
  if (!record) throw errors.dossierNotFound();
  const dossier = record.state as DossierState;
  if (auth.account.role === 'candidate') {
    if (dossier.candidate.id !== auth.account._id) throw errors.dossierNotFound();
    return { dossier };
  }
  const selection = await models.Selection.findById(dossier.selectionId).lean();
  const scope = staffScopeOf(auth.account);
  // An administrator reaches every dossier, even one whose selection was removed.
  if (scope !== 'all' && (!selection || !inScope(scope, selection.trainingId))) throw errors.dossierNotFound();
  return { dossier, ...(selection ? { selection } : {}) };
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * 'id': the handler needs the dossier's id only (a candidate's step, which
     * the workflow judges): a candidate's own dossier is recognised by its id,
     * which names its candidate (dossierWorkflowId), and is not read. One
     * read of the whole dossier less per step; staff are still checked
     * against the dossier's training, which takes the read.
     */
    dossierScope?: 'id';
  }
  interface FastifyRequest {
    /** The dossier named in the path, as read (and found reachable) by the scope check. */
    scopedDossier?: DossierState;
    /** The id of the dossier named in the path, found reachable (read or not). */
    scopedDossierId?: string;
    /** The selection named in the path, or the scoped dossier's selection when staff read it. */
    scopedSelection?: SelectionDoc;
  }
}

/** Reads the records a request's path names, once, and refuses those out of reach. */
export function registerScopeCheck(app: FastifyInstance): void {
  app.decorateRequest('scopedDossier', undefined);
  app.decorateRequest('scopedDossierId', undefined);
  app.decorateRequest('scopedSelection', undefined);
  app.addHook('preValidation', async (request) => {
    const auth = request.auth;
    if (!auth) return;
    const params = (request.params ?? {}) as Record<string, unknown>;
    const { models } = app.deps.database;
    // A malformed id is left to validation (400); a well-formed one is looked up.
    if (typeof params.dossierId === 'string' && dossierIdSchema.safeParse(params.dossierId).success) {
      if (request.routeOptions.config.dossierScope === 'id' && auth.account.role === 'candidate') {
        // Another candidate's dossier, existing or not, is the same 404 as a read would give.
        if (candidateOfDossierId(params.dossierId) !== auth.account._id) throw errors.dossierNotFound();
        request.scopedDossierId = params.dossierId;
      } else {
        const { dossier, selection } = await reachableDossier(models, params.dossierId, auth);
        request.scopedDossier = dossier;
        request.scopedDossierId = dossier.dossierId;
        request.scopedSelection = selection;
      }
    }
    if (typeof params.selectionId === 'string' && idSchema.safeParse(params.selectionId).success) {
      request.scopedSelection = await reachableSelection(models, params.selectionId, auth);
    }
  });
}

/** The dossier the scope check read for this request (a route with `:dossierId` and a role check). */
export function scopedDossierOf(request: FastifyRequest): DossierState {
  if (!request.scopedDossier) throw errors.dossierNotFound();
  return request.scopedDossier;
}

/** The id of the dossier the scope check found reachable (a route with `:dossierId` and a role check). */
export function scopedDossierIdOf(request: FastifyRequest): string {
  if (!request.scopedDossierId) throw errors.dossierNotFound();
  return request.scopedDossierId;
}

/** The selection the scope check read for this request. */
export function scopedSelectionOf(request: FastifyRequest): SelectionDoc {
  if (!request.scopedSelection) throw errors.selectionNotFound();
  return request.scopedSelection;
}
