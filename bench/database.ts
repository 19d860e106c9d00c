/**
 * FerretDB v1 on SQLite (what npm start, the tests and the benchmarks run)
 * against FerretDB v1 on PostgreSQL (what a production stack would run), side
 * by side on this machine, the same workload in turn on each:
 *
 *   npm run bench:database        (DATABASE_DOSSIERS=5000 DATABASE_GB=3 RUNS=3 by default)
 *
 * - lookups and updates by _id with DATABASE_DOSSIERS dossiers of ~3 KB stored,
 *   one at a time, and 50 at once;
 * - a filter on a field other than _id, with its index (a selection's dossiers of one status);
 * - a GridFS delete with 10 MB stored, then with DATABASE_GB stored (the chunks
 *   are found by `files_id`, not `_id`).
 *
 * PostgreSQL comes from the machine (Debian's postgresql package, dev/postgres.ts).
 * Writes the table between the markers of docs/BENCHMARKS.md and the figures to
 * .reliability/bench/database.json.
 */
import mongoose from 'mongoose';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { cacheDirectory, loadDevConfig } from '../dev/config.js';
import { freePort } from '../dev/ports.js';
import { startPostgres } from '../dev/postgres.js';
import { provisionFerretDb } from '../dev/provision.js';
import { startFerretDb } from '../dev/servers.js';
import { log, machine, median } from './measure.js';

const DOSSIERS = Number(process.env.DATABASE_DOSSIERS ?? 5000);
const GIGABYTES = Number(process.env.DATABASE_GB ?? 3);
const RUNS = Number(process.env.RUNS ?? 3);
const CONCURRENCY = 50;
const SAMPLES = 200;
const FILE_MB = 10;
/** A step that has not answered in this long is reported as such (FerretDB on PostgreSQL can stop answering). */
const STEP_TIMEOUT_MS = Number(process.env.DATABASE_STEP_TIMEOUT_MS ?? 120_000);
const ONLY = process.env.DATABASE_BACKENDS?.split(',');
const { MongoClient, GridFSBucket } = mongoose.mongo;
type Db = mongoose.mongo.Db;

const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))]!;
const timed = async (operation: () => Promise<unknown>) => {
  const started = process.hrtime.bigint();
  await operation();
  return Number(process.hrtime.bigint() - started) / 1e6;
};

/** A dossier record of the size ours have after the guide (state ~3 KB). */
const dossier = (n: number) => ({
  _id: `dossier:selection-${n % 10}:candidate-${n}`,
  selectionId: `selection-${n % 10}`,
  status: ['DRAFT', 'SUBMITTED', 'CHANGES_REQUESTED', 'VALIDATED'][n % 4],
  candidate: { id: `candidate-${n}`, email: `c${n}@example.org`, firstName: 'Léa', lastName: `Martin-${n}` },
  revision: 1,
  state: { padding: 'x'.repeat(3000) },
});

async function oneAtATime(samples: number, operation: (n: number) => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let n = 0; n < samples; n += 1) times.push(await timed(() => operation(n)));
  return median(times);
}

async function fiftyAtOnce(total: number, operation: (n: number) => Promise<unknown>): Promise<{ perSecond: number; p99: number }> {
  const times: number[] = [];
  let next = 0;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < total) {
        const n = next++;
        times.push(await timed(() => operation(n)));
      }
    }),
  );
  return { perSecond: (1000 * total) / (Date.now() - started), p99: percentile(times, 99) };
}

async function storeFiles(db: Db, megabytes: number): Promise<string[]> {
  const bucket = new GridFSBucket(db, { bucketName: 'files' });
  const chunk = Buffer.alloc(1024 * 1024, 0x61);
  const ids: string[] = [];
  for (let stored = 0; stored < megabytes; stored += FILE_MB) {
    const upload = bucket.openUploadStream(`file-${stored}.pdf`, { metadata: { dossierId: 'bench' } });
    await pipeline(Readable.from(Array.from({ length: FILE_MB }, () => chunk)), upload);
    ids.push(String(upload.id));
  }
  return ids;
}

interface BackendFigures {
  insertMs: number;
  findById: number;
  updateById: number;
  findById50: { perSecond: number; p99: number };
  updateById50: { perSecond: number; p99: number };
  filterIndexed: number;
  gridfsDeleteSmall: number;
  gridfsDeleteLarge: number;
  gridfsStoreMbPerSecond: number;
}

class StepTimeout extends Error {}

/** Runs one step of the workload, logged; past STEP_TIMEOUT_MS it is given up and said so. */
async function step<T>(name: string, backend: string, operation: () => Promise<T>): Promise<T> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      operation(),
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new StepTimeout(`${backend}: ${name} did not answer within ${STEP_TIMEOUT_MS / 1000} s`)), STEP_TIMEOUT_MS))),
    ]);
  } finally {
    clearTimeout(timer);
    log(`  ${backend} ${name}: ${Date.now() - started} ms`);
  }
}

