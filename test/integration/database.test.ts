import { createHash, randomBytes } from 'node:crypto';
import mongoose from 'mongoose';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isDuplicateKeyError } from '../../db/errors.js';
import { createAccount } from '../../accounts/accounts.js';
import type { Database } from '../../db/connection.js';
import { chunkIdOf, createFileStore, type FileStore } from '../../db/files.js';
import { connectTestDatabase } from '../support/stack.js';

describe('database (FerretDB, MongoDB protocol)', () => {
  let database: Database;
  let files: FileStore;

  beforeAll(async () => {
    database = await connectTestDatabase();
    files = createFileStore(database.connection);
  });
  afterAll(() => database?.close());

  it('round-trips a document with accented text and dates', async () => {
    const closesAt = new Date('2027-02-01T11:00:00Z');
    await database.models.Training.create({ _id: 'es', title: 'Éducateur spécialisé', diploma: 'DEES' });
    await database.models.Selection.create({
      _id: 'es-2027',
      trainingId: 'es',
      title: 'Éducateur spécialisé — rentrée 2027',
      opensAt: new Date('2026-11-01T00:00:00Z'),
      closesAt,
      officeContact: { name: 'Service sélection', email: 'selection@itsra.example' },
    });
    const stored = await database.models.Selection.findById('es-2027').lean();
    expect(stored?.title).toBe('Éducateur spécialisé — rentrée 2027');
    expect(stored?.closesAt.toISOString()).toBe(closesAt.toISOString());
    expect(stored?.officeContact.email).toBe('selection@itsra.example');
  });

  it('refuses a second account with the same identifier or e-mail, whatever the case', async () => {
    const account = { identifier: 'MCurie', email: 'marie@example.org', firstName: 'Marie', lastName: 'Curie', role: 'candidate' as const, password: 'x' };
    await createAccount(database.models, account);
    await expect(createAccount(database.models, { ...account, identifier: 'mcurie', email: 'other@example.org' })).rejects.toMatchObject({ field: 'identifier' });
    await expect(createAccount(database.models, { ...account, identifier: 'other', email: 'Marie@Example.org' })).rejects.toMatchObject({ field: 'email' });
    expect(await database.models.Account.countDocuments()).toBe(1);
  });

  it('tells a unique-index refusal on an update from any other error (FerretDB answers code 1, not 11000)', async () => {
    const base = { firstName: 'Ada', lastName: 'Lovelace', role: 'candidate' as const, password: 'x' };
    await createAccount(database.models, { ...base, identifier: 'ada1', email: 'ada1@example.org' });
    const { id } = await createAccount(database.models, { ...base, identifier: 'ada2', email: 'ada2@example.org' });
    const refused = await database.models.Account.updateOne({ _id: id }, { $set: { email: 'ada1@example.org' } }).catch((error: unknown) => error);
    expect(isDuplicateKeyError(refused)).toBe(true);
    expect(isDuplicateKeyError(new Error('connection reset'))).toBe(false);
  });

  it('streams a multi-chunk file into GridFS and back, byte for byte', async () => {
    // 3 MiB spans several 255 KiB GridFS chunks.
    const content = randomBytes(3 * 1024 * 1024);
    const saved = await files.save(Readable.from([content.subarray(0, 1_000_000), content.subarray(1_000_000)]), {
      filename: 'cv.pdf',
      contentType: 'application/pdf',
      metadata: { dossierId: 'dossier:es-2027:c-1' },
    });
    expect(saved.length).toBe(content.length);

    const found = await files.find(saved.id);
    expect(found).toMatchObject({ filename: 'cv.pdf', contentType: 'application/pdf', length: content.length });

    const readBack = await buffer(files.openDownload(saved.id));
    expect(createHash('sha256').update(readBack).digest('hex')).toBe(createHash('sha256').update(content).digest('hex'));
  });

  it('keeps chunks under ids derived from the file, read and deleted by _id alone', async () => {
    // FerretDB reads every chunk stored to answer a filter on files_id: reads and deletes never ask one (db/files.ts).
    const content = randomBytes(600 * 1024);
    const saved = await files.save(Readable.from([content]), { filename: 'cv.pdf', contentType: 'application/pdf' });
    const chunks = database.connection.db!.collection('files.chunks');
    const stored = await chunks.find({ files_id: new mongoose.mongo.ObjectId(saved.id) }).sort({ n: 1 }).toArray();
    expect(stored.map((chunk) => [chunk._id, chunk.n, chunk.data.buffer.length])).toEqual([
      [chunkIdOf(saved.id, 0), 0, 255 * 1024],
      [chunkIdOf(saved.id, 1), 1, 255 * 1024],
      [chunkIdOf(saved.id, 2), 2, 600 * 1024 - 2 * 255 * 1024],
    ]);
    // The driver's GridFS reads the same layout.
    const bucket = new mongoose.mongo.GridFSBucket(database.connection.db!, { bucketName: 'files' });
    expect((await buffer(bucket.openDownloadStream(new mongoose.mongo.ObjectId(saved.id)))).equals(content)).toBe(true);

    // A chunk gone is an error of the download, not a short file.
    await chunks.deleteOne({ _id: chunkIdOf(saved.id, 1) as never });
    await expect(buffer(files.openDownload(saved.id))).rejects.toThrow(/chunk 1/);
    await files.delete(saved.id);
    expect(await chunks.countDocuments({ files_id: new mongoose.mongo.ObjectId(saved.id) })).toBe(0);
    expect(await files.find(saved.id)).toBeNull();
    await files.delete(saved.id); // a retried delete finds nothing left to do
    await expect(buffer(files.openDownload(saved.id))).rejects.toThrow(/not found/);
  });

  it('leaves no chunk behind when the source fails after a write larger than a chunk', async () => {
    const chunks = database.connection.db!.collection('files.chunks');
    const before = await chunks.countDocuments();
    async function* failing() {
      yield randomBytes(700 * 1024); // three chunks from one write
      throw new Error('client gone');
    }
    await expect(files.save(Readable.from(failing()), { filename: 'cut.pdf', contentType: 'application/pdf' })).rejects.toThrow('client gone');
    expect(await chunks.countDocuments()).toBe(before);
  });

  it('still reads and deletes files stored by the driver\'s GridFS, as before', async () => {
    const bucket = new mongoose.mongo.GridFSBucket(database.connection.db!, { bucketName: 'files' });
    const content = randomBytes(300 * 1024);
    const upload = bucket.openUploadStream('old.pdf', { metadata: { contentType: 'application/pdf' } });
    await new Promise<void>((resolve, reject) => upload.on('finish', () => resolve()).on('error', reject).end(content));
    const id = upload.id.toString();
    expect((await buffer(files.openDownload(id))).equals(content)).toBe(true);
    await files.delete(id);
    expect(await database.connection.db!.collection('files.chunks').countDocuments({ files_id: upload.id })).toBe(0);
    expect(await files.find(id)).toBeNull();
  });

  it('deletes a file with its chunks', async () => {
    const saved = await files.save(Readable.from([Buffer.from('%PDF-1.7 minimal')]), { filename: 'id.pdf', contentType: 'application/pdf' });
    await files.delete(saved.id);
    expect(await files.find(saved.id)).toBeNull();
    const chunks = await database.connection.db!.collection('files.chunks').countDocuments({ files_id: new mongoose.mongo.ObjectId(saved.id) });
    expect(chunks).toBe(0);
  });
});
