import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { authOf, requireStaff } from '../auth.js';
import { errorSchema, idSchema, sessionSecurity } from '../schemas.js';
import { extendSelectionClosingDate, listSelectionsForStaff } from '../services/selections.js';
import { selectionSchema } from './selections.js';

export const staffRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/staff/selections/:selectionId/closing-date',
    {
      preHandler: requireStaff,
      schema: {
        tags: ['staff'],
        summary: 'Repousser la date de clôture des inscriptions',
        description:
          'Moves the closing date later; every open dossier of the selection follows at once (its reminders re-armed for the new date). ' +
          'An office acts only on its trainings’ selections (404 otherwise).',
        security: sessionSecurity,
        params: z.object({ selectionId: idSchema }),
        body: z.object({ closesAt: z.iso.datetime({ offset: true, message: 'date-heure ISO 8601 attendue, par ex. 2027-03-01T12:00:00+01:00' }) }),
        response: {
          200: z.object({
            closesAt: z.string(),
            dossiersUpdated: z.number().int(),
            dossiersFailed: z.number().int().describe('Not reached now (send the same date again); they check the selection before closing anyway.'),
          }), 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema },
      },
    },
    async (request) => {
      const { account } = authOf(request);
      const closesAt = new Date(request.body.closesAt);
      const outcome = await extendSelectionClosingDate(
        {
          models: app.deps.database.models,
          temporal: app.deps.temporal,
          temporalTimeoutMs: app.deps.config.WORKFLOW_UPDATE_TIMEOUT_MS,
        },
        request.params.selectionId,
        closesAt,
        account.role === 'admin' ? 'all' : (account.trainingIds ?? []),
      );
      return { closesAt: closesAt.toISOString(), ...outcome };
    },
  );

  app.get(
    '/staff/selections',
    {
      preHandler: requireStaff,
      schema: {
        tags: ['staff'],
        summary: 'Les sélections du service (ouvertes, à venir et closes)',
        description: 'An office account sees its trainings’ selections; an administrator sees all.',
        security: sessionSecurity,
        response: { 200: z.object({ selections: z.array(selectionSchema) }), 401: errorSchema, 403: errorSchema },
      },
    },
    async (request) => {
      const { account } = authOf(request);
      const scope = account.role === 'admin' ? 'all' : (account.trainingIds ?? []);
      return { selections: await listSelectionsForStaff(app.deps.database.models, scope, new Date()) };
    },
  );
};
