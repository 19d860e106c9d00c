import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buffer } from 'node:stream/consumers';
import type { Database } from '../../db/connection.js';
import { createFileStore } from '../../db/files.js';
import { DEMO_STAFF_IDENTIFIER, seedDemoData } from '../../demo/seed.js';
import { verifyPassword } from '../../domain/password.js';
import { connectTestDatabase } from '../support/stack.js';

describe('demo data', () => {
  let database: Database;
  let dir: string;
  beforeAll(async () => {
    database = await connectTestDatabase();
    dir = await mkdtemp(join(tmpdir(), 'candidature-seed-'));
  });
  afterAll(async () => {
    await database?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('loads five trainings with open selections and a staff account once, and keeps them on the next start', async () => {
    const credentialsFile = join(dir, 'credentials.txt');
    const now = new Date('2026-11-26T10:00:00Z');
    const files = createFileStore(database.connection);
    const first = await seedDemoData(database.models, files, { now, credentialsFile });
    expect(first.created).toBe(true);
    expect(await database.models.Training.countDocuments()).toBe(5);

    const selections = await database.models.Selection.find().lean();
    expect(selections).toHaveLength(5);
    for (const selection of selections) {
      // The employer form is a real PDF in GridFS.
      const [form] = selection.downloadableForms;
      expect(form).toMatchObject({ id: 'justificatif-statut-salarie', title: 'Justificatif de statut salarié' });
      const bytes = await buffer(files.openDownload(form!.fileId!));
      expect(bytes.subarray(0, 5).toString()).toBe('%PDF-');
      expect(bytes.length).toBeGreaterThan(500);
      expect(selection.opensAt.getTime()).toBe(now.getTime());
      const weeksAhead = (selection.closesAt.getTime() - now.getTime()) / (7 * 24 * 3600_000);
      expect(weeksAhead).toBeGreaterThan(2);
      expect(weeksAhead).toBeLessThan(7);
    }

    const account = await database.models.Account.findOne({ identifier: DEMO_STAFF_IDENTIFIER }).lean();
    expect(account?.role).toBe('admin');
    expect(account?.emailVerifiedAt).toBeInstanceOf(Date);
    expect((await verifyPassword(first.staff.password, account!.passwordHash)).valid).toBe(true);
    expect((await stat(credentialsFile)).mode & 0o777).toBe(0o600);
    expect(await readFile(credentialsFile, 'utf8')).toContain(first.staff.password);

    const second = await seedDemoData(database.models, files, { now: new Date('2027-01-01T00:00:00Z'), credentialsFile });
    expect(second).toEqual({ created: false, staff: first.staff });
    expect(await database.models.Selection.find().lean()).toEqual(selections);
  });
});
