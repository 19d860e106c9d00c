import { NativeConnection, Worker } from '@temporalio/worker';
import { fileURLToPath } from 'node:url';
import { extname } from 'node:path';
import { existsSync, statSync } from 'node:fs';
import type { Activities } from '../activities/index.js';
import type { DataConverter } from '@temporalio/common';
import { failureConverterPath } from '../temporal/data-converter.js';

// The workflow bundle's entry: points at workflows/index.ts when run from source (tsx, vitest) and at
// workflows/index.js once compiled, whichever this file itself is.
export const workflowsPath = fileURLToPath(new URL(`../workflows/index${extname(import.meta.url)}`, import.meta.url));

const sourcePath = (path: string) => fileURLToPath(new URL(`../${path}${extname(import.meta.url)}`, import.meta.url));

/**
 * Modules the worker evaluates once and every cached workflow shares: zod,
 * through the module that sets its French messages (the very instance the
 * workflow code imports: preloading the package `zod` by name loads its
 * CommonJS build beside it, and changed nothing). Without this the SDK
 * evaluates every module of the bundle again for each workflow it holds or
 * rebuilds, zod included: 1.45 MB of worker memory per cached dossier, 0.57 MB
 * with it (docs/BENCHMARKS.md, worker memory).
 *
 * The SDK deep-freezes what it preloads, but stops at functions: zod's
 * classes are frozen, their prototypes (where zod installs members on first
 * use) stay open, so schemas built per workflow work as before. Our schema
 * objects themselves (domain/dossier.ts) cannot be shared: zod completes
 * each schema lazily, on its first parse, and a frozen one throws there. A
 * module listed here must keep no state between calls, read no clock at
 * load time, not import `@temporalio/workflow` (per-workflow state), and
 * leave zod's global configuration whole (domain/validation.ts): a
 * `z.config()` in a module not listed here would throw in every workflow.
 */
export const sharedWorkflowModules = [sourcePath('domain/validation')];

/** How the workflow code is bundled: by a worker at start, by the replay tests, and ahead of time (build-bundle.ts). */
export const workflowBundleOptions = { workflowsPath, bundlerOptions: { preloadModules: sharedWorkflowModules } } as const;

/**
 * Written by `npm run build` beside the compiled code (worker/build-bundle.ts): a production worker starts
 * without running webpack. Run from source (npm start, the tests), the worker bundles the code itself.
 */
export const prebuiltBundlePath = fileURLToPath(new URL('../workflow-bundle.js', import.meta.url));

/**
 * The prebuilt bundle, when it is there and newer than the compiled workflow
 * code (a `tsc` run alone leaves an older bundle, which is then ignored), and
 * the worker's data converter is ours (the bundle carries its failure
 * converter; there is no payload converter nor interceptor to carry).
 */
function workflowCode(dataConverter: DataConverter): { workflowBundle: { codePath: string } } | typeof workflowBundleOptions {
  const compiled = extname(import.meta.url) === '.js';
  const fresh = compiled && existsSync(prebuiltBundlePath) && statSync(prebuiltBundlePath).mtimeMs >= statSync(workflowsPath).mtimeMs;
  return fresh && dataConverter.failureConverterPath === failureConverterPath ? { workflowBundle: { codePath: prebuiltBundlePath } } : workflowBundleOptions;
}

export interface DossierWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  activities: Activities;
  maxCachedWorkflows?: number;
  taskQueue: string;
  /** Encrypts what the worker writes to Temporal (temporal/data-converter.ts). */
  dataConverter: DataConverter;
}

export async function createDossierWorker(options: DossierWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    ...workflowCode(options.dataConverter),
    activities: options.activities,
    dataConverter: options.dataConverter,
    // When this worker dies, the tasks of the workflows it cached wait this long on its own (sticky) queue before
    // another worker may take them (SDK default 10 s). With the task it held when it died (back after Temporal's
    // 10 s workflow task timeout), this must fit in the API's Update budget (WORKFLOW_UPDATE_TIMEOUT_MS, 20 s), or
    // a candidate gets a 503 although another worker runs. The cost: a task this worker is too busy to take
    // within 3 s goes to another worker, which rebuilds the workflow from its history.
    stickyQueueScheduleToStartTimeout: '3s',
    ...(options.maxCachedWorkflows === undefined ? {} : { maxCachedWorkflows: options.maxCachedWorkflows }),
  });
}
