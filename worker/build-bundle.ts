/**
 * `npm run build`'s last step: bundles the workflow code once, as a worker
 * would at start, into dist/workflow-bundle.js, which the compiled worker
 * loads instead of running webpack (worker/worker.ts).
 */
import { bundleWorkflowCode } from '@temporalio/worker';
import { writeFile } from 'node:fs/promises';
import { failureConverterPath } from '../temporal/data-converter.js';
import { prebuiltBundlePath, workflowBundleOptions } from './worker.js';

const started = Date.now();
const { code } = await bundleWorkflowCode({
  workflowsPath: workflowBundleOptions.workflowsPath,
  preloadModules: [...workflowBundleOptions.bundlerOptions.preloadModules],
  // What the worker's data converter would have the bundler add (temporal/data-converter.ts).
  failureConverterPath,
});
await writeFile(prebuiltBundlePath, code);
console.log(`workflow bundle: ${prebuiltBundlePath} (${(code.length / 1024 / 1024).toFixed(1)} MB, ${Date.now() - started} ms)`);
