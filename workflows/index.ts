// Entry point of the workflow bundle: every workflow the worker runs.
export { dossierWorkflow } from './dossier/workflow.js';
