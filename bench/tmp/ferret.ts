import { MongoClient } from 'mongodb';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cacheDirectory, loadDevConfig } from '../../dev/config.js';
import { freePort } from '../../dev/ports.js';
import { provisionFerretDb } from '../../dev/provision.js';
import { startFerretDb } from '../../dev/servers.js';

const devConfig = loadDevConfig();
const bin = await provisionFerretDb({ cacheDir: cacheDirectory(devConfig), go: devConfig.GO, log: () => {}, path: devConfig.PATH });
const dir = await mkdtemp(join(tmpdir(), 'ferret-probe-'));
const server = await startFerretDb({ binary: bin, port: await freePort(), dataDir: join(dir, 'd'), logFile: join(dir, 'log') });
const client = await MongoClient.connect(server.address);
const db = client.db('probe');
const pad = 'x'.repeat(Number(process.env.DOC_BYTES ?? 3000));
const coll = db.collection<{ _id: string }>('c');
let count = 0;
for (const n of (process.env.NS ?? '100,1000,5000').split(',').map(Number)) {
  const docs = [];
  for (; count < n; count++) docs.push({ _id: `d${count}`, other: `o${count}`, state: { pad, list: [1, 2, 3] } });
  for (let i = 0; i < docs.length; i += 500) await coll.insertMany(docs.slice(i, i + 500));
  for (const [label, f] of [
    ['findById', (i: number) => coll.findOne({ _id: `d${i % n}` })],
    ['findById+cond', (i: number) => coll.findOne({ _id: `d${i % n}`, other: { $exists: true } })],
    ['find other', (i: number) => coll.findOne({ other: `o${i % n}` })],
    ['updateOne _id', (i: number) => coll.updateOne({ _id: `d${i % n}` }, { $set: { x: i } })],
    ['updateOne _id upsert', (i: number) => coll.updateOne({ _id: `d${i % n}` }, { $set: { x: i } }, { upsert: true })],
    ['updateOne _id+rev', (i: number) => coll.updateOne({ _id: `d${i % n}`, x: { $lte: 1e9 } }, { $set: { x: i } })],
    ['findOne _id proj', (i: number) => coll.findOne({ _id: `d${i % n}` }, { projection: { _id: 1 } })],
    ['find _id $in', (i: number) => coll.find({ _id: { $in: [`d${i % n}`] } }).toArray()],
    ['replaceOne _id', (i: number) => coll.replaceOne({ _id: `d${i % n}` }, { other: 'z', x: i, state: { pad } })],
  ] as const) {
    const t = Date.now(); const N = 100;
    for (let i = 0; i < N; i++) await f(i * 7);
    console.log(`n=${n} ${label}: ${((Date.now() - t) / N).toFixed(2)} ms/op`);
  }
}
await client.close(); await server.stop();
