import { execFile } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import openapiTS, { astToString } from 'openapi-typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loggedIn } from '../support/accounts.js';
import { createSelection, hoursFromNow } from '../support/fixtures.js';
import { startTestStack, type TestStack } from '../support/stack.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));

type Operation = {
  requestBody?: { content: Record<string, { schema: { properties?: Record<string, { format?: string }> } }> };
  parameters?: { in: string; name: string }[];
  responses: Record<string, { description: string; content?: Record<string, unknown> }>;
};
type Document = { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, unknown> } };

/**
 * The OpenAPI document, read as a front-end developer would: from
 * /api/docs/json alone, with a generator (openapi-typescript + openapi-fetch).
 */
describe('the API contract at /api/docs/json', () => {
  let stack: TestStack;
  let document: Document;
  const operations = () =>
    Object.entries(document.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, operation]) => ({ path, method, operation })));

  beforeAll(async () => {
    stack = await startTestStack();
    document = (await stack.app.inject({ method: 'GET', url: '/api/docs/json' })).json();
  });
  afterAll(() => stack?.close());

  it('keeps one component per shape: no "…Input" twin', () => {
    expect(Object.keys(document.components.schemas).filter((name) => name.endsWith('Input'))).toEqual([]);
    expect(Object.keys(document.components.schemas)).toEqual(expect.arrayContaining(['Dossier', 'Error', 'ErrorDetail', 'Selection', 'Account']));
  });

  it('describes every answer, and gives every route the error shape for each 4xx', () => {
    for (const { path, method, operation } of operations()) {
      for (const [status, answer] of Object.entries(operation.responses)) {
        expect(answer.description, `${method} ${path} ${status}`).not.toBe('Default Response');
        if (/^4\d\d$/.test(status)) expect(JSON.stringify(answer.content), `${method} ${path} ${status}`).toContain('#/components/schemas/Error');
      }
    }
    const error = document.components.schemas.Error as { properties: { details: { items: { $ref: string } } } };
    expect(error.properties.details.items.$ref).toBe('#/components/schemas/ErrorDetail');
  });

  it('declares the multipart body of every upload, the Idempotency-Key of every step, and the real media type of every file', () => {
    const uploads = operations().filter(({ operation }) => operation.requestBody?.content['multipart/form-data']);
    expect(uploads.map(({ path }) => path).sort()).toEqual([
      '/api/dossiers/{dossierId}/diplomas/{entryId}/document',
      '/api/dossiers/{dossierId}/documents/{kind}',
      '/api/dossiers/{dossierId}/experiences/{entryId}/proof',
      '/api/staff/selections/{selectionId}/forms/{formId}',
    ]);
    for (const { operation } of uploads) {
      expect(operation.requestBody!.content['multipart/form-data']!.schema.properties!.file!.format).toBe('binary');
      expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['413', '415']));
    }
    const civilStatus = document.paths['/api/dossiers/{dossierId}/civil-status']!.put!;
    expect(civilStatus.parameters).toContainEqual(expect.objectContaining({ in: 'header', name: 'idempotency-key' }));
    expect(Object.keys(civilStatus.responses)).toEqual(expect.arrayContaining(['400', '401', '403', '404', '409', '422', '503']));
    const mediaTypes = (path: string) => Object.keys(document.paths[path]!.get!.responses['200']!.content!);
    expect(mediaTypes('/api/staff/selections/{selectionId}/dossiers.csv')).toEqual(['text/csv']);
    expect(mediaTypes('/api/staff/dossiers/{dossierId}/files.zip')).toEqual(['application/zip']);
    expect(mediaTypes('/api/dossiers/{dossierId}/files/{fileId}')).toEqual(['application/pdf', 'image/jpeg', 'image/png']);
  });

  it('generates a typed client that type-checks and runs a candidate’s journey', async () => {
    const { selectionId } = await createSelection(stack.database.models, { opensAt: hoursFromNow(-1), closesAt: hoursFromNow(72) });
    const candidate = await loggedIn(stack);
    const dir = join(root, '.test-output', `openapi-client-${process.pid}`);
    await mkdir(dir, { recursive: true });
    try {
      await writeFile(join(dir, 'api.d.ts'), astToString(await openapiTS(document as never)));
      await writeFile(join(dir, 'journey.ts'), JOURNEY);
      await writeFile(
        join(dir, 'tsconfig.json'),
        JSON.stringify({ compilerOptions: { strict: true, module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', noEmit: true, skipLibCheck: true, types: ['node'] }, include: ['*.ts'] }),
      );
      // The journey must compile against the generated types: a wrong field, body or answer shape is a type error.
      await run(join(root, 'node_modules/.bin/tsc'), ['-p', dir], { cwd: root });

      const address = await stack.app.listen({ port: 0, host: '127.0.0.1' });
      const { stdout } = await run(join(root, 'node_modules/.bin/tsx'), [join(dir, 'journey.ts')], {
        cwd: root,
        env: { ...process.env, API: address, TOKEN: candidate.token, SELECTION: selectionId },
      });
      expect(JSON.parse(stdout.trim().split('\n').at(-1)!)).toEqual({ status: 'DRAFT', firstMissing: 'Pièce d\'identité à téléverser', refusal: 'VALIDATION_FAILED' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

/** A front end's journey, written against the generated types only. */
const JOURNEY = `import createClient from 'openapi-fetch';
import type { paths } from './api.js';

const client = createClient<paths>({ baseUrl: process.env.API!, headers: { authorization: \`Bearer \${process.env.TOKEN}\` } });

const { data: opened, error: notOpened } = await client.POST('/api/selections/{selectionId}/dossiers', { params: { path: { selectionId: process.env.SELECTION! } } });
if (!opened) throw new Error(JSON.stringify(notOpened));
const dossierId: string = opened.dossierId;

const { error: refused } = await client.PUT('/api/dossiers/{dossierId}/civil-status', {
  params: { path: { dossierId } },
  // A birth date in the future: the API answers with a typed error, field by field.
  body: { civility: 'madame', lastName: 'Curie', firstNames: 'Marie', birthDate: '2999-01-01', birthPlace: 'Varsovie', birthCountry: 'Pologne', nationality: 'française', address: { line1: '1 rue', postalCode: '63000', city: 'Clermont', country: 'France' }, phone: '0473170100' },
});
const refusal: string | undefined = refused?.code;
const field: string | undefined = refused?.details?.[0]?.field;
if (field !== 'body.birthDate') throw new Error('expected the birth date to be refused, got ' + JSON.stringify(refused));

await client.PUT('/api/dossiers/{dossierId}/situation', { params: { path: { dossierId } }, body: { status: 'etudiant' } });
const form = new FormData();
form.append('file', new Blob(['%PDF-1.4\\n%%EOF\\n'], { type: 'application/pdf' }), 'cv.pdf');
const { data: uploaded } = await client.PUT('/api/dossiers/{dossierId}/documents/{kind}', {
  params: { path: { dossierId, kind: 'cv' }, header: { 'idempotency-key': 'cv-1' } },
  body: { file: 'cv.pdf' },
  bodySerializer: () => form,
});
if (!uploaded?.documents.cv) throw new Error('the CV was not stored');

const { data: declared } = await client.POST('/api/dossiers/{dossierId}/declaration', { params: { path: { dossierId } }, body: { complete: false } });
const firstMissing: string | undefined = declared?.progress.missing.find((item) => item.step === 'documents')?.label;
console.log(JSON.stringify({ status: declared?.status, firstMissing, refusal }));
`;
