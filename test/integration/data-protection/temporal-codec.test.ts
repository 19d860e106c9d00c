/**
 * The Temporal Web UI's codec server (/api/temporal-codec): an operator
 * logged in on the site reads a dossier's history decrypted; nobody else does.
 * The payloads come from a real history, fetched raw from the Temporal server.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loggedIn, type TestSession } from '../../support/accounts.js';
import { apiClient, dossierPath } from '../../support/api-client.js';
import { civilStatus, createSelection, hoursFromNow } from '../../support/fixtures.js';
import { payloadsIn } from '../../support/history.js';
import { useTestStack, useClientWithoutCodec } from '../../support/stack.js';

const UI_ORIGIN = 'http://localhost:8233';
const base64 = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? new Uint8Array()).toString('base64');

describe('the codec endpoint of the Temporal Web UI', () => {
  const stack = useTestStack();
  const withoutCodec = useClientWithoutCodec();
  let wire: { payloads: { metadata: Record<string, string>; data: string }[] };
  let operator: TestSession;
  let candidateToken: string;
  let selectionId: string;
  let trainingId: string;
  let dossierId: string;

  beforeAll(async () => {
    ({ selectionId, trainingId } = await createSelection(stack.database.models, { opensAt: hoursFromNow(-1), closesAt: hoursFromNow(48) }));
    const candidate = await loggedIn(stack);
    candidateToken = candidate.token;
    const client = apiClient(stack.app, { token: candidate.token });
    const opened = await client.call('POST', `/api/selections/${selectionId}/dossiers`);
    expect(opened.status).toBe(201);
    dossierId = opened.body.dossierId;
    expect((await client.call('PUT', `${dossierPath(opened.body.dossierId)}/civil-status`, civilStatus)).status).toBe(200);
    // What the UI holds: the history as the server gives it, every payload sealed.
    const history = await withoutCodec.client.workflow.getHandle(opened.body.dossierId).fetchHistory();
    wire = { payloads: payloadsIn(history.events).map((payload) => ({ metadata: Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([k, v]) => [k, base64(v)])), data: base64(payload.data) })) };
    operator = await loggedIn(stack, { role: 'operator' });
  });

  const decode = (headers: Record<string, string>, body: unknown = wire) =>
    stack.app.inject({ method: 'POST', url: '/api/temporal-codec/decode', headers: { 'content-type': 'application/json', 'x-namespace': 'default', ...headers }, payload: body as object });
  const decodedText = (body: typeof wire) => body.payloads.map((payload) => Buffer.from(payload.data, 'base64').toString('utf8')).join('\n');

  it('opens the payloads for a logged-in operator, with the CORS the UI needs', async () => {
    expect(decodedText(wire)).not.toContain('Dupont');
    const cookie = `candidature_session=${operator.token}`;
    const answer = await decode({ cookie, origin: UI_ORIGIN });
    expect(answer.statusCode).toBe(200);
    expect(answer.headers['access-control-allow-origin']).toBe(UI_ORIGIN);
    expect(answer.headers['access-control-allow-credentials']).toBe('true');
    const decoded = answer.json<typeof wire>();
    expect(decoded.payloads).toHaveLength(wire.payloads.length);
    expect(decodedText(decoded)).toContain('"lastName":"Dupont"');
    expect(decodedText(decoded)).toContain('Clermont-Ferrand');
    // The command line's way: `--codec-auth "Bearer <token>"`.
    expect((await decode(operator.headers)).statusCode).toBe(200);
  });

  it("answers the browser's preflight from the UI's origin, and no other", async () => {
    const preflight = (origin: string) =>
      stack.app.inject({
        method: 'OPTIONS',
        url: '/api/temporal-codec/decode',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-namespace' },
      });
    const allowed = await preflight(UI_ORIGIN);
    expect(allowed.statusCode).toBe(204);
    expect(allowed.headers['access-control-allow-origin']).toBe(UI_ORIGIN);
    expect(String(allowed.headers['access-control-allow-headers'])).toContain('x-namespace');
    expect((await preflight('https://evil.example')).headers['access-control-allow-origin']).toBeUndefined();
    // A page of another site cannot make a logged-in operator's browser decode for it either.
    const forged = await decode({ cookie: `candidature_session=${operator.token}`, origin: 'https://evil.example' });
    expect(forged.statusCode).toBe(403);
    expect(forged.json().code).toBe('CROSS_ORIGIN_REFUSED');
  });

  it('refuses anyone not logged in, and candidates and the office', async () => {
    const anonymous = await decode({ origin: UI_ORIGIN });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json().message).toMatch(/connecter/);
    expect((await decode({ authorization: `Bearer ${candidateToken}` })).statusCode).toBe(403);
    const office = await loggedIn(stack, { role: 'office', trainingIds: ['any'] });
    expect((await decode(office.headers)).statusCode).toBe(403);
  });

  it("gives operators the histories, not the office's reads: no dossier nor file through the API, even with trainings", async () => {
    await stack.database.models.Account.updateOne({ _id: operator.accountId }, { $set: { trainingIds: [trainingId] } });
    const read = await stack.app.inject({ method: 'GET', url: dossierPath(dossierId), headers: operator.headers });
    expect(read.statusCode).toBe(403);
    expect(read.json().message).toMatch(/candidats|service sélection/);
    expect((await stack.app.inject({ method: 'GET', url: `${dossierPath(dossierId)}/files/${'a'.repeat(24)}`, headers: operator.headers })).statusCode).toBe(403);
    expect((await stack.app.inject({ method: 'GET', url: `/api/staff/selections/${selectionId}/dossiers`, headers: operator.headers })).statusCode).toBe(403);
  });

  it('seals what it is given so that it opens again, and says so in French when a payload does not open', async () => {
    const clear = { payloads: [{ metadata: { encoding: base64(Buffer.from('json/plain')) }, data: base64(Buffer.from('{"lastName":"Dupont"}')) }] };
    const sealed = await stack.app.inject({ method: 'POST', url: '/api/temporal-codec/encode', headers: operator.headers, payload: clear });
    expect(sealed.statusCode).toBe(200);
    const sealedBody = sealed.json<typeof wire>();
    expect(decodedText(sealedBody)).not.toContain('Dupont');
    expect((await decode(operator.headers, sealedBody)).json()).toEqual(clear);

    const tampered = structuredClone(sealedBody);
    const bytes = Buffer.from(tampered.payloads[0]!.data, 'base64');
    bytes[bytes.length - 1]! ^= 1;
    tampered.payloads[0]!.data = bytes.toString('base64');
    const refused = await decode(operator.headers, tampered);
    expect(refused.statusCode).toBe(422);
    expect(refused.json()).toMatchObject({ code: 'PAYLOAD_UNREADABLE', message: expect.stringMatching(/déchiffrées/) });

    const malformed = await decode(operator.headers, { payloads: [{ metadata: { encoding: 'not base64!' } }] });
    expect(malformed.statusCode).toBe(400);
  });
});
