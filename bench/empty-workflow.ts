// The yardstick of bench/breaches.ts: a workflow that does nothing but wait, as cheap as a start can be.
import { sleep } from '@temporalio/workflow';

export async function emptyWorkflow(): Promise<void> {
  await sleep('7 days');
}
