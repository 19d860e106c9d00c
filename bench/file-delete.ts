/**
 * Deleting a file as the store grows: a 1 MB and a 10 MB file deleted with
 * little stored, then again once `FILE_DELETE_GB` (3) GB are stored, on
 * FerretDB (SQLite) started for the purpose. The file store reads and deletes
 * chunks by `_id` (db/files.ts), so the time should follow the file, not
 * what is stored.
 *
 *   npx tsx bench/file-delete.ts        # about 5 minutes here for 3 GB
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { connectDatabase } from '../db/connection.js';
import { createFileStore } from '../db/files.js';
import { cacheDirectory, loadDevConfig } from '../dev/config.js';
import { freePort } from '../dev/ports.js';
import { provisionFerretDb } from '../dev/provision.js';
import { startFerretDb } from '../dev/servers.js';
import { log } from './measure.js';

const MB = 1024 * 1024;
const STORED_GB = Number(process.env.FILE_DELETE_GB ?? 3);

const devConfig = loadDevConfig();
const binary = await provisionFerretDb({ cacheDir: cacheDirectory(devConfig), go: devConfig.GO, log: () => {}, path: devConfig.PATH });
const dir = await mkdtemp(join(tmpdir(), 'file-delete-'));
const server = await startFerretDb({ binary, port: await freePort(), dataDir: join(dir, 'ferretdb'), logFile: join(dir, 'ferretdb.log') });
const database = await connectDatabase(`${server.address}candidature`);
const files = createFileStore(database.connection);
const store = async (sizeMb: number) =>
  (await files.save(Readable.from([Buffer.alloc(sizeMb * MB, sizeMb)]), { filename: `${sizeMb}.pdf`, contentType: 'application/pdf' })).id;

let storedMb = 0;
async function timeDeletes(): Promise<string> {
  const times: string[] = [];
  for (const sizeMb of [1, 10]) {
    const id = await store(sizeMb);
    const started = process.hrtime.bigint();
    await files.delete(id);
    times.push(`${sizeMb} MB file ${(Number(process.hrtime.bigint() - started) / 1e6).toFixed(0)} ms`);
  }
  return `${times.join(', ')} with ${(storedMb / 1024).toFixed(2)} GB stored`;
}

try {
  const results = [await timeDeletes()];
  while (storedMb < STORED_GB * 1024) {
    await store(50);
    storedMb += 50;
    if (storedMb % 500 === 0) log(`file delete: ${storedMb} MB stored`);
  }
  results.push(await timeDeletes());
  console.log(`Deleting a file (db/files.ts): ${results.join('; ')}`);
} finally {
  await database.close();
  await server.stop();
  await rm(dir, { recursive: true, force: true });
}
