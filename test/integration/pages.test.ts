import { describe, expect, it } from 'vitest';
import { loggedIn } from '../support/accounts.js';
import { apiClient } from '../support/api-client.js';
import { createSelection, hoursFromNow } from '../support/fixtures.js';
import { useTestStack } from '../support/stack.js';

/** What every page answers with, whatever the browser: the headers that keep it safe, and the refusals of the API. */
describe('pages, seen from the wire', () => {
  const stack = useTestStack();

  it('sends a Content-Security-Policy with no inline script, and never lets a page be cached or framed', async () => {
    const page = await stack.app.inject({ method: 'GET', url: '/connexion' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("frame-ancestors 'none'");
    expect(page.headers['cache-control']).toBe('no-store');
    // No inline script or style at all: the policy would block it.
    expect(page.body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>|\sstyle="/);
    expect(page.body).toContain('<html lang="fr">');
  });

  it('refuses a form sent from another site, as the API does', async () => {
    const refused = await stack.app.inject({
      method: 'POST',
      url: '/connexion',
      headers: { origin: 'https://ailleurs.example', 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'login=quelqu-un&password=secret',
    });
    expect(refused.statusCode).toBe(403);
    expect(refused.headers['content-type']).toContain('text/html');
    expect(refused.body).toContain('Cette requête provient d&#39;un autre site');
  });

  it("keeps another candidate's dossier out of reach of every page that names it (404, as in the API)", async () => {
    const { selectionId } = await createSelection(stack.database.models, { opensAt: hoursFromNow(-1), closesAt: hoursFromNow(48) });
    const owner = await loggedIn(stack);
    const stranger = await loggedIn(stack);
    const dossierId = (await apiClient(stack.app, { token: owner.token }).call('POST', `/api/selections/${selectionId}/dossiers`)).body.dossierId as string;
    const base = `/mes-inscriptions/${encodeURIComponent(dossierId)}`;
    const cookie = (session: { token: string }) => ({ cookie: `candidature_session=${session.token}` });
    for (const slug of ['etat-civil', 'situation', 'pieces', 'diplomes', 'experiences', 'declaration', 'recapitulatif', 'retrait']) {
      expect((await stack.app.inject({ method: 'GET', url: `${base}/${slug}`, headers: cookie(owner) })).statusCode, slug).toBe(200);
      const other = await stack.app.inject({ method: 'GET', url: `${base}/${slug}`, headers: cookie(stranger) });
      expect(other.statusCode, slug).toBe(404);
      expect(other.body).not.toContain(owner.email);
    }
    const post = await stack.app.inject({
      method: 'POST',
      url: `${base}/etat-civil`,
      headers: { ...cookie(stranger), 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'lastName=Intrus',
    });
    expect(post.statusCode).toBe(404);
    const stored = await stack.database.models.Dossier.findById(dossierId).lean();
    expect(stored?.state.civilStatus).toBeUndefined();
  });

  it('sends a person back only to a page of this site after logging in', async () => {
    for (const suite of ['//ailleurs.example/', '/\\ailleurs.example', 'https://ailleurs.example/']) {
      const login = await stack.app.inject({ method: 'GET', url: `/connexion?suite=${encodeURIComponent(suite)}` });
      expect(login.body, suite).not.toContain('ailleurs.example');
    }
    const tab = await stack.app.inject({ method: 'GET', url: `/connexion?suite=${encodeURIComponent('/\t/ailleurs.example')}` });
    expect(tab.body).not.toContain('ailleurs.example');
  });

  it('answers an asset name that is not one of ours with a 404, whatever the name', async () => {
    for (const name of ['constructor', '__proto__', 'toString', 'site.css.map']) {
      expect((await stack.app.inject({ method: 'GET', url: `/static/${name}` })).statusCode, name).toBe(404);
    }
  });

  it('sends a person not logged in to the log-in page, then back', async () => {
    const answer = await stack.app.inject({ method: 'GET', url: '/mes-inscriptions' });
    expect(answer.statusCode).toBe(303);
    expect(answer.headers.location).toBe('/connexion?suite=%2Fmes-inscriptions');
    // Only a page of this site is a place to come back to.
    const login = await stack.app.inject({ method: 'GET', url: '/connexion?suite=//ailleurs.example/' });
    expect(login.body).not.toContain('ailleurs.example');
  });

  it('keeps the JSON API answering JSON, 404 included, beside the pages', async () => {
    const api = await stack.app.inject({ method: 'GET', url: '/api/nulle-part' });
    expect(api.statusCode).toBe(404);
    expect(api.json()).toMatchObject({ code: 'ROUTE_NOT_FOUND' });
    const page = await stack.app.inject({ method: 'GET', url: '/nulle-part' });
    expect(page.statusCode).toBe(404);
    expect(page.body).toContain('Page introuvable');
  });

  it('serves its stylesheet and script compressed, under 50 KB together', async () => {
    let total = 0;
    for (const asset of ['/static/site.css', '/static/app.js']) {
      const answer = await stack.app.inject({ method: 'GET', url: asset, headers: { 'accept-encoding': 'gzip, br' } });
      expect(answer.statusCode).toBe(200);
      expect(answer.headers['content-encoding']).toBe('gzip');
      total += answer.rawPayload.length;
    }
    expect(total).toBeLessThan(50 * 1024);
  });
});
