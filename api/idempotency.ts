import type { FastifyRequest } from 'fastify';
import { errors } from './errors.js';

export const IDEMPOTENCY_HEADER = 'idempotency-key';
const KEY_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The Temporal Update id for a candidate's step, from the optional
 * `Idempotency-Key` request header. A client that did not get an answer (a
 * timeout, a 503, a dropped connection) sends the step again with the same
 * key and the step lands once. Scoped by method and path (which names the
 * document or entry) so that a key reused for another step is not mistaken
 * for a retry; Temporal scopes it to the dossier's run.
 */
export function updateIdOf(request: FastifyRequest): string | undefined {
  const key = request.headers[IDEMPOTENCY_HEADER];
  if (key === undefined) return undefined;
  if (typeof key !== 'string' || !KEY_PATTERN.test(key)) throw errors.invalidIdempotencyKey();
  return `${request.method} ${request.url.split('?')[0]}#${key}`;
}
