import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { dossierStatusSchema, errorSchema, idSchema } from '../schemas.js';
import { openDossier, readDossier } from '../services/dossiers.js';

const candidateSchema = z.object({
  id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'identifiant invalide : lettres, chiffres, « - » ou « _ », 64 au plus'),
  email: z.email('adresse e-mail invalide').max(254),
  firstName: z.string().trim().min(1, 'prénom obligatoire').max(100),
  lastName: z.string().trim().min(1, 'nom obligatoire').max(100),
});

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
  app.post(
    '/selections/:selectionId/dossiers',
    {
      schema: {
        tags: ['dossiers'],
        summary: "« + S'inscrire » : ouvre le dossier du candidat pour cette sélection",
        description:
          'Starts the dossier workflow, or returns the running one: one dossier per candidate and selection. ' +
          'Provisional: the candidate is given in the body until accounts and sessions exist.',
        params: z.object({ selectionId: idSchema }),
        body: z.object({ candidate: candidateSchema }),
        response: { 202: z.object({ dossierId: z.string() }), 400: errorSchema, 404: errorSchema, 409: errorSchema },
      },
    },
    async (request, reply) => {
      const result = await openDossier(
        { models: app.deps.database.models, temporal: app.deps.temporal, taskQueue: app.deps.config.TEMPORAL_TASK_QUEUE },
        request.params.selectionId,
        request.body.candidate,
      );
      return reply.code(202).header('location', `/dossiers/${encodeURIComponent(result.dossierId)}`).send(result);
    },
  );

  app.get(
    '/dossiers/:dossierId',
    {
      schema: {
        tags: ['dossiers'],
        summary: "L'état d'un dossier",
        params: z.object({ dossierId: idSchema }),
        response: { 200: dossierSchema, 400: errorSchema, 404: errorSchema },
      },
    },
    async (request) => readDossier({ temporal: app.deps.temporal }, request.params.dossierId),
  );
};
