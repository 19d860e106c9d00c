import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSelection, hoursFromNow } from '../support/fixtures.js';
import { startTestStack, type TestStack } from '../support/stack.js';

describe('selections API', () => {
  let stack: TestStack;
  let open: { selectionId: string; trainingId: string };
  let closingSoon: { selectionId: string };
  let closed: { selectionId: string };
  let future: { selectionId: string };

  beforeAll(async () => {
    stack = await startTestStack();
    const models = stack.database.models;
    open = await createSelection(models, { opensAt: hoursFromNow(-24), closesAt: hoursFromNow(24 * 30) });
    closingSoon = await createSelection(models, { opensAt: hoursFromNow(-24), closesAt: hoursFromNow(2) });
    closed = await createSelection(models, { opensAt: hoursFromNow(-48), closesAt: hoursFromNow(-1) });
    future = await createSelection(models, { opensAt: hoursFromNow(24), closesAt: hoursFromNow(48) });
  });
  afterAll(() => stack?.close());

  it('lists only the selections open now, soonest closing first, with training and office contact', async () => {
    const response = await stack.app.inject({ method: 'GET', url: '/api/selections' });
    expect(response.statusCode).toBe(200);
    const { selections } = response.json<{ selections: { id: string; isOpen: boolean }[] }>();
    expect(selections.map((s) => s.id)).toEqual([closingSoon.selectionId, open.selectionId]);
    expect(selections[1]).toMatchObject({
      id: open.selectionId,
      isOpen: true,
      training: { id: open.trainingId, title: 'Éducateur spécialisé' },
      officeContact: { email: 'selection@itsra.example', phone: '04 73 17 01 00' },
    });
    expect(selections.map((s) => s.id)).not.toContain(closed.selectionId);
    expect(selections.map((s) => s.id)).not.toContain(future.selectionId);
  });

  it('shows one selection, open or not, and says whether it is open', async () => {
    const response = await stack.app.inject({ method: 'GET', url: `/api/selections/${closed.selectionId}` });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ id: closed.selectionId, isOpen: false });
  });

  it('answers 404 with the error shape for an unknown selection', async () => {
    const response = await stack.app.inject({ method: 'GET', url: '/api/selections/nothing-here' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ statusCode: 404, code: 'SELECTION_NOT_FOUND', message: "Cette sélection n'existe pas." });
  });

  it('answers 400 with field paths for a malformed id or body, and never a 500', async () => {
    const badId = await stack.app.inject({ method: 'GET', url: '/api/selections/%7B%22%24gt%22%3A%22%22%7D' });
    expect(badId.statusCode).toBe(400);
    expect(badId.json()).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ field: 'params.selectionId' }] });

    const badBody = await stack.app.inject({ method: 'POST', url: '/api/auth/login', payload: { login: '', password: 42 } });
    expect(badBody.statusCode).toBe(400);
    expect(badBody.json().details).toEqual([
      { field: 'body.login', code: 'TOO_SMALL', message: 'identifiant ou adresse e-mail obligatoire' },
      { field: 'body.password', code: 'INVALID_TYPE', message: 'valeur attendue : un texte' },
    ]);

    const notJson = await stack.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: '{"candidate":',
    });
    expect(notJson.statusCode).toBe(400);
    expect(notJson.json()).toMatchObject({ statusCode: 400, code: 'BAD_REQUEST' });
  });

  it('answers 404 with the error shape for an unknown route', async () => {
    const response = await stack.app.inject({ method: 'GET', url: '/api/nowhere?x=1' });
    expect(response.json()).toEqual({ statusCode: 404, code: 'ROUTE_NOT_FOUND', message: "Aucune ressource à l'adresse GET /api/nowhere." });
  });

  it('serves the OpenAPI document generated from the route schemas', async () => {
    const response = await stack.app.inject({ method: 'GET', url: '/api/docs/json' });
    expect(response.statusCode).toBe(200);
    const document = response.json<{ openapi: string; paths: Record<string, unknown> }>();
    expect(document.openapi).toMatch(/^3\./);
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining(['/api/health', '/api/selections', '/api/selections/{selectionId}', '/api/selections/{selectionId}/dossiers', '/api/dossiers/{dossierId}']),
    );
  });
});
