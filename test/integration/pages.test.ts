import { describe, expect, it } from 'vitest';
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
