import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { createFileStore } from '../../db/files.js';
import { sendDownload } from '../downloads.js';
import { AppError, errors } from '../errors.js';
import { errorResponses, fileResponse, idSchema } from '../schemas/common.js';
import { selectionParams, selectionSchema, situationDocumentsSchema } from '../schemas/selection.js';
import { documentsBySituation, findSelection, listOpenSelections } from '../services/selections.js';

export const selectionRoutes: FastifyPluginAsyncZod = async (app) => {
  const { models, connection } = app.deps.database;
  const files = createFileStore(connection);

  app.get(
    '/selections',
    {
      schema: {
        tags: ['selections'],
        summary: 'Les sélections ouvertes maintenant',
        description: 'Open selections (opened and not yet closed), soonest closing first. Dates are ISO 8601; show them in Europe/Paris.',
        response: { 200: z.object({ selections: z.array(selectionSchema) }).describe('Soonest closing first.') },
      },
    },
    async () => ({ selections: await listOpenSelections(models, new Date()) }),
  );

  app.get(
    '/situations',
    {
      schema: {
        tags: ['selections'],
        summary: '« Situation actuelle » : la liste, et les pièces demandées pour chacune',
        response: { 200: z.object({ situations: z.array(situationDocumentsSchema) }).describe("The school's default list; a selection may ask for others (its `requiredDocuments`).") },
      },
    },
    async () => ({ situations: documentsBySituation() }),
  );

  app.get(
    '/selections/:selectionId',
    {
      schema: {
        tags: ['selections'],
        summary: "Le détail d'une sélection",
        params: selectionParams,
        response: { 200: selectionSchema, ...errorResponses(400, 404) },
      },
    },
    async (request) => {
      const selection = await findSelection(models, request.params.selectionId, new Date());
      if (!selection) throw errors.selectionNotFound();
      return selection;
    },
  );

  app.get(
    '/selections/:selectionId/forms/:formId',
    {
      schema: {
        tags: ['selections'],
        summary: 'Télécharger un des « documents téléchargeables » de la sélection',
        params: selectionParams.extend({ formId: idSchema }),
        response: { 200: fileResponse('The form.', ['application/pdf']), ...errorResponses(400, 404) },
      },
    },
    async (request, reply) => {
      const selection = await models.Selection.findById(request.params.selectionId).lean();
      const form = selection?.downloadableForms?.find((f) => f.id === request.params.formId);
      const stored = form?.fileId ? await files.find(String(form.fileId)) : null;
      if (!stored) throw new AppError('FORM_NOT_FOUND', "Ce document n'existe pas pour cette sélection.");
      return sendDownload(reply, { contentType: stored.contentType, size: stored.length, filename: stored.filename }, files.openDownload(stored.id));
    },
  );
};
