import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runStaffCommand, UsageError } from '../../cli/staff-command.js';
import type { Database } from '../../db/connection.js';
import { verifyPassword } from '../../domain/password.js';
import { connectTestDatabase } from '../support/stack.js';

const run = promisify(execFile);

describe('staff accounts command', () => {
  let database: Database;
  beforeAll(async () => {
    database = await connectTestDatabase();
    await database.models.Training.create({ _id: 'moniteur-educateur', title: 'Moniteur éducateur', diploma: 'DEME' });
  });
  afterAll(() => database?.close());

  it('creates an office account scoped to its trainings from the command line, with a printed password that logs in', async () => {
    const { stdout } = await run(
      process.execPath,
      [
        '--import',
        'tsx',
        'cli/staff.ts',
        'create',
        '--identifier',
        'JDupont',
        '--email',
        'j.dupont@itsra.example',
        '--first-name',
        'Jeanne',
        '--last-name',
        'Dupont',
        '--role',
        'office',
        '--training',
        'moniteur-educateur',
      ],
      { env: { ...process.env, MONGODB_URI: `${inject('mongoUri')}${database.connection.name}` } },
    );
    expect(stdout).toContain('created office account "jdupont"');
    const password = /password: (\S+)/.exec(stdout)?.[1];
    const account = await database.models.Account.findOne({ identifier: 'jdupont' }).lean();
    expect(account).toMatchObject({ role: 'office', trainingIds: ['moniteur-educateur'], email: 'j.dupont@itsra.example' });
    expect(account?.emailVerifiedAt).toBeInstanceOf(Date);
    expect((await verifyPassword(password!, account!.passwordHash)).valid).toBe(true);

    const lines: string[] = [];
    await runStaffCommand(['list'], database.models, (line) => lines.push(line));
    expect(lines).toEqual(['jdupont\toffice\tj.dupont@itsra.example\tmoniteur-educateur']);
  });

  it('refuses bad arguments with a usage message and creates nothing', async () => {
    const attempts = [
      ['create', '--identifier', 'x y', '--email', 'a@b.fr', '--first-name', 'A', '--last-name', 'B', '--role', 'admin'],
      ['create', '--identifier', 'office1', '--email', 'a@b.fr', '--first-name', 'A', '--last-name', 'B', '--role', 'office'],
      ['create', '--identifier', 'office2', '--email', 'a@b.fr', '--first-name', 'A', '--last-name', 'B', '--role', 'office', '--training', 'nope'],
      ['create', '--bogus'],
      ['delete'],
    ];
    for (const argv of attempts) {
      await expect(runStaffCommand(argv, database.models, () => {}), argv.join(' ')).rejects.toThrow(UsageError);
    }
    expect(await database.models.Account.countDocuments({ identifier: { $in: ['x y', 'office1', 'office2'] } })).toBe(0);
  });
});
