import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cacheDirectory, loadDevConfig } from '../../../dev/config.js';
import { createSelection, hoursFromNow } from '../../support/fixtures.js';
import { report } from '../support/report.js';
import { startSystem } from '../support/system.js';
import { apiClient, RETRY_MS } from '../../support/api-client.js';
import { candidateJourney } from '../../support/journey.js';

/**
 * Schema fuzzing: schemathesis (from PyPI, in a virtualenv of the per-user
 * cache) generates requests from the API's own OpenAPI document, valid and
 * invalid, for every operation, as an anonymous client, a candidate with a
 * dossier and an office account; any 5xx fails the run, and so does an API
 * or worker process that did not survive it.
 *
 *   npm run test:fuzz            (MAX_EXAMPLES per operation, default 60)
 */
const SCHEMATHESIS_VERSION = '4.32.5';
const maxExamples = Number(process.env.MAX_EXAMPLES ?? 60);
const seed = Number(process.env.FUZZ_SEED ?? 20261127);

function provisionSchemathesis(): string {
  const venv = join(cacheDirectory(loadDevConfig()), `schemathesis-${SCHEMATHESIS_VERSION}`);
  const st = join(venv, 'bin', 'st');
  if (existsSync(st)) return st;
  console.log(`[fuzz] installing schemathesis ${SCHEMATHESIS_VERSION} into ${venv}`);
  const python = process.env.PYTHON ?? 'python3';
  for (const [command, args] of [
    [python, ['-m', 'venv', venv]],
    [join(venv, 'bin', 'pip'), ['install', '--quiet', `schemathesis==${SCHEMATHESIS_VERSION}`]],
  ] as const) {
    const result = spawnSync(command, [...args], { stdio: 'inherit' });
    if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (exit ${result.status}): schemathesis needs Python 3.9+ with venv and PyPI`);
  }
  return st;
}

function runSchemathesis(st: string, schemaUrl: string, label: string, headers: string[], reportFile: string): Promise<number> {
  const args = [
    'run',
    schemaUrl,
    '--checks',
    'not_a_server_error',
    '--max-examples',
    String(maxExamples),
    '--seed',
    String(seed),
    // One worker: with several, hypothesis's lambda descriptions race in ast.parse on Python 3.11 (a runtime error, not a finding).
    '--workers',
    '1',
    '--suppress-health-check',
    'all',
    '--warnings',
    'off',
    '--report',
    'ndjson',
    '--report-ndjson-path',
    reportFile,
    ...headers.flatMap((header) => ['--header', header]),
  ];
  console.log(`[fuzz] ${label}: st ${args.join(' ').replace(/Bearer \S+/, 'Bearer …')}`);
  return new Promise((resolve) => {
    const child = spawn(st, args, { stdio: 'inherit', env: { ...process.env, NO_COLOR: '1' } });
    child.once('exit', (code) => resolve(code ?? 1));
  });
}

/** Test cases and 5xx answers, read from schemathesis's event log. */
async function countCases(reportFile: string): Promise<{ cases: number; serverErrors: number }> {
  const text = await readFile(reportFile, 'utf8').catch(() => '');
  let cases = 0;
  let serverErrors = 0;
  for (const line of text.split('\n')) {
    if (!line.includes('"ScenarioFinished"')) continue;
    const event = JSON.parse(line) as { ScenarioFinished?: { recorder?: { interactions?: Record<string, { response?: { status_code?: number } }> } } };
    for (const interaction of Object.values(event.ScenarioFinished?.recorder?.interactions ?? {})) {
      cases += 1;
      if ((interaction.response?.status_code ?? 0) >= 500) serverErrors += 1;
    }
  }
  return { cases, serverErrors };
}

const st = provisionSchemathesis();
const system = await startSystem();
let failed = false;
try {
  const { trainingId, selectionId } = await createSelection(system.database.models, { opensAt: hoursFromNow(-1), closesAt: hoursFromNow(48) });
  const candidate = await system.account('candidate');
  await candidateJourney(apiClient(system.apiUrl, { token: candidate.token, retryForMs: RETRY_MS }), selectionId, { n: 1 });
  const office = await system.account('office', [trainingId]);

  const reportDir = new URL('../../../.reliability/fuzz/', import.meta.url).pathname;
  await mkdir(reportDir, { recursive: true });
  const schemaUrl = `${system.apiUrl}/api/docs/json`;
  const runs: Record<string, { exitCode: number; cases: number; serverErrors: number }> = {};
  for (const [label, headers] of [
    ['anonymous', []],
    ['candidate', [`Authorization: Bearer ${candidate.token}`]],
    ['office', [`Authorization: Bearer ${office.token}`]],
  ] as const) {
    const reportFile = join(reportDir, `${label}.ndjson`);
    const exitCode = await runSchemathesis(st, schemaUrl, label, [...headers], reportFile);
    runs[label] = { exitCode, ...(await countCases(reportFile)) };
  }
  const health = await fetch(`${system.apiUrl}/api/health`).then((response) => response.status, () => 0);
  const processesUp = health === 200 && system.api.running() && system.worker.running();
  await report('schema-fuzzing', { schemathesis: SCHEMATHESIS_VERSION, maxExamples, seed, runs, healthAfter: health, processesUp });
  failed = !processesUp || Object.values(runs).some((run) => run.exitCode !== 0 || run.serverErrors > 0);
  console.log(failed ? '[fuzz] FAILED' : '[fuzz] no 5xx, API and worker up');
} finally {
  await system.close();
}
process.exit(failed ? 1 : 0);
