import mongoose, { type Connection } from 'mongoose';
import { pipeline } from 'node:stream/promises';
import type { Readable, Transform } from 'node:stream';

export interface StoredFile {
  id: string;
  filename: string;
  contentType: string;
  length: number;
}

/**
 * Uploaded files (candidates' documents, downloadable forms) in GridFS.
 * Files are streamed in and out; nothing holds a whole file in memory.
 */
export interface FileStore {
  /** Streams `source` (through `transforms`) in; on any failure, what was written is removed. */
  save(
    source: Readable,
    file: { filename: string; contentType: string; metadata?: Record<string, unknown> },
    transforms?: Transform[],
  ): Promise<StoredFile>;
  /** Uploads for dossiers stored before `cutoff`, to find those no dossier refers to. */
  listDossierUploads(before: Date): Promise<{ id: string; dossierId: string }[]>;
  /** For uploads, whose type is known only once their first bytes have been read. */
  setContentType(id: string, contentType: string): Promise<void>;
  openDownload(id: string): Readable;
  find(id: string): Promise<StoredFile | null>;
  delete(id: string): Promise<void>;
  /**
   * Chunks of uploads started before `before` that never got their files
   * document (the database went away mid-upload, so the clean-up in `save`
   * could not run). Returns how many uploads' chunks were removed.
   */
  deleteStrayChunks(before: Date): Promise<number>;
}

// The driver bundled with mongoose, so both always speak the same version.
const { GridFSBucket, ObjectId } = mongoose.mongo;

/**
 * Resolves once the upload stream has no chunk insert in flight (at most 10 s).
 * The driver counts them in its stream state, which its API does not expose.
 */
async function writesSettled(upload: object): Promise<void> {
  const state = (upload as { state?: { outstandingRequests?: number } }).state;
  for (const deadline = Date.now() + 10_000; (state?.outstandingRequests ?? 0) > 0 && Date.now() < deadline; ) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export function createFileStore(connection: Connection, bucketName = 'files'): FileStore {
  const db = connection.db;
  if (!db) throw new Error('database connection is not open');
  const bucket = new GridFSBucket(db, { bucketName });

  return {
    async save(source, file, transforms = []) {
      const upload = bucket.openUploadStream(file.filename, {
        metadata: { ...file.metadata, contentType: file.contentType },
      });
      try {
        // One pipeline: an error or an early end anywhere (a client gone mid-upload) fails it all.
        await pipeline([source, ...transforms, upload]);
      } catch (error) {
        // The files document is written last, so only chunks can be left behind; a chunk whose insert
        // was in flight when the pipeline failed would land after a delete made at once.
        await writesSettled(upload);
        await db.collection(`${bucketName}.chunks`).deleteMany({ files_id: upload.id });
        throw error;
      }
      return { id: upload.id.toString(), filename: file.filename, contentType: file.contentType, length: upload.length };
    },
    async listDossierUploads(before) {
      const docs = await db
        .collection(`${bucketName}.files`)
        .find({ 'metadata.dossierId': { $exists: true }, uploadDate: { $lt: before } }, { projection: { _id: 1, metadata: 1 } })
        .toArray();
      return docs.map((doc) => ({ id: String(doc._id), dossierId: String(doc.metadata?.dossierId) }));
    },
    async setContentType(id, contentType) {
      await db.collection(`${bucketName}.files`).updateOne({ _id: new ObjectId(id) }, { $set: { 'metadata.contentType': contentType } });
    },
    openDownload(id) {
      return bucket.openDownloadStream(new ObjectId(id));
    },
    async find(id) {
      const [doc] = await bucket.find({ _id: new ObjectId(id) }).limit(1).toArray();
      if (!doc) return null;
      return {
        id: doc._id.toString(),
        filename: doc.filename,
        contentType: String(doc.metadata?.contentType ?? 'application/octet-stream'),
        length: doc.length,
      };
    },
    async deleteStrayChunks(before) {
      const chunks = db.collection(`${bucketName}.chunks`);
      // An upload's id is an ObjectId made when it started: its time says how old the chunks are. Only the
      // week before `before` is looked at (the purge runs hourly), so the work does not grow with all uploads ever.
      const seconds = (date: Date) => Math.floor(date.getTime() / 1000);
      const window = { $gte: ObjectId.createFromTime(seconds(before) - 7 * 24 * 3600), $lt: ObjectId.createFromTime(seconds(before)) };
      const ids: InstanceType<typeof ObjectId>[] = await chunks.distinct('files_id', { files_id: window });
      if (ids.length === 0) return 0;
      const complete = await db.collection(`${bucketName}.files`).find({ _id: { $in: ids } }, { projection: { _id: 1 } }).toArray();
      const known = new Set(complete.map((doc) => String(doc._id)));
      const stray = ids.filter((id) => !known.has(String(id)));
      if (stray.length > 0) await chunks.deleteMany({ files_id: { $in: stray } });
      return stray.length;
    },
    async delete(id) {
      try {
        await bucket.delete(new ObjectId(id));
      } catch (error) {
        // Already deleted (a retried activity, say): the goal is reached.
        if ((error as Error).name !== 'MongoRuntimeError' || !/File not found/i.test((error as Error).message)) throw error;
      }
    },
  };
}
