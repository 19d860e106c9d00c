import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueAccountToken } from '../../accounts/tokens.js';
import { buildApp } from '../../api/app.js';
import { loggedIn, STRONG_PASSWORD, type TestSession } from '../support/accounts.js';
import { apiClient, type Answer, dossierPath } from '../support/api-client.js';
import { multipartFile, samplePdf } from '../support/files.js';
import { civilStatus, createSelection, hoursFromNow } from '../support/fixtures.js';
import { candidateJourney } from '../support/journey.js';
import { startTestStack, type TestStack } from '../support/stack.js';

/**
 * Every 4xx the OpenAPI document lists, for every route, provoked for real:
 * the document may promise only answers the API gives, and every message a
 * person may read in them (`message`, each `details[].message`) is French.
 */
type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
interface Attempt {
  method: Method;
  url: string;
  headers?: Record<string, string>;
  payload?: object | string | Buffer;
}
type Operation = { method: Method; path: string; statuses: number[] };

const ENGLISH = /\b(the|is|are|was|expected|received|invalid|required|must|should|not|string|number|request|error|failed|unknown|missing|found|please|too|body|input|value)\b/i;
const FRENCH = /[àâçéèêëîïôûùüÿœ«»’]|\b(le|la|les|de|du|des|un|une|est|sont|pas|au|aux|votre|vous|ce|cette|ou|et|en|obligatoire|attendue?)\b/i;

let stack: TestStack;
let limited: Awaited<ReturnType<typeof buildApp>>;
let operations: Operation[];
let candidate: TestSession;
let office: TestSession;
/** Reads the Temporal Web UI's payloads through the codec endpoint. */
let operator: TestSession;
/** Logged out by the walk of POST /api/auth/logout, so the others keep theirs. */
let spare: TestSession;
/** Asks for a new verification link (a verified account is not sent one, nor limited). */
let unverified: TestSession;
const ids = { selectionId: '', closedSelectionId: '', trainingId: '', draftId: '', submittedId: '', withdrawnId: '', diplomaId: '', experienceId: '', fileId: '' };
let keyCount = 0;
let erasureToken = '';
let erasing: TestSession;

const auth = (session: TestSession) => ({ authorization: `Bearer ${session.token}` });
const json = (session?: TestSession) => ({ ...(session ? auth(session) : {}), 'content-type': 'application/json' });
const sessionOnly = (session?: TestSession) => (session ? auth(session) : {});

/** A valid body for each route that takes one (the 422 and 409 cases send them). */
function validBody(operation: Operation): object | undefined {
  const { path, method } = operation;
  if (path.endsWith('/civil-status')) return civilStatus;
  if (path.endsWith('/situation')) return { status: 'etudiant' };
  if (path.endsWith('/diplomas') || path.endsWith('/diplomas/{entryId}')) return { title: 'CAP', year: 2010 };
  if (path.endsWith('/experiences') || path.endsWith('/experiences/{entryId}')) return { employer: 'Mairie', position: 'Agent', startDate: '2015-01-01' };
  if (path.endsWith('/declaration')) return { complete: true };
  if (path.endsWith('/decision')) return { decision: 'reject', reason: 'Dossier hors délai.' };
  if (path.endsWith('/reviews')) return { fileId: ids.fileId, verdict: 'accepted' };
  if (path.endsWith('/deadline')) return { deadline: hoursFromNow(24 * 60).toISOString() };
  if (path.endsWith('/closing-date')) return { closesAt: hoursFromNow(24 * 90).toISOString() };
  if (method === 'PATCH') return { title: 'Sélection renommée' };
  if (path === '/api/me/erasure') return { currentPassword: STRONG_PASSWORD };
  if (isCodec(operation)) return { payloads: [] };
  return undefined;
}

/** Another valid body for the same route: what the same Idempotency-Key must not carry. */
function otherBody(operation: Operation): object {
  const body = validBody(operation) ?? {};
  const { path } = operation;
  if (path.endsWith('/civil-status')) return { ...body, lastName: 'Autre' };
  if (path.endsWith('/situation')) return { status: 'lyceen' };
  if (path.includes('/diplomas')) return { ...body, title: 'BTS' };
  if (path.includes('/experiences')) return { ...body, employer: 'Conseil départemental' };
  if (path.endsWith('/declaration')) return { complete: false };
  if (path.endsWith('/decision')) return { decision: 'reject', reason: 'Autre motif.' };
  if (path.endsWith('/reviews')) return { ...body, verdict: 'refused', comment: 'Illisible.' };
  if (path.endsWith('/deadline')) return { deadline: hoursFromNow(24 * 61).toISOString() };
  return body;
}

