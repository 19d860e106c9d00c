/**
 * The one API client of the tests and benchmarks, as a well-behaved front end
 * is: JSON in and out, one file per upload in the field `file`, an optional
 * Idempotency-Key, and (when asked) a request that got a 503 or no answer
 * sent again with the same key until it gets one. It talks to the app in
 * process (`app.inject`) or to running APIs over HTTP — several in turn, as a
 * load balancer spreads requests (round-robin; a retry goes to the next one).
 */
import type { FastifyInstance } from 'fastify';
import { setTimeout as delay } from 'node:timers/promises';
import { multipartFile } from './files.js';

export interface Answer {
  status: number;
  body: any;
  headers: Record<string, string | string[] | undefined>;
}

/** What the clients saw over a run: answers by status, and how many attempts were retried. */
export class Tally {
  readonly statuses = new Map<number, number>();
  retries = 0;
  networkErrors = 0;
  accepted = 0;

  count(status: number): void {
    this.statuses.set(status, (this.statuses.get(status) ?? 0) + 1);
    if (status >= 200 && status < 300) this.accepted += 1;
  }

  get serverErrors(): number {
    return [...this.statuses].filter(([status]) => status >= 500 && status !== 503).reduce((sum, [, n]) => sum + n, 0);
  }
}

export interface RequestInit {
  json?: unknown;
  file?: { bytes: Buffer; name: string };
  /** The Idempotency-Key header. */
  key?: string;
  headers?: Record<string, string>;
}

export interface ClientOptions {
  /** A session: its bearer token. */
  token?: string;
  /** Headers sent with every request (a session given as headers, say). */
  headers?: Record<string, string>;
  tally?: Tally;
  /** Retry 503s and network errors for this long (0: answer what came). */
  retryForMs?: number;
}

/** Hands the API base URLs out in turn, shared by every client of a run (one load balancer). */
const turns = new WeakMap<readonly string[], number>();
function nextUrl(urls: readonly string[]): string {
  const turn = turns.get(urls) ?? 0;
  turns.set(urls, turn + 1);
  return urls[turn % urls.length]!;
}

/** `target`: the app itself, or the API's base URL (e.g. http://127.0.0.1:3000), or several. */
export function apiClient(target: FastifyInstance | string | readonly string[], options: ClientOptions = {}) {
  const { token, tally = new Tally(), retryForMs = 0, headers: always = {} } = options;

  async function once(method: string, path: string, init: RequestInit): Promise<Answer> {
    const headers: Record<string, string> = { ...always, ...(token ? { authorization: `Bearer ${token}` } : {}), ...(init.key ? { 'idempotency-key': init.key } : {}), ...init.headers };
    const multipart = init.file ? multipartFile(init.file.bytes, init.file.name) : undefined;
    if (multipart) Object.assign(headers, multipart.headers);
    if (typeof target !== 'string' && !Array.isArray(target)) {
      const app = target as FastifyInstance;
      const response = await app.inject({ method: method as 'GET', url: path, headers, ...(init.json !== undefined ? { payload: init.json as object } : {}), ...(multipart ? { payload: multipart.payload } : {}) });
      const type = String(response.headers['content-type'] ?? '');
      return { status: response.statusCode, body: response.body && type.includes('json') ? response.json() : response.body, headers: response.headers as Answer['headers'] };
    }
    if (init.json !== undefined) headers['content-type'] = 'application/json';
    const body = init.json !== undefined ? JSON.stringify(init.json) : multipart?.payload;
    const base = typeof target === 'string' ? target : nextUrl(target as readonly string[]);
    const response = await fetch(`${base}${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
    const text = await response.text();
    return {
      status: response.status,
      body: text && (response.headers.get('content-type') ?? '').includes('json') ? JSON.parse(text) : text || undefined,
      headers: Object.fromEntries(response.headers),
    };
  }

  async function request(method: string, path: string, init: RequestInit = {}): Promise<Answer> {
    const deadline = Date.now() + retryForMs;
    for (;;) {
      try {
        const answer = await once(method, path, init);
        tally.count(answer.status);
        if (answer.status !== 503 || retryForMs === 0) return answer;
      } catch (error) {
        tally.networkErrors += 1;
        if (retryForMs === 0) throw error;
      }
      if (Date.now() > deadline) throw new Error(`${method} ${path}: no answer but 503 or network errors for ${retryForMs} ms`);
      tally.retries += 1;
      await delay(300 + Math.random() * 400);
    }
  }

  return {
    tally,
    request,
    /** A JSON request (or none). */
    call: (method: string, path: string, json?: unknown) => request(method, path, json === undefined ? {} : { json }),
    /** One file, as a browser sends it (its type from its name). */
    upload: (path: string, bytes: Buffer, filename: string, key?: string) => request('PUT', path, { file: { bytes, name: filename }, ...(key ? { key } : {}) }),
  };
}

export type ApiClient = ReturnType<typeof apiClient>;

export const dossierPath = (dossierId: string) => `/api/dossiers/${encodeURIComponent(dossierId)}`;

/** How long the fault scenarios' clients keep sending a request through an outage, as a patient front end would. */
export const RETRY_MS = 180_000;
