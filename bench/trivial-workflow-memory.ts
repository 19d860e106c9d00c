/**
 * The SDK's own memory per cached workflow, for comparison with the worker
 * memory scenario: 400 trivial workflows (they import nothing) left open in a
 * worker in this process; resident memory before and after.
 *
 *   npx tsx bench/trivial-workflow-memory.ts
 */
import { startSystem } from '../test/reliability/support/system.js';
import { startTrivialWorker, TRIVIAL_QUEUE } from './closing-hour.js';
import { rssMb } from './measure.js';
import type { trivialWorkflow } from './trivial-workflow.js';
import { inParallel } from '../test/support/journey.js';

const WORKFLOWS = 400;
const system = await startSystem({ instances: 1 }); // one worker: its memory is the measure
const trivial = await startTrivialWorker(system);
try {
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  const before = rssMb();
  await inParallel(Array.from({ length: WORKFLOWS }, (_, n) => n), 16, (n) =>
    trivial.client.workflow.start<typeof trivialWorkflow>('trivialWorkflow', { workflowId: `trivial-memory-${n}-${Date.now()}`, taskQueue: TRIVIAL_QUEUE, args: [5] }),
  );
  await new Promise((resolve) => setTimeout(resolve, 5_000));
  const after = rssMb();
  console.log(`${WORKFLOWS} trivial workflows cached: ${before.toFixed(0)} MB → ${after.toFixed(0)} MB, ${((after - before) / WORKFLOWS).toFixed(2)} MB per workflow`);
} finally {
  await trivial.stop();
  await system.close();
}