/** The path with ids: those of a dossier of `dossierId`'s kind, and real entries. */
function urlOf(operation: Operation, overrides: Partial<Record<string, string>> = {}): string {
  const values: Record<string, string> = {
    dossierId: ids.draftId,
    selectionId: ids.selectionId,
    entryId: operation.path.includes('/experiences/') ? ids.experienceId : ids.diplomaId,
    kind: 'cv',
    fileId: ids.fileId,
    formId: 'justificatif',
    ...overrides,
  };
  const url = operation.path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(values[name]!));
  // A downloadable form is put with its title.
  return operation.path.endsWith('/forms/{formId}') && operation.method === 'PUT' ? `${url}?title=Justificatif` : url;
}

const isStaff = (operation: Operation) => operation.path.startsWith('/api/staff/');
const isCodec = (operation: Operation) => operation.path.startsWith('/api/temporal-codec/');
const sessionFor = (operation: Operation) => (operation.path === '/api/auth/logout' ? spare : isCodec(operation) ? operator : isStaff(operation) ? office : candidate);
/** An account of the role the route does not take (any role may log out: no account then). */
const wrongRoleFor = (operation: Operation) => (operation.path === '/api/auth/logout' ? undefined : isStaff(operation) || isCodec(operation) ? candidate : office);
const base64 = (text: string) => Buffer.from(text).toString('base64');
const isUpload = (operation: Operation) => /\/(documents\/\{kind\}|document|proof|forms\/\{formId\})$/.test(operation.path);
const uploadPayload = (bytes: Buffer, name: string) => multipartFile(bytes, name);

/** Ways to provoke each status; the first that gets it counts. */
function attemptsFor(operation: Operation, status: number): Attempt[] {
  const { method } = operation;
  const session = sessionFor(operation);
  const withBody = (payload: object | undefined, headers = json(session)): Attempt => ({ method, url: urlOf(operation), headers, ...(payload ? { payload } : {}) });
  // A route without a body is sent none.
  const withoutBody = (session?: TestSession): Attempt => ({ method, url: urlOf(operation), headers: sessionOnly(session) });
  switch (status) {
    case 400:
      return [
        { method, url: urlOf(operation), headers: json(session), payload: '{ pas du JSON' },
        { method, url: urlOf(operation, { dossierId: 'pas-un-dossier', selectionId: 'x y', entryId: 'X!', fileId: 'zz' }), headers: json(session), payload: validBody(operation) ?? {} },
        withBody({ unexpected: 42, login: '', identifier: 'x', token: 'court', title: '', closesAt: 'demain', deadline: 'demain', decision: 'peut-être', verdict: 'bof' }),
        { ...withBody(validBody(operation) ?? {}), headers: { ...json(session), 'idempotency-key': 'clé invalide !' } },
        { method, url: `${urlOf(operation)}?page=zéro&status=NULLE`, headers: json(session) },
      ];
    case 401:
      if (operation.path === '/api/auth/login') return [withBody({ login: candidate.identifier, password: 'ce n’est pas le bon mot de passe' }, json())];
      return [validBody(operation) ? withBody(validBody(operation), json()) : withoutBody()];
    case 403:
      return [
        validBody(operation) ? withBody(validBody(operation), json(wrongRoleFor(operation))) : withoutBody(wrongRoleFor(operation)),
        { ...withoutBody(session), headers: { ...sessionOnly(session), origin: 'https://ailleurs.example' } },
      ];
    case 404:
      return [
        { method, url: urlOf(operation, { dossierId: 'dossier:inconnue-2027:personne', selectionId: 'inconnue-2027', entryId: 'inconnu', fileId: 'f'.repeat(24), formId: 'inconnu' }), headers: json(session), payload: validBody(operation) ?? {} },
        // An office creating a selection for a training outside its scope.
        withBody({ id: 'nouvelle-2028', trainingId: 'hors-perimetre', title: 'Nouvelle', opensAt: hoursFromNow(1).toISOString(), closesAt: hoursFromNow(48).toISOString(), officeContact: { name: 'Service', email: 'service@itsra.example' } }),
      ];
    case 409:
      return conflicts(operation);
    case 413: {
      // The codec takes a history's payloads at once: its limit is above the uploads'.
      if (isCodec(operation)) return [{ method, url: urlOf(operation), headers: json(session), payload: JSON.stringify({ payloads: [{ data: 'A'.repeat(9 * 1024 * 1024) }] }) }];
      const large = uploadPayload(Buffer.concat([samplePdf('grand'), Buffer.alloc(1_200_000, 0x20)]), 'grand.pdf');
      return [{ method, url: urlOf(operation), headers: { ...auth(session), ...large.headers }, payload: large.payload }];
    }
    case 415:
      if (isUpload(operation)) {
        const exe = uploadPayload(Buffer.from('MZ this is a program'), 'cv.exe');
        return [{ method, url: urlOf(operation), headers: { ...auth(session), ...exe.headers }, payload: exe.payload }];
      }
      return [{ method, url: urlOf(operation), headers: { ...auth(session), 'content-type': 'application/xml' }, payload: '<dossier/>' }];
    case 422: {
      // A payload sealed under our encoding that does not open (cut short).
      if (isCodec(operation)) {
        return [{ method, url: urlOf(operation), headers: json(session), payload: { payloads: [{ metadata: { encoding: base64('binary/encrypted'), 'encryption-key-id': base64('test-key-1') }, data: base64('trop court') }] } }];
      }
      const key = `reuse-${(keyCount += 1)}`;
      if (isUpload(operation)) {
        const first = uploadPayload(samplePdf('premier'), 'premier.pdf');
        const second = uploadPayload(samplePdf('second'), 'second.pdf');
        return [
          { method, url: urlOf(operation), headers: { ...auth(session), ...first.headers, 'idempotency-key': key }, payload: first.payload },
          { method, url: urlOf(operation), headers: { ...auth(session), ...second.headers, 'idempotency-key': key }, payload: second.payload },
        ];
      }
      const body = validBody(operation) ?? {};
      return [
        { ...withBody(body), headers: { ...json(session), 'idempotency-key': key } },
        { ...withBody(otherBody(operation)), headers: { ...json(session), 'idempotency-key': key } },
      ];
    }
    default:
      return [];
  }
}

