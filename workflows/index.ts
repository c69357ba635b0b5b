// The workflows this worker runs. The bundler starts here: only deterministic code may be reachable from it.
export { breachWorkflow } from './breach';
export { notificationCampaign } from './campaign';
