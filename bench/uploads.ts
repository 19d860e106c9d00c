/**
 * Uploads: PDFs of 1, 10 and 50 MB sent to a dossier's "CV" slot through the
 * API (multipart, autocannon), 1 and 8 at a time, each upload into a dossier
 * of its own (a replaced file's deletion is measured apart: see deleteMs). Measured: MB/s, and the API process's peak resident memory over
 * its resident memory before the run. Baseline in the same system: the same
 * bytes streamed into GridFS from this process (the file store the API uses,
 * without HTTP, multipart, type checks or Temporal).
 */
import autocannon from 'autocannon';
import { Readable } from 'node:stream';
import { createFileStore } from '../db/files.js';
import type { System } from '../test/reliability/support/system.js';
import { log, rssMb, rssPeak, settle } from './measure.js';
import type { CandidateWithDossier } from './open-dossiers.js';
import { inParallel } from '../test/support/journey.js';

export const UPLOAD_SIZES_MB = [1, 10, 50] as const;
export const UPLOAD_CONCURRENCY = [1, 8] as const;
/** The API's limit during this scenario: the largest file and its multipart envelope fit. */
export const UPLOAD_LIMIT_MB = '64';
const MB = 1024 * 1024;
const BOUNDARY = '----candidature-bench';

export interface UploadMeasure {
  mbPerSecond: number;
  peakGrowthMb: number;
  errors: number;
  /** In-process only: time to delete one of the files afterwards (db/files.ts: its chunks one by one, by `_id`). */
  deleteMs?: number;
  /** In-process only: MB of files stored in GridFS when that file was deleted. */
  storedMb?: number;
}

/** How many uploads each connection sends: enough bytes per run to time, not so many that a run takes minutes. */
const uploadsPerConnection = (sizeMb: number) => (sizeMb <= 1 ? 8 : sizeMb <= 10 ? 2 : 1);

function pdfOf(sizeMb: number): Buffer {
  const bytes = Buffer.alloc(sizeMb * MB, 0x20);
  bytes.write('%PDF-1.7\n', 0, 'latin1');
  bytes.write('\n%%EOF\n', bytes.length - 7, 'latin1');
  return bytes;
}

function multipartOf(file: Buffer): Buffer {
  return Buffer.concat([
    Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="cv.pdf"\r\nContent-Type: application/pdf\r\n\r\n`),
    file,
    Buffer.from(`\r\n--${BOUNDARY}--\r\n`),
  ]);
}

/** How many uploads one round of every size and concurrency sends. */
export const UPLOADS_PER_ROUND = UPLOAD_SIZES_MB.reduce((total, sizeMb) => total + UPLOAD_CONCURRENCY.reduce((sum, concurrency) => sum + concurrency * uploadsPerConnection(sizeMb), 0), 0);

/** Sends `count` uploads (by default `concurrency` × a number per size), each into the next unused target of `targets`. */
export async function uploadThroughApi(system: System, targets: CandidateWithDossier[], sizeMb: number, concurrency: number, count?: number): Promise<UploadMeasure> {
  const body = multipartOf(pdfOf(sizeMb));
  const amount = count ?? concurrency * uploadsPerConnection(sizeMb);
  if (targets.length < amount) throw new Error(`uploads: ${amount} targets needed, ${targets.length} left`);
  const batch = targets.splice(0, amount);
  await settle(system);
  const before = rssMb(system.api.pid());
  const peak = rssPeak(system.api.pid());
  let next = 0;
  const started = Date.now();
  const result = await autocannon({
    url: system.apiUrl,
    connections: concurrency,
    amount,
    timeout: 600,
    requests: [
      {
        setupRequest: (request) => {
          const target = batch[next++ % batch.length]!;
          return {
            ...request,
            method: 'PUT',
            path: `/api/dossiers/${encodeURIComponent(target.dossierId)}/documents/cv`,
            headers: { authorization: `Bearer ${target.account.token}`, 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
            body,
          };
        },
      },
    ],
  });
  const seconds = (Date.now() - started) / 1000;
  const measure = { mbPerSecond: (sizeMb * result.requests.total) / seconds, peakGrowthMb: peak.stop() - before, errors: result.errors + result.timeouts + result.non2xx };
  log(`upload ${sizeMb} MB × ${concurrency} through the API (${result.requests.total} files): ${JSON.stringify(measure)}`);
  return measure;
}

/** With `timeDeletion`, one of the files is deleted afterwards and the time taken is part of the measure. */
export async function uploadInProcess(system: System, sizeMb: number, concurrency: number, timeDeletion = false, uploads?: number): Promise<UploadMeasure> {
  const files = createFileStore(system.database.connection);
  const pdf = pdfOf(sizeMb);
  const count = uploads ?? concurrency * uploadsPerConnection(sizeMb);
  const before = rssMb();
  const peak = rssPeak(process.pid);
  const started = Date.now();
  const ids = await inParallel(Array.from({ length: count }, (_, n) => n), concurrency, async () => {
    // Streamed in 64 KB pieces, as the multipart parser hands them to the API's store.
    const pieces = (function* () {
      for (let offset = 0; offset < pdf.length; offset += 64 * 1024) yield pdf.subarray(offset, offset + 64 * 1024);
    })();
    return (await files.save(Readable.from(pieces), { filename: 'cv.pdf', contentType: 'application/pdf' })).id;
  });
  const seconds = (Date.now() - started) / 1000;
  const peakGrowthMb = peak.stop() - before;
  const measure: UploadMeasure = { mbPerSecond: (sizeMb * count) / seconds, peakGrowthMb, errors: 0 };
  if (timeDeletion) Object.assign(measure, await timeOneDeletion(system, ids[0]!));
  log(`upload ${sizeMb} MB × ${concurrency} in-process (${count} files): ${JSON.stringify(measure)}`);
  return measure;
}

/** Deletes one file and says how long it took, and how much was stored (each deletion reads every chunk stored: see the notes). */
async function timeOneDeletion(system: System, fileId: string): Promise<{ deleteMs: number; storedMb: number }> {
  const files = createFileStore(system.database.connection);
  const stored = await system.database.connection.db!.collection('files.files').find({}, { projection: { length: 1 } }).toArray();
  const deleting = Date.now();
  await files.delete(fileId);
  return { deleteMs: Date.now() - deleting, storedMb: stored.reduce((total, file) => total + Number(file.length), 0) / MB };
}