/** Each route's 409: the state that refuses it. */
function conflicts(operation: Operation): Attempt[] {
  const { method, path } = operation;
  const session = sessionFor(operation);
  const on = (dossierId: string): Attempt => {
    if (isUpload(operation)) {
      const file = uploadPayload(samplePdf('tard'), 'tard.pdf');
      return { method, url: urlOf(operation, { dossierId }), headers: { ...auth(session), ...file.headers }, payload: file.payload };
    }
    const body = validBody(operation);
    return { method, url: urlOf(operation, { dossierId }), headers: body ? json(session) : sessionOnly(session), ...(body ? { payload: body } : {}) };
  };
  if (path === '/api/auth/signup') return [{ method, url: path, headers: json(), payload: { identifier: candidate.identifier, email: 'autre@example.org', password: STRONG_PASSWORD, firstName: 'A', lastName: 'B' } }];
  if (path === '/api/staff/selections' && method === 'POST') {
    return [{ method, url: path, headers: json(office), payload: { id: ids.selectionId, trainingId: ids.trainingId, title: 'Doublon', opensAt: hoursFromNow(1).toISOString(), closesAt: hoursFromNow(48).toISOString(), officeContact: { name: 'Service', email: 'service@itsra.example' } } }];
  }
  // The candidate's dossier under review keeps the account.
  if (path === '/api/me/erasure') return [{ method, url: path, headers: json(candidate), payload: { currentPassword: STRONG_PASSWORD } }];
  if (path === '/api/me/erasure/confirm') return [{ method, url: path, headers: json(), payload: { token: erasureToken } }];
  // An account whose erasure is under way.
  if (path === '/api/auth/login') return [{ method, url: path, headers: json(), payload: { login: erasing.identifier, password: STRONG_PASSWORD } }];
  if (path === '/api/selections/{selectionId}/dossiers') return [{ method, url: urlOf(operation, { selectionId: ids.closedSelectionId }), headers: sessionOnly(candidate) }];
  if (path.endsWith('/deadline')) return [on(ids.withdrawnId)];
  if (isStaff(operation)) return [on(ids.draftId)];
  if (path.endsWith('/declaration')) return [on(ids.draftId)];
  return [on(ids.submittedId)];
}