/** The steps measured before a step that did not answer are kept, with the reason. */
async function measure(db: Db, withLargeStore: boolean, backend: string): Promise<Partial<BackendFigures> & { timedOut?: string }> {
  const figures: Partial<BackendFigures> & { timedOut?: string } = {};
  try {
    await measureSteps(db, withLargeStore, backend, figures);
  } catch (error) {
    if (!(error instanceof StepTimeout)) throw error;
    figures.timedOut = error.message;
  }
  return figures;
}

async function measureSteps(db: Db, withLargeStore: boolean, backend: string, figures: Partial<BackendFigures>): Promise<void> {
  const dossiers = db.collection<ReturnType<typeof dossier>>('dossiers');
  if ((await dossiers.estimatedDocumentCount()) < DOSSIERS) {
    await dossiers.createIndex({ selectionId: 1, status: 1 });
    figures.insertMs = await step('insert', backend, () =>
      timed(async () => {
        for (let start = 0; start < DOSSIERS; start += 500) await dossiers.insertMany(Array.from({ length: Math.min(500, DOSSIERS - start) }, (_, i) => dossier(start + i)));
      }),
    );
  }
  // Spread over the whole collection: a lookup that scans cannot stop early.
  const id = (n: number) => dossier(Math.floor(((n * 7919) % SAMPLES) * (DOSSIERS / SAMPLES)))._id;
  figures.findById = await step('findById', backend, () => oneAtATime(SAMPLES, (n) => dossiers.findOne({ _id: id(n) })));
  figures.updateById = await step('updateById', backend, () => oneAtATime(SAMPLES, (n) => dossiers.updateOne({ _id: id(n) }, { $set: { revision: n } })));
  figures.findById50 = await step('findById50', backend, () => fiftyAtOnce(2000, (n) => dossiers.findOne({ _id: id(n % SAMPLES) })));
  figures.filterIndexed = await step('filterIndexed', backend, () =>
    oneAtATime(50, (n) => dossiers.find({ selectionId: `selection-${n % 10}`, status: 'SUBMITTED' }, { projection: { _id: 1 } }).toArray()),
  );

  const bucket = new GridFSBucket(db, { bucketName: 'files' });
  const [small] = await step('gridfsStoreSmall', backend, () => storeFiles(db, FILE_MB));
  figures.gridfsDeleteSmall = await step('gridfsDeleteSmall', backend, () => timed(() => bucket.delete(new mongoose.mongo.ObjectId(small))));
  if (withLargeStore) {
    let ids: string[] = [];
    const storeMs = await step('gridfsStoreLarge', backend, () => timed(async () => (ids = await storeFiles(db, GIGABYTES * 1024))));
    figures.gridfsStoreMbPerSecond = (GIGABYTES * 1024) / (storeMs / 1000);
    figures.gridfsDeleteLarge = await step('gridfsDeleteLarge', backend, () => timed(() => bucket.delete(new mongoose.mongo.ObjectId(ids[Math.floor(ids.length / 2)]))));
  }
  // Last: FerretDB 1.24 on PostgreSQL stops answering here (every update waits for a second pooled connection).
  figures.updateById50 = await step('updateById50', backend, () => fiftyAtOnce(2000, (n) => dossiers.updateOne({ _id: id(n % SAMPLES) }, { $inc: { revision: 1 } })));
}

const dev = loadDevConfig();
const binary = await provisionFerretDb({ cacheDir: cacheDirectory(dev), go: dev.GO, log: () => {}, path: dev.PATH });
const dir = await mkdtemp(join(tmpdir(), 'candidature-bench-database-'));
const postgres = await startPostgres({ port: await freePort(), dataDir: join(dir, 'postgres'), logFile: join(dir, 'postgres.log'), databases: ['ferretdb'] });
const backends = [
  { name: 'SQLite', server: await startFerretDb({ binary, port: await freePort(), dataDir: join(dir, 'sqlite'), logFile: join(dir, 'ferretdb-sqlite.log') }) },
  { name: 'PostgreSQL', server: await startFerretDb({ binary, port: await freePort(), dataDir: join(dir, 'unused'), logFile: join(dir, 'ferretdb-postgresql.log'), postgresqlUrl: postgres.url('ferretdb') }) },
].filter((backend) => !ONLY || ONLY.includes(backend.name));
const results: Record<string, (Partial<BackendFigures> & { timedOut?: string })[]> = { SQLite: [], PostgreSQL: [] };
try {
  for (let run = 0; run < RUNS; run += 1) {
    // Alternated, so neither always runs on a warmer machine; the large store only on the last run.
    for (const backend of run % 2 === 0 ? backends : [...backends].reverse()) {
      const client = await MongoClient.connect(backend.server.address, { maxPoolSize: CONCURRENCY });
      try {
        const figures = await measure(client.db('bench'), run === RUNS - 1, backend.name);
        results[backend.name]!.push(figures);
        if (figures.timedOut && process.env.KEEP_DATABASE_BENCH && backend.server.pid) {
          // A Go program dumps its goroutines on SIGQUIT: where the hang waits, in the kept log.
          process.kill(backend.server.pid, 'SIGQUIT');
          await new Promise((resolve) => setTimeout(resolve, 1000));
        }
        log(`database run ${run + 1}/${RUNS}, ${backend.name}: ${JSON.stringify(figures)}`);
      } finally {
        await client.close();
      }
    }
  }
} finally {
  for (const { server } of backends) await server.stop();
  await postgres.stop();
  // KEEP_DATABASE_BENCH=1 keeps the servers' logs (a hang's goroutine dump: kill -QUIT the launcher first).
  if (!process.env.KEEP_DATABASE_BENCH) await rm(dir, { recursive: true, force: true });
}

