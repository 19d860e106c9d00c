/** Pages anyone may see: the home page, the open selections, the accessibility statement. */
import type { FastifyInstance } from 'fastify';
import { documentsBySituation, listOpenSelections } from '../../api/services/selections.js';
import { render } from '../render.js';
import { homeOf } from './accounts.js';

export async function publicPages(app: FastifyInstance): Promise<void> {
  const { models } = app.deps.database;

  app.get('/', async (request, reply) => {
    if (request.auth) return reply.code(303).redirect(homeOf(request.auth.account.role));
    return render(request, reply, 'home', { title: 'Accueil' });
  });

  // "M'inscrire à une sélection" → "Sélection": the selections open now, each with "+ S'inscrire".
  app.get('/selections', async (request, reply) => {
    const selections = await listOpenSelections(models, new Date());
    return render(request, reply, 'selections', { title: 'Les sélections ouvertes', selections, defaults: documentsBySituation() });
  });

  app.get('/accessibilite', async (request, reply) => render(request, reply, 'accessibility', { title: "Déclaration d'accessibilité" }));
}
