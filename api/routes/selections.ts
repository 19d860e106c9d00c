import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errors } from '../errors.js';
import { errorSchema, idSchema } from '../schemas.js';
import { findSelection, listOpenSelections } from '../services/selections.js';

export const selectionSchema = z
  .object({
    id: z.string(),
    title: z.string(),
    training: z.object({ id: z.string(), title: z.string(), diploma: z.string() }),
    opensAt: z.iso.datetime({ offset: true }),
    closesAt: z.iso.datetime({ offset: true }),
    isOpen: z.boolean(),
    officeContact: z.object({ name: z.string(), email: z.string(), phone: z.string().optional() }),
  })
  .meta({ id: 'Selection' });

export const selectionRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/selections',
    {
      schema: {
        tags: ['selections'],
        summary: 'Les sélections ouvertes maintenant',
        description: 'Open selections (opened and not yet closed), soonest closing first. Dates are ISO 8601; show them in Europe/Paris.',
        response: { 200: z.object({ selections: z.array(selectionSchema) }) },
      },
    },
    async () => ({ selections: await listOpenSelections(app.deps.database.models, new Date()) }),
  );

  app.get(
    '/selections/:selectionId',
    {
      schema: {
        tags: ['selections'],
        summary: "Le détail d'une sélection",
        params: z.object({ selectionId: idSchema }),
        response: { 200: selectionSchema, 400: errorSchema, 404: errorSchema },
      },
    },
    async (request) => {
      const selection = await findSelection(app.deps.database.models, request.params.selectionId, new Date());
      if (!selection) throw errors.selectionNotFound();
      return selection;
    },
  );
};