const fmt = (value: number, digits = 1) => value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const med = (name: string, pick: (figures: Partial<BackendFigures>) => number | undefined) => median(results[name]!.map(pick).filter((v): v is number => v !== undefined));
const has = (name: string, pick: (figures: Partial<BackendFigures>) => number | undefined) => (results[name] ?? []).some((figures) => pick(figures) !== undefined);
const row = (label: string, pick: (figures: Partial<BackendFigures>) => number | undefined, unit: string, digits = 1, lowerIsBetter = true) => {
  const cell = (name: string) => (has(name, pick) ? `${fmt(med(name, pick), digits)} ${unit}` : '**no answer**');
  const [sqlite, pg] = [has('SQLite', pick) ? med('SQLite', pick) : undefined, has('PostgreSQL', pick) ? med('PostgreSQL', pick) : undefined];
  const better =
    sqlite === undefined || pg === undefined ? (sqlite === undefined ? (pg === undefined ? '—' : 'PostgreSQL') : 'SQLite') : lowerIsBetter ? (sqlite <= pg ? 'SQLite' : 'PostgreSQL') : sqlite >= pg ? 'SQLite' : 'PostgreSQL';
  return `| ${label} | ${cell('SQLite')} | ${cell('PostgreSQL')} | ${better} |`;
};
const timeouts = Object.values(results).flatMap((runs) => runs.flatMap((figures) => (figures.timedOut ? [figures.timedOut] : [])));
const table = [
  '| with ' + DOSSIERS.toLocaleString('en-US') + ' dossiers of ~3 KB | FerretDB 1.24 on SQLite | FerretDB 1.24 on PostgreSQL 15 | faster |',
  '|---|---|---|---|',
  row(`insert ${DOSSIERS.toLocaleString('en-US')} dossiers (batches of 500, first run)`, (f) => f.insertMs, 'ms', 0),
  row('lookup by `_id`, one at a time (median)', (f) => f.findById, 'ms', 2),
  row('update by `_id`, one at a time (median)', (f) => f.updateById, 'ms', 2),
  row('lookups by `_id`, 50 at once', (f) => f.findById50?.perSecond, 'per s', 0, false),
  row('… their p99', (f) => f.findById50?.p99, 'ms', 0),
  row('updates by `_id`, 50 at once', (f) => f.updateById50?.perSecond, 'per s', 0, false),
  row('… their p99', (f) => f.updateById50?.p99, 'ms', 0),
  row('filter on `selectionId` + `status` with its index (~125 of 5,000)', (f) => f.filterIndexed, 'ms', 1),
  row(`GridFS: delete a ${FILE_MB} MB file, ${FILE_MB} MB stored`, (f) => f.gridfsDeleteSmall, 'ms', 0),
  row(`GridFS: store ${GIGABYTES} GB in ${FILE_MB} MB files (last run)`, (f) => f.gridfsStoreMbPerSecond, 'MB/s', 1, false),
  row(`GridFS: delete a ${FILE_MB} MB file, ${GIGABYTES} GB stored (last run)`, (f) => f.gridfsDeleteLarge, 'ms', 0),
];
const command = `DATABASE_DOSSIERS=${DOSSIERS} DATABASE_GB=${GIGABYTES} RUNS=${RUNS} npm run bench:database`;
const section = [
  '<!-- bench:database:begin (written by npm run bench:database) -->',
  '',
  ...table,
  '',
  `Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on ${machine()}, ${RUNS} run${RUNS === 1 ? '' : 's'}${RUNS > 1 ? ' (medians; the two alternated)' : ''}: \`${command}\`.`,
  ...(timeouts.length ? ['', ...timeouts.map((text) => `- Given up: ${text}.`)] : []),
  '',
  '<!-- bench:database:end -->',
].join('\n');
console.log(`\n${section}\n`);

const resultsDir = new URL('../.reliability/bench/', import.meta.url);
await mkdir(resultsDir, { recursive: true });
await writeFile(new URL('database.json', resultsDir), JSON.stringify({ measuredAt: new Date().toISOString(), machine: machine(), command, results }, null, 2));
const docFile = new URL('../docs/BENCHMARKS.md', import.meta.url);
const doc = await readFile(docFile, 'utf8');
const [begin, end] = ['<!-- bench:database:begin', '<!-- bench:database:end -->'];
const start = doc.indexOf(begin);
const stop = doc.indexOf(end);
await writeFile(docFile, start >= 0 && stop > start ? `${doc.slice(0, start)}${section}${doc.slice(stop + end.length)}` : `${doc.trimEnd()}\n\n## FerretDB: SQLite or PostgreSQL\n\n${section}\n`);
