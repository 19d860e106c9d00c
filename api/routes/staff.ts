import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { authOf, requireStaff } from '../auth.js';
import { errorSchema, sessionSecurity } from '../schemas.js';
import { listSelectionsForStaff } from '../services/selections.js';
import { selectionSchema } from './selections.js';

export const staffRoutes: FastifyPluginAsyncZod = async (app) => {
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
