/**
 * Why the FerretDB launcher adds an index (tools/ferretdb-launcher/id_index.go):
 * the time of a lookup and of an update by _id as the collection grows, on two
 * FerretDB servers side by side, one started with `-id-index=false`.
 *
 *   npm run bench:ferretdb          (LOOKUP_SIZES=100,1000,5000 DOC_BYTES=3000 by default)
 */
import mongoose from 'mongoose';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cacheDirectory, loadDevConfig } from '../dev/config.js';
import { freePort } from '../dev/ports.js';
import { provisionFerretDb } from '../dev/provision.js';
import { startFerretDb } from '../dev/servers.js';

const SIZES = (process.env.LOOKUP_SIZES ?? '100,1000,5000').split(',').map(Number);
const DOC_BYTES = Number(process.env.DOC_BYTES ?? 3000);
const SAMPLES = 100;
const { MongoClient } = mongoose.mongo;

const dev = loadDevConfig();
const binary = await provisionFerretDb({ cacheDir: cacheDirectory(dev), go: dev.GO, log: () => {}, path: dev.PATH });
const dir = await mkdtemp(join(tmpdir(), 'candidature-ferretdb-lookups-'));
const servers = await Promise.all(
  [true, false].map(async (idIndex) => {
    const server = await startFerretDb({ binary, port: await freePort(), dataDir: join(dir, String(idIndex)), logFile: join(dir, `${idIndex}.log`), idIndex });
    const client = await MongoClient.connect(server.address);
    return { idIndex, server, client, collection: client.db('lookups').collection<{ _id: string; revision: number }>('dossiers') };
  }),
);

const rows: string[] = [];
try {
  let filled = 0;
  for (const size of SIZES) {
    const documents = Array.from({ length: size - filled }, (_, n) => ({ _id: `d${filled + n}`, revision: 0, state: { padding: 'x'.repeat(DOC_BYTES) } }));
    for (const { collection } of servers) for (let start = 0; start < documents.length; start += 500) await collection.insertMany(documents.slice(start, start + 500));
    filled = size;
    const ms: Record<string, number> = {};
    for (const { idIndex, collection } of servers) {
      // Spread over the whole collection: a lookup that scans cannot stop early on the first rows.
      const id = (n: number) => `d${Math.floor((n * size) / SAMPLES)}`;
      const time = async (label: string, operation: (n: number) => Promise<unknown>) => {
        const started = process.hrtime.bigint();
        for (let n = 0; n < SAMPLES; n += 1) await operation(n);
        ms[`${label} ${idIndex ? 'with' : 'without'}`] = Number(process.hrtime.bigint() - started) / 1e6 / SAMPLES;
      };
      await time('findById', (n) => collection.findOne({ _id: id(n) }));
      await time('updateById', (n) => collection.updateOne({ _id: id(n) }, { $set: { revision: n } }));
      await time('findByIdAndField', (n) => collection.findOne({ _id: id(n), revision: { $gte: 0 } }));
    }
    const cell = (label: string) => `${ms[`${label} without`]!.toFixed(1)} ms → ${ms[`${label} with`]!.toFixed(1)} ms`;
    rows.push(`| ${size.toLocaleString('en-US')} | ${cell('findById')} | ${cell('updateById')} | ${cell('findByIdAndField')} |`);
    console.log(rows.at(-1));
  }
} finally {
  for (const { client, server } of servers) {
    await client.close();
    await server.stop();
  }
  await rm(dir, { recursive: true, force: true });
}
console.log(
  [
    '',
    `Mean time of one operation (${SAMPLES} in a row), documents of ${DOC_BYTES} bytes, without → with the launcher's _id index:`,
    '',
    '| documents in the collection | find by _id | update by _id | find by _id and another field |',
    '|---|---|---|---|',
    ...rows,
  ].join('\n'),
);
