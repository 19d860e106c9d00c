import mongoose, { type Connection } from 'mongoose';
import { pipeline } from 'node:stream/promises';
import { Readable, type Transform, Writable } from 'node:stream';

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
const { GridFSBucket, ObjectId, Binary } = mongoose.mongo;
/** A chunk as stored: GridFS's fields, with a derived `_id` (chunkIdOf). */
interface Chunk {
  _id: string;
  files_id: InstanceType<typeof ObjectId>;
  n: number;
  data: InstanceType<typeof Binary>;
}
type Chunks = mongoose.mongo.Collection<Chunk>;
type Collection = mongoose.mongo.Collection;

/** GridFS's own chunk size. */
const CHUNK_SIZE = 255 * 1024;

/**
 * The layout is GridFS's (a `files` document, `chunks` with `files_id`, `n`
 * and `data`: MongoDB's tools read it), but each chunk's `_id` is derived
 * from its file and rank, and every chunk is read and deleted by that `_id`.
 * The driver's GridFS finds chunks by `files_id`, which FerretDB answers by
 * reading every chunk stored: deleting a 1 MB file took 96 s with 2.8 GB
 * stored (docs/BENCHMARKS.md, uploads), and a download asks the same. By
 * `_id` the time depends on the file alone. Files stored before carry no
 * marker: the driver's GridFS still reads and deletes them. Only the hourly
 * purge of stray chunks still filters on `files_id` (deleteStrayChunks).
 */
const DERIVED_CHUNK_IDS = 'files_id:n';
export const chunkIdOf = (fileId: string, n: number) => `${fileId}:${n}`;

/** Chunks deleted at once, each by its `_id` (FerretDB deletes by `_id` without reading the others). */
const DELETE_BATCH = 16;

/**
 * Streams bytes into chunks of CHUNK_SIZE, one insert at a time, and the
 * `files` document last: a file is complete once that document exists.
 */
class ChunkWriter extends Writable {
  readonly fileId = new ObjectId();
  length = 0;
  /** Chunks inserted or being inserted, numbered from 0. */
  chunkCount = 0;
  private buffered: Buffer[] = [];
  private bufferedBytes = 0;
  /** The inserts under way, as one chain: a failed upload deletes its chunks once it has ended. */
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly chunks: Chunks,
    private readonly files: Collection,
    private readonly file: { filename: string; metadata: Record<string, unknown> },
  ) {
    super();
  }

  override _write(data: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.buffered.push(data);
    this.bufferedBytes += data.length;
    this.length += data.length;
    this.settle(this.flush(CHUNK_SIZE), callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    const done = this.flush(1).then(async () => {
      if (this.destroyed) return;
      await this.files.insertOne({ _id: this.fileId, length: this.length, chunkSize: CHUNK_SIZE, uploadDate: new Date(), filename: this.file.filename, metadata: this.file.metadata, chunkIds: DERIVED_CHUNK_IDS });
    });
    this.settle(done, callback);
  }

  /** Resolves once every insert has ended: a failed upload deletes its chunks only then. */
  async settled(): Promise<void> {
    await this.writing.catch(() => undefined);
  }

  /** Calls the stream's callback outside the promise chain, so an exception there is not a lost rejection. */
  private settle(work: Promise<void>, callback: (error?: Error | null) => void): void {
    this.writing = work;
    work.then(
      () => process.nextTick(callback),
      (error: Error) => process.nextTick(callback, error),
    );
  }

  /**
   * Inserts full chunks while at least `least` bytes are buffered (1 at the end: the last, shorter chunk). Stops
   * once the stream is destroyed (the pipeline failed): nothing is inserted after the clean-up has counted them.
   */
  private async flush(least: number): Promise<void> {
    while (this.bufferedBytes >= least && !this.destroyed) {
      const all = this.buffered.length === 1 ? this.buffered[0]! : Buffer.concat(this.buffered);
      const data = all.subarray(0, CHUNK_SIZE);
      this.buffered = data.length < all.length ? [all.subarray(CHUNK_SIZE)] : [];
      this.bufferedBytes = all.length - data.length;
      const n = this.chunkCount++;
      await this.chunks.insertOne({ _id: chunkIdOf(this.fileId.toHexString(), n), files_id: this.fileId, n, data: new Binary(data) });
    }
  }
}

/** Deletes chunks 0 to count − 1 of a file, by `_id`. */
async function deleteChunks(chunks: Chunks, fileId: string, count: number): Promise<void> {
  for (let first = 0; first < count; first += DELETE_BATCH) {
    const batch = Array.from({ length: Math.min(DELETE_BATCH, count - first) }, (_, i) => chunkIdOf(fileId, first + i));
    await Promise.all(batch.map((_id) => chunks.deleteOne({ _id: _id })));
  }
}

