/**
 * How long a worker takes from its start to polling, with the workflow bundle
 * built ahead of time (`npm run build`) and without it. Runs against the
 * servers of a running `npm start` (its data folder: DATA_DIR, default .data):
 *
 *   npm run build && npx tsx bench/worker-start.ts
 *
 * The worker polls a task queue of its own, so it takes no dossier from the
 * running system.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Where `npm run build` writes it (worker/worker.ts, prebuiltBundlePath, compiled to dist/).
const prebuiltBundlePath = fileURLToPath(new URL('../dist/workflow-bundle.js', import.meta.url));

const STARTS = Number(process.env.STARTS ?? 3);
const dataDir = process.env.DATA_DIR ?? '.data';
const env = {
  ...process.env,
  TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233',
  MONGODB_URI: process.env.MONGODB_URI ?? 'mongodb://127.0.0.1:27017/candidature',
  SMTP_URL: process.env.SMTP_URL ?? 'smtp://127.0.0.1:1025',
  PUBLIC_BASE_URL: 'http://localhost:3000',
  TEMPORAL_PAYLOAD_KEYS: process.env.TEMPORAL_PAYLOAD_KEYS ?? readFileSync(join(dataDir, 'payload-keys'), 'utf8').trim(),
  TEMPORAL_TASK_QUEUE: 'worker-start-probe',
  LOG_LEVEL: 'warn',
};

function timeOneStart(): Promise<number> {
  const started = Date.now();
  const child = spawn(process.execPath, ['dist/worker/main.js'], { env, stdio: ['ignore', 'pipe', 'ignore'] });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => (child.kill('SIGKILL'), reject(new Error('no « worker: polling » within 120 s'))), 120_000);
    child.stdout.on('data', (data: Buffer) => {
      if (!String(data).includes('worker: polling')) return;
      clearTimeout(timer);
      child.kill('SIGKILL');
      resolve((Date.now() - started) / 1000);
    });
  });
}

async function series(label: string): Promise<void> {
  const times: number[] = [];
  for (let n = 0; n < STARTS; n += 1) times.push(await timeOneStart());
  console.log(`${label}: ${times.map((s) => `${s.toFixed(2)} s`).join(', ')}`);
}

if (!existsSync(prebuiltBundlePath)) throw new Error(`${prebuiltBundlePath} is missing: run npm run build first`);
await series('workflow bundle built ahead of time');
const aside = `${prebuiltBundlePath}.aside`;
renameSync(prebuiltBundlePath, aside);
try {
  await series('bundled by the worker at start (webpack)');
} finally {
  renameSync(aside, prebuiltBundlePath);
}
