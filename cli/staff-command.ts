/** The staff command's logic, apart from process wiring so tests can run it. */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { AccountConflictError, createAccount } from '../accounts/accounts.js';
import type { Models } from '../db/models.js';

const createArgsSchema = z
  .object({
    identifier: z.string().regex(/^[A-Za-z0-9._-]{3,64}$/, '3 to 64 letters, digits, ".", "-" or "_"'),
    email: z.email(),
    'first-name': z.string().trim().min(1),
    'last-name': z.string().trim().min(1),
    role: z.enum(['office', 'admin', 'operator']),
    training: z.array(z.string().min(1)).default([]),
  })
  .refine((args) => args.role !== 'office' || args.training.length > 0, {
    message: 'an office account needs at least one --training',
    path: ['training'],
  });

export class UsageError extends Error {
  override name = 'UsageError';
}

const usage = `usage:
  staff create --identifier ID --email EMAIL --first-name NAME --last-name NAME --role office|admin|operator [--training TRAINING_ID ...]
  staff list`;

/** Runs one command; `print` receives the lines meant for the operator. */
export async function runStaffCommand(argv: string[], models: Models, print: (line: string) => void): Promise<void> {
  const [command, ...rest] = argv;
  if (command === 'list') {
    const staff = await models.Account.find({ role: { $in: ['office', 'admin', 'operator'] } }).sort({ identifier: 1 }).lean();
    for (const account of staff) {
      print(`${account.identifier}\t${account.role}\t${account.email}\t${account.trainingIds.join(',') || '-'}`);
    }
    return;
  }
  if (command !== 'create') throw new UsageError(usage);

  let values;
  try {
    ({ values } = parseArgs({
      args: rest,
      options: {
        identifier: { type: 'string' },
        email: { type: 'string' },
        'first-name': { type: 'string' },
        'last-name': { type: 'string' },
        role: { type: 'string' },
        training: { type: 'string', multiple: true },
      },
      strict: true,
    }));
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${usage}`);
  }
  const parsed = createArgsSchema.safeParse(values);
  if (!parsed.success) {
    throw new UsageError(`${parsed.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('\n')}\n${usage}`);
  }
  const args = parsed.data;
  const known = new Set((await models.Training.find({ _id: { $in: args.training } }).lean()).map((t) => t._id));
  const unknown = args.training.filter((id) => !known.has(id));
  if (unknown.length) throw new UsageError(`unknown training(s): ${unknown.join(', ')}`);

  const password = randomBytes(15).toString('base64url');
  try {
    await createAccount(models, {
      identifier: args.identifier,
      email: args.email,
      firstName: args['first-name'],
      lastName: args['last-name'],
      role: args.role,
      trainingIds: args.training,
      password,
      emailVerified: true,
    });
  } catch (error) {
    if (error instanceof AccountConflictError) throw new UsageError(`an account with this ${error.field} already exists`);
    throw error;
  }
  print(`created ${args.role} account "${args.identifier.toLowerCase()}"`);
  print(`password: ${password}`);
  print('Give it to its owner by a safe channel; they should change it after logging in.');
}
