import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { authOf, requireAccount, requireCandidate } from '../auth.js';
import { dossierIdSchema, dossierStatusSchema, errorSchema, idSchema, sessionSecurity } from '../schemas.js';
import { openDossier, readDossier } from '../services/dossiers.js';

const candidateSchema = z.object({ id: z.string(), email: z.string(), firstName: z.string(), lastName: z.string() });

const dossierSchema = z
  .object({
    dossierId: z.string(),
    selectionId: z.string(),
    trainingTitle: z.string(),
    candidate: candidateSchema,
    status: dossierStatusSchema,
    closesAt: z.string(),
    openedAt: z.string(),
    revision: z.number().int(),
  })
  .meta({ id: 'Dossier' });

export const dossierRoutes: FastifyPluginAsyncZod = async (app) => {
  const dossierDeps = () => ({
    models: app.deps.database.models,
    temporal: app.deps.temporal,
    taskQueue: app.deps.config.TEMPORAL_TASK_QUEUE,
    temporalTimeoutMs: app.deps.config.WORKFLOW_UPDATE_TIMEOUT_MS,
  });

  app.post(
    '/selections/:selectionId/dossiers',
    {
      schema: {
        tags: ['dossiers'],
        summary: "« + S'inscrire » : ouvre le dossier du candidat pour cette sélection",
        description:
          'Starts the dossier workflow for the logged-in candidate, or returns the running one: one dossier per candidate and selection.',
        security: sessionSecurity,
        params: z.object({ selectionId: idSchema }),
        response: { 202: z.object({ dossierId: z.string() }), 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema },
      },
      preHandler: requireCandidate,
    },
    async (request, reply) => {
      const { account } = authOf(request);
      const candidate = { id: account._id, email: account.email, firstName: account.firstName, lastName: account.lastName };
      const result = await openDossier(dossierDeps(), request.params.selectionId, candidate);
      return reply.code(202).header('location', `/dossiers/${encodeURIComponent(result.dossierId)}`).send(result);
    },
  );

  app.get(
    '/dossiers/:dossierId',
    {
      schema: {
        tags: ['dossiers'],
        summary: "L'état d'un dossier",
        description: "A candidate reads only their own dossiers, an office its trainings' dossiers; anything else is a 404.",
        security: sessionSecurity,
        params: z.object({ dossierId: dossierIdSchema }),
        response: { 200: dossierSchema, 400: errorSchema, 401: errorSchema, 404: errorSchema },
      },
      preHandler: requireAccount,
    },
    async (request) => {
      const { account } = authOf(request);
      return readDossier(dossierDeps(), request.params.dossierId, {
        accountId: account._id,
        role: account.role,
        trainingIds: account.trainingIds ?? [],
      });
    },
  );
};
