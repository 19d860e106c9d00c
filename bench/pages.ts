/**
 * The candidate's pages under load, against the JSON route that serves the
 * same data in the same run: a dossier screen (« État civil ») against
 * `GET /api/dossiers/{id}`, « Mes inscriptions » against
 * `GET /api/me/dossiers`, 50 concurrent candidates each reading its own.
 * And what a page weighs: its HTML, and the CSS + JS it loads, compressed.
 */
import autocannon from 'autocannon';
import { gzipSync } from 'node:zlib';
import type { System } from '../test/reliability/support/system.js';
import { cpuMeter, log, type ProcessName, settle } from './measure.js';
import type { CandidateWithDossier } from './open-dossiers.js';

export const PAGES_SECONDS = Number(process.env.PAGES_SECONDS ?? 10);
export const PAGES_CONNECTIONS = 50;
export const PAGE_LOADS = ['screen', 'screen-json', 'list', 'list-json'] as const;
export type PageLoad = (typeof PAGE_LOADS)[number];

export interface PageLoadResult {
  p50: number;
  p99: number;
  perSecond: number;
  errors: number;
  cpu: Record<ProcessName, number>;
}

const screenPath = (dossierId: string) => `/mes-inscriptions/${encodeURIComponent(dossierId)}/etat-civil`;

function requestOf(load: PageLoad, candidate: CandidateWithDossier) {
  const token = candidate.account.token;
  switch (load) {
    case 'screen':
      return { path: screenPath(candidate.dossierId), headers: { cookie: `candidature_session=${token}` } };
    case 'list':
      return { path: '/mes-inscriptions', headers: { cookie: `candidature_session=${token}` } };
    case 'screen-json':
      return { path: `/api/dossiers/${encodeURIComponent(candidate.dossierId)}`, headers: { authorization: `Bearer ${token}` } };
    case 'list-json':
      return { path: '/api/me/dossiers', headers: { authorization: `Bearer ${token}` } };
  }
}

/** Each autocannon connection is one candidate reading its own screen (or its JSON), no pause. */
export async function pageLoad(system: System, candidates: CandidateWithDossier[], load: PageLoad): Promise<PageLoadResult> {
  await settle(system);
  let next = 0;
  const candidateOf = (context: { n?: number }) => candidates[(context.n ??= next++ % candidates.length)]!;
  const cpu = cpuMeter(system);
  const result = await autocannon({
    url: system.apiUrl,
    connections: PAGES_CONNECTIONS,
    duration: PAGES_SECONDS,
    requests: [{ setupRequest: (request, context) => ({ ...request, method: 'GET', ...requestOf(load, candidateOf(context as { n?: number })) }) }],
  });
  const measured = {
    p50: result.latency.p50,
    p99: result.latency.p99,
    perSecond: result.requests.total / PAGES_SECONDS,
    errors: result.errors + result.timeouts + result.non2xx,
    cpu: cpu.stop(),
  };
  log(`pages ${load}: ${JSON.stringify(measured)}`);
  return measured;
}

/** Bytes of a page's HTML (as sent, and compressed) and of the assets every page loads, compressed. */
export async function pageWeights(system: System, candidate: CandidateWithDossier): Promise<{ page: string; htmlBytes: number; htmlGzip: number }[] & { assetsGzip?: number }> {
  const cookie = { cookie: `candidature_session=${candidate.account.token}` };
  // The home page as a visitor sees it (a candidate logged in is sent on to « Mes inscriptions »).
  const pages = [
    ['accueil', '/', {}],
    ['sélections', '/selections', cookie],
    ['état civil', screenPath(candidate.dossierId), cookie],
    ['pièces obligatoires', screenPath(candidate.dossierId).replace('etat-civil', 'pieces'), cookie],
    ['mes inscriptions', '/mes-inscriptions', cookie],
  ] as const;
  const weights = await Promise.all(
    pages.map(async ([page, path, headers]) => {
      const html = Buffer.from(await (await fetch(`${system.apiUrl}${path}`, { headers, redirect: 'manual' })).arrayBuffer());
      return { page, htmlBytes: html.length, htmlGzip: gzipSync(html).length };
    }),
  );
  let assets = 0;
  for (const asset of ['/static/site.css', '/static/app.js']) {
    const response = await fetch(`${system.apiUrl}${asset}`, { headers: { 'accept-encoding': 'gzip' } });
    // fetch decodes the body; the bytes on the wire are its compressed length.
    assets += Number(response.headers.get('content-length') ?? 0) || gzipSync(Buffer.from(await response.arrayBuffer())).length;
  }
  return Object.assign(weights, { assetsGzip: assets });
}
