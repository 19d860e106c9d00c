/**
 * Saves a workflow's event history (binary protobuf, the form Temporal itself
 * stores), for the replay tests (test/replay/) or to study a stuck dossier:
 *
 *   npm run export-history -- <workflowId> <file.history.bin>
 *
 * (`temporal workflow show --workflow-id ID --output json` gives the same
 * history as JSON, to read.)
 *
 * Uses TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE like the other processes.
 */
import { Client, Connection } from '@temporalio/client';
// The package is CommonJS: Node's ESM loader offers its exports on the default import only.
import proto from '@temporalio/proto';
import { writeFile } from 'node:fs/promises';
import { z } from 'zod';
import { parseConfig, temporalEnv } from '../config/env.js';

export async function exportHistory(client: Client, workflowId: string, file: string): Promise<number> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  await writeFile(file, proto.temporal.api.history.v1.History.encode(history).finish());
  return history.events?.length ?? 0;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [workflowId, file] = process.argv.slice(2);
  if (!workflowId || !file) {
    console.error('usage: npm run export-history -- <workflowId> <file.history.bin>');
    process.exit(2);
  }
  const config = parseConfig(z.object(temporalEnv), process.env);
  const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  const events = await exportHistory(new Client({ connection, namespace: config.TEMPORAL_NAMESPACE }), workflowId, file);
  console.log(`${events} events written to ${file}`);
  await connection.close();
}
