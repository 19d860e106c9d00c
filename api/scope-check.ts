import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { DossierState } from '../workflows/dossier/contract.js';
import { authOf } from './auth.js';
import { dossierIdSchema } from './schemas.js';
import { findReadableDossier, readerOf } from './services/dossiers.js';
import { selectionInScope } from './services/office.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The dossier named in the path, as read (and found readable) by the scope check. */
    scopedDossier?: DossierState;
  }
}

/**
 * Who may touch what, checked before a request's body is validated (and
 * before a multipart body is read): a dossier the account may not see, or
 * (for staff) a selection outside its trainings, is a 404 exactly like one
 * that does not exist, so a probe learns nothing from a 400 about the body. Runs after the route's own role check
 * (onRequest). The dossier it read is kept on the request for the handler
 * (`readableDossierOf`): one read of the record per request, not three.
 */
export function registerScopeCheck(app: FastifyInstance): void {
  app.decorateRequest('scopedDossier', undefined);
  app.addHook('preValidation', async (request) => {
    const auth = request.auth;
    if (!auth) return;
    const params = (request.params ?? {}) as Record<string, unknown>;
    const { models } = app.deps.database;
    // A malformed id is left to validation (400); a well-formed one is looked up.
    if (typeof params.dossierId === 'string' && dossierIdSchema.safeParse(params.dossierId).success) {
      request.scopedDossier = await findReadableDossier({ models }, params.dossierId, readerOf(auth));
    }
    if (typeof params.selectionId === 'string' && auth.account.role !== 'candidate') await selectionInScope(models, params.selectionId, auth);
  });
}

/** The dossier of the request's path, readable by its account: the scope check's read, or a fresh one. */
export async function readableDossierOf(request: FastifyRequest, dossierId: string): Promise<DossierState> {
  if (request.scopedDossier?.dossierId === dossierId) return request.scopedDossier;
  return findReadableDossier({ models: request.server.deps.database.models }, dossierId, readerOf(authOf(request)));
}