/** 409 EMAIL_TAKEN at confirmation: the new address was taken while its link waited. */
async function emailTakenAtConfirmation(): Promise<Answer> {
  const person = await loggedIn(stack);
  const wanted = `pris-${person.identifier}@example.org`;
  await apiClient(stack.app, { token: person.token }).call('POST', '/api/me/email', { currentPassword: STRONG_PASSWORD, newEmail: wanted });
  const link = await stack.catcher.waitFor((e) => e.to.includes(wanted));
  await loggedIn(stack).then((other) => stack.database.models.Account.updateOne({ _id: other.accountId }, { $set: { email: wanted } }));
  const token = /token=([\w-]+)/.exec(link.text)![1];
  return apiClient(stack.app).call('POST', '/api/auth/email-verification/confirm', { token });
}

async function send(app: typeof limited, attempt: Attempt): Promise<Answer> {
  const response = await app.inject({ method: attempt.method, url: attempt.url, headers: attempt.headers ?? {}, ...(attempt.payload === undefined ? {} : { payload: attempt.payload }) });
  return { status: response.statusCode, body: response.body && String(response.headers['content-type']).includes('json') ? response.json() : response.body, headers: response.headers as Answer['headers'] };
}

/** The texts a person may read in an error answer. */
function textsOf(body: { message?: string; details?: { message: string }[] }): string[] {
  return [body.message ?? '', ...(body.details ?? []).map((detail) => detail.message)];
}

beforeAll(async () => {
  stack = await startTestStack({ apiEnv: { UPLOAD_MAX_MB: '1' } });
  // The same API with limits of one: the second attempt of anything limited is a 429.
  const one = (name: string) => ({ name: `${name}-walk`, limit: 1, windowMs: 3_600_000 });
  limited = await buildApp({
    config: stack.app.deps.config,
    database: stack.database,
    temporal: stack.temporal,
    mailer: stack.mailer,
    rateRules: Object.fromEntries(['loginPerClient', 'loginFailuresPerAccount', 'signupPerClient', 'resetPerClient', 'resetPerAccount', 'verificationPerAccount', 'tokenPerClient'].map((rule) => [rule, one(rule)])),
  });
  const document = (await stack.app.inject({ method: 'GET', url: '/api/docs/json' })).json() as { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
  operations = Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({ method: method.toUpperCase() as Method, path, statuses: Object.keys(operation.responses).map(Number).filter((s) => s >= 400 && s < 500) })),
  );

  const selection = await createSelection(stack.database.models, { opensAt: hoursFromNow(-1), closesAt: hoursFromNow(24 * 30) });
  const closed = await createSelection(stack.database.models, { opensAt: hoursFromNow(-48), closesAt: hoursFromNow(-1) });
  Object.assign(ids, { selectionId: selection.selectionId, trainingId: selection.trainingId, closedSelectionId: closed.selectionId });
  candidate = await loggedIn(stack);
  await stack.database.models.Account.updateOne({ _id: candidate.accountId }, { $set: { emailVerifiedAt: new Date() } });
  office = await loggedIn(stack, { role: 'office', trainingIds: [selection.trainingId, closed.trainingId] });
  operator = await loggedIn(stack, { role: 'operator' });
  erasing = await loggedIn(stack);
  await stack.database.models.Account.updateOne({ _id: erasing.accountId }, { $set: { erasureConfirmedAt: new Date() } });
  spare = await loggedIn(stack);
  unverified = await loggedIn(stack);
  const client = apiClient(stack.app, { token: candidate.token });
  const opened = await client.call('POST', `/api/selections/${selection.selectionId}/dossiers`);
  ids.draftId = opened.body.dossierId;
  const base = dossierPath(ids.draftId);
  ids.fileId = (await client.upload(`${base}/documents/cv`, samplePdf('cv'), 'cv.pdf')).body.documents.cv.fileId;
  ids.diplomaId = (await client.call('POST', `${base}/diplomas`, { title: 'Baccalauréat', year: 2012 })).body.diplomas[0].id;
  ids.experienceId = (await client.call('POST', `${base}/experiences`, { employer: 'Foyer', position: 'Animateur', startDate: '2018-01-01' })).body.experiences[0].id;
  // The same candidate's dossier declared complete, and one withdrawn, on two more selections of the office's.
  const second = await createSelection(stack.database.models, { opensAt: hoursFromNow(-1), closesAt: hoursFromNow(24 * 30) });
  const third = await createSelection(stack.database.models, { opensAt: hoursFromNow(-1), closesAt: hoursFromNow(24 * 30) });
  await stack.database.models.Account.updateOne({ _id: office.accountId }, { $set: { trainingIds: [selection.trainingId, closed.trainingId, second.trainingId, third.trainingId] } });
  ids.submittedId = await candidateJourney(client, second.selectionId);
  ids.withdrawnId = (await client.call('POST', `/api/selections/${third.selectionId}/dossiers`)).body.dossierId;
  await client.call('POST', `${dossierPath(ids.withdrawnId)}/withdrawal`);
  // The link « Supprimer mon compte » e-mails, for the candidate whose dossier is under review.
  erasureToken = await issueAccountToken(stack.database.models, { accountId: candidate.accountId, purpose: 'eraseAccount', requestId: `walk-${Date.now()}`, ttlMs: 3_600_000 });
}, 180_000);
afterAll(async () => {
  await limited?.close();
  await stack?.close();
});

