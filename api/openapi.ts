/**
 * The OpenAPI document, as a client generator needs it: every request body
 * (multipart uploads included), every answer with its media type, its
 * description and every error it can give, the Idempotency-Key header, and
 * one component per shape (no "…Input" twin of a schema that reads the same).
 *
 * Routes declare their own errors; the ones every route of a kind can give
 * (a session missing, a cross-site POST, a body that is not JSON, the
 * database down) are added here, once.
 */
import type { FastifySchema } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';
import { errorSchema } from './schemas/common.js';

/** What a route says about itself for the document, in its `config.openapi`. */
export interface OpenApiMarks {
  /** Takes the Idempotency-Key header (its retries land once). */
  idempotent?: boolean;
  /** Takes one file, multipart, in the field `file`. */
  upload?: boolean;
  /** Descriptions of some answers, by status, where the default does not say enough. */
  responses?: Record<number, string>;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    openapi?: OpenApiMarks;
  }
}

const DEFAULT_DESCRIPTIONS: Record<string, string> = {
  200: 'Success.',
  201: 'Created.',
  202: 'Accepted: the e-mail it announces is on its way.',
  204: 'Done.',
  400: 'Invalid request: `details` name each field with its rule and a French message (VALIDATION_FAILED), or another 400 code.',
  401: 'No valid session (UNAUTHENTICATED), or wrong credentials (INVALID_CREDENTIALS).',
  403: 'Not for this role (FORBIDDEN), or sent by a browser from another site (CROSS_ORIGIN_REFUSED).',
  404: 'Not found, or not yours to see: the same answer either way.',
  409: "Refused by the current state: `code` says why (DOSSIER_LOCKED, REGISTRATION_CLOSED, DOSSIER_INCOMPLETE…).",
  413: 'The file is larger than the limit (UPLOAD_MAX_MB).',
  415: 'Refused media type: a file other than PDF, JPEG or PNG (judged by its bytes), or a body that is not JSON.',
  422: 'This Idempotency-Key was already used with other content (IDEMPOTENCY_KEY_REUSED).',
  429: 'Too many attempts: retry after the `Retry-After` header’s seconds.',
  503: 'A part of the service is unavailable (SERVICE_UNAVAILABLE): retry later; what was accepted before is not lost.',
};

const MAX_UPLOAD_NOTE = 'PDF (advised), JPEG or PNG, judged by its bytes (and its end: a file cut short is refused); at most UPLOAD_MAX_MB (10 MB by default).';
const uploadBody = z.object({ file: z.string().meta({ format: 'binary', description: `The file, in the field \`file\`, alone. ${MAX_UPLOAD_NOTE}` }) });
const idempotencyHeaders = z.object({
  'idempotency-key': z
    .string()
    .regex(/^[A-Za-z0-9._:-]{1,128}$/)
    .optional()
    .describe('One key per user action: a request sent again with the same key (after a timeout or a 503) lands once; the same key with other content is a 422.'),
});

type TransformInput = Parameters<typeof jsonSchemaTransform>[0];

/** The errors a route gives by its kind, besides those it declares. */
function impliedErrors(method: string, schema: FastifySchema & { security?: unknown[] }, marks: OpenApiMarks, url: string): number[] {
  if (url.includes('/health')) return [];
  const statuses = [503];
  if (schema.security) statuses.push(401);
  // Any POST, PUT, PATCH or DELETE: sent from another site, or with a body that is not JSON.
  if (!['GET', 'HEAD', 'OPTIONS'].includes(method)) statuses.push(403, 400, 415);
  if (schema.params || schema.querystring) statuses.push(400);
  if (marks.upload) statuses.push(400, 413, 415);
  if (marks.idempotent) statuses.push(400);
  // The same key with other content: only a request that carries content can differ.
  if (marks.idempotent && (schema.body || marks.upload)) statuses.push(422);
  return statuses;
}

export function openApiTransform(input: TransformInput): ReturnType<typeof jsonSchemaTransform> {
  const { route } = input as TransformInput & { route: { method: string | string[]; config?: { openapi?: OpenApiMarks } } };
  const schema = (input.schema ?? {}) as FastifySchema & { security?: unknown[]; response?: Record<string, unknown> };
  const marks = route.config?.openapi ?? {};
  const method = [route.method].flat()[0]!;
  const response: Record<string, unknown> = { ...(schema.response ?? {}) };
  for (const status of impliedErrors(method, schema, marks, input.url)) response[status] ??= errorSchema;
  const augmented = {
    ...schema,
    response,
    ...(marks.upload ? { body: uploadBody } : {}),
    ...(marks.idempotent ? { headers: idempotencyHeaders } : {}),
  };
  const result = jsonSchemaTransform({ ...input, schema: augmented } as TransformInput);
  const transformed = result.schema as { response?: Record<string, Record<string, unknown>> };
  for (const [status, answer] of Object.entries(transformed.response ?? {})) {
    const description = marks.responses?.[Number(status)] ?? (answer.description as string | undefined) ?? DEFAULT_DESCRIPTIONS[status];
    // Beside a $ref, only `description` reaches the document (@fastify/swagger resolves the reference first).
    if (description) answer[typeof answer.$ref === 'string' ? 'description' : 'x-response-description'] = description;
  }
  return result;
}

type OpenApiDocument = ReturnType<typeof jsonSchemaTransformObject> & { components?: { schemas?: Record<string, unknown> } };

/**
 * The document's components: a schema registered for answers is emitted
 * twice by the zod provider, once as "XInput" for requests. A twin that reads
 * the same is folded into its original (references included); a twin no
 * request uses is dropped. A real difference keeps it, and the test that
 * reads the document says so.
 */
export function openApiTransformObject(input: Parameters<typeof jsonSchemaTransformObject>[0]): OpenApiDocument {
  let document = jsonSchemaTransformObject(input) as OpenApiDocument;
  const refTo = (name: string) => `"#/components/schemas/${name}"`;
  const twins = () => Object.keys(document.components?.schemas ?? {}).filter((name) => name.endsWith('Input'));
  // Twins no one refers to go first, until none is left (a twin may refer to another).
  for (let dropped = true; dropped; ) {
    dropped = false;
    const text = JSON.stringify(document);
    for (const name of twins()) {
      if (!text.includes(refTo(name))) {
        delete document.components!.schemas![name];
        dropped = true;
      }
    }
  }
  // Those a request uses are folded into their original when they read the same: an answer's
  // schema only adds `additionalProperties: false` (requests' extra keys are dropped, not refused).
  const normalized = (schema: unknown) => JSON.parse(JSON.stringify(schema).replaceAll('Input"', '"').replaceAll(',"additionalProperties":false', ''));
  for (const name of twins()) {
    const original = name.slice(0, -'Input'.length);
    const schemas = document.components!.schemas!;
    if (!(original in schemas) || !isDeepStrictEqual(normalized(schemas[name]), normalized(schemas[original]))) continue;
    delete schemas[name];
    document = JSON.parse(JSON.stringify(document).replaceAll(refTo(name), refTo(original))) as OpenApiDocument;
  }
  return document;
}
