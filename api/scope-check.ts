import type { FastifyInstance } from 'fastify';
import { dossierIdSchema } from './schemas.js';
import { findReadableDossier, readerOf } from './services/dossiers.js';
import { selectionInScope } from './services/office.js';

/**
 * Who may touch what, checked before a request's body is validated (and
 * before a multipart body is read): a dossier the account may not see, or
 * (for staff) a selection outside its trainings, is a 404 exactly like one
 * that does not exist, so a probe learns nothing from a 400 about the body. Runs after the route's own role check
 * (onRequest); the services check again where they load the record.
 */
export function registerScopeCheck(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    const auth = request.auth;
    if (!auth) return;
    const params = (request.params ?? {}) as Record<string, unknown>;
    const { models } = app.deps.database;
    // A malformed id is left to validation (400); a well-formed one is looked up.
    if (typeof params.dossierId === 'string' && dossierIdSchema.safeParse(params.dossierId).success) await findReadableDossier({ models }, params.dossierId, readerOf(auth));
    if (typeof params.selectionId === 'string' && auth.account.role !== 'candidate') await selectionInScope(models, params.selectionId, auth);
  });
}