describe('every 4xx the OpenAPI document lists, provoked, in French', () => {
  it('gives each listed 4xx of each route, with a French message and French details', async () => {
    const notProvoked: string[] = [];
    const english: string[] = [];
    let provoked = 0;
    for (const operation of operations) {
      for (const status of operation.statuses) {
        let answer: Answer | undefined;
        if (status === 409 && operation.path === '/api/auth/email-verification/confirm') answer = await emailTakenAtConfirmation();
        else if (status === 429) {
          // The candidate's or office's session on the limited app; an anonymous attempt for the others.
          const session = operation.path === '/api/auth/email-verification' ? unverified : operation.path.startsWith('/api/me') ? candidate : undefined;
          const attempt: Attempt = { method: operation.method, url: urlOf(operation), headers: json(session), payload: rateLimitedBody(operation.path) };
          await send(limited, attempt);
          answer = await send(limited, attempt);
        } else {
          for (const attempt of attemptsFor(operation, status)) {
            answer = await send(stack.app, attempt);
            if (answer.status === status) break;
          }
        }
        if (answer?.status !== status) {
          notProvoked.push(`${operation.method} ${operation.path} ${status} (got ${answer?.status}: ${JSON.stringify(answer?.body).slice(0, 160)})`);
          continue;
        }
        provoked += 1;
        expect(answer.body, `${operation.method} ${operation.path} ${status}`).toMatchObject({ statusCode: status, code: expect.any(String), message: expect.any(String) });
        for (const text of textsOf(answer.body)) {
          if (ENGLISH.test(text) || !FRENCH.test(text)) english.push(`${operation.method} ${operation.path} ${status}: « ${text} »`);
        }
      }
    }
    expect(notProvoked).toEqual([]);
    expect(english).toEqual([]);
    expect(provoked).toBeGreaterThan(150);
  }, 300_000);
});

function rateLimitedBody(path: string): object | undefined {
  switch (path) {
    case '/api/auth/signup':
      return { identifier: `limite${Date.now()}`, email: `limite${Date.now()}@example.org`, password: STRONG_PASSWORD, firstName: 'A', lastName: 'B' };
    case '/api/auth/login':
      return { login: 'personne', password: 'mauvais mot de passe' };
    case '/api/auth/password-reset':
      return { identifier: 'personne', email: 'personne@example.org' };
    case '/api/auth/password-reset/confirm':
      return { token: 'a'.repeat(43), newPassword: STRONG_PASSWORD };
    case '/api/auth/email-verification/confirm':
      return { token: 'a'.repeat(43) };
    case '/api/me/password':
      return { currentPassword: 'mauvais mot de passe', newPassword: STRONG_PASSWORD };
    case '/api/me/email':
      return { currentPassword: 'mauvais mot de passe', newEmail: 'nouvelle@example.org' };
    case '/api/me/erasure':
      return { currentPassword: 'mauvais mot de passe' };
    case '/api/me/erasure/confirm':
      return { token: 'a'.repeat(43) };
    default:
      return undefined;
  }
}