export function createFileStore(connection: Connection, bucketName = 'files'): FileStore {
  const db = connection.db;
  if (!db) throw new Error('database connection is not open');
  // For the files stored before chunks had derived ids.
  const bucket = new GridFSBucket(db, { bucketName });
  const filesCollection = db.collection(`${bucketName}.files`);
  const chunks = db.collection<Chunk>(`${bucketName}.chunks`);

  /** How a stored file's chunks are laid out, from its `files` document; null when there is none. */
  async function layoutOf(_id: InstanceType<typeof ObjectId>): Promise<{ derivedIds: boolean; length: number; chunkSize: number; count: number } | null> {
    const file = await filesCollection.findOne({ _id }, { projection: { length: 1, chunkSize: 1, chunkIds: 1 } });
    if (!file) return null;
    const [length, chunkSize] = [Number(file.length), Number(file.chunkSize)];
    return { derivedIds: file.chunkIds === DERIVED_CHUNK_IDS, length, chunkSize, count: Math.ceil(length / chunkSize) };
  }

  async function* chunksOf(id: string): AsyncGenerator<Buffer> {
    const _id = new ObjectId(id);
    const file = await layoutOf(_id);
    if (!file) throw new Error(`File not found for id ${id}`);
    if (!file.derivedIds) {
      yield* bucket.openDownloadStream(_id);
      return;
    }
    const { count, chunkSize, length } = file;
    for (let n = 0; n < count; n += 1) {
      const chunk = await chunks.findOne({ _id: chunkIdOf(_id.toHexString(), n) });
      const expected = n < count - 1 ? chunkSize : length - chunkSize * (count - 1);
      if (!chunk) throw new Error(`chunk ${n} of file ${id} is missing`);
      // A short chunk would be a truncated file sent as whole.
      if (chunk.data.buffer.length !== expected) throw new Error(`chunk ${n} of file ${id} holds ${chunk.data.buffer.length} bytes, not ${expected}`);
      yield Buffer.from(chunk.data.buffer);
    }
  }

  // GridFS's indexes, as the driver makes them before a bucket's first file: MongoDB uses them (the purge of
  // stray chunks, tools reading the bucket); FerretDB keeps them without using them.
  let indexes: Promise<unknown> | undefined;
  const ensureIndexes = () =>
    (indexes ??= Promise.all([chunks.createIndex({ files_id: 1, n: 1 }, { unique: true }), filesCollection.createIndex({ filename: 1, uploadDate: 1 })]).catch((error: unknown) => {
      indexes = undefined; // asked again by the next upload
      throw error;
    }));

  return {
    async save(source, file, transforms = []) {
      await ensureIndexes();
      const upload = new ChunkWriter(chunks, filesCollection, { filename: file.filename, metadata: { ...file.metadata, contentType: file.contentType } });
      try {
        // One pipeline: an error or an early end anywhere (a client gone mid-upload) fails it all.
        await pipeline([source, ...transforms, upload]);
      } catch (error) {
        // The files document is written last, so only chunks can be left behind; a chunk whose insert
        // was in flight when the pipeline failed would land after a delete made at once.
        await upload.settled();
        await deleteChunks(chunks, upload.fileId.toHexString(), upload.chunkCount);
        throw error;
      }
      return { id: upload.fileId.toString(), filename: file.filename, contentType: file.contentType, length: upload.length };
    },
    async listDossierUploads(before) {
      const docs = await filesCollection
        .find({ 'metadata.dossierId': { $exists: true }, uploadDate: { $lt: before } }, { projection: { _id: 1, metadata: 1 } })
        .toArray();
      return docs.map((doc) => ({ id: String(doc._id), dossierId: String(doc.metadata?.dossierId) }));
    },
    async setContentType(id, contentType) {
      await filesCollection.updateOne({ _id: new ObjectId(id) }, { $set: { 'metadata.contentType': contentType } });
    },
    openDownload(id) {
      return Readable.from(chunksOf(id), { objectMode: false });
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
      // An upload's id is an ObjectId made when it started: its time says how old the chunks are. Only the
      // week before `before` is looked at (the purge runs hourly), so the work does not grow with all uploads ever.
      const seconds = (date: Date) => Math.floor(date.getTime() / 1000);
      const window = { $gte: ObjectId.createFromTime(seconds(before) - 7 * 24 * 3600), $lt: ObjectId.createFromTime(seconds(before)) };
      const ids: InstanceType<typeof ObjectId>[] = await chunks.distinct('files_id', { files_id: window });
      if (ids.length === 0) return 0;
      const complete = await filesCollection.find({ _id: { $in: ids } }, { projection: { _id: 1 } }).toArray();
      const known = new Set(complete.map((doc) => String(doc._id)));
      const stray = ids.filter((id) => !known.has(String(id)));
      if (stray.length > 0) await chunks.deleteMany({ files_id: { $in: stray } });
      return stray.length;
    },
    async delete(id) {
      const _id = new ObjectId(id);
      const file = await layoutOf(_id);
      // Already deleted (a retried activity, say): the goal is reached.
      if (!file) return;
      if (!file.derivedIds) {
        try {
          await bucket.delete(_id);
        } catch (error) {
          if ((error as Error).name !== 'MongoRuntimeError' || !/File not found/i.test((error as Error).message)) throw error;
        }
        return;
      }
      // Chunks first, the files document last: a delete cut short is finished by its retry, which still finds the file.
      await deleteChunks(chunks, _id.toHexString(), file.count);
      await filesCollection.deleteOne({ _id });
    },
  };
}
