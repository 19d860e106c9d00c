// Entry point of the workflow bundle: every workflow the worker runs.
export { accountEmailWorkflow, accountErasureWorkflow, purgeExpiredRecordsWorkflow } from './accounts/workflow.js';
export { dossierWorkflow } from './dossier/workflow.js';
