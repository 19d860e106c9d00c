/**
 * Staff accounts from the command line (selection office or administrator):
 *
 *   npm run staff -- create --identifier jdupont --email j.dupont@itsra.net \
 *     --first-name Jeanne --last-name Dupont --role office --training educateur-specialise
 *   npm run staff -- list
 *
 * `create` prints a generated password once; the person changes it after
 * logging in (POST /me/password). Uses MONGODB_URI like the other processes.
 */
import { z } from 'zod';
import { databaseEnv, parseConfig } from '../config/env.js';
import { connectDatabase } from '../db/connection.js';
import { runStaffCommand, UsageError } from './staff-command.js';

const config = parseConfig(z.object(databaseEnv), process.env);
const database = await connectDatabase(config.MONGODB_URI);
try {
  await runStaffCommand(process.argv.slice(2), database.models, (line) => console.log(line));
} catch (error) {
  console.error(error instanceof UsageError ? error.message : (error as Error).stack);
  process.exitCode = 1;
} finally {
  await database.close();
}
