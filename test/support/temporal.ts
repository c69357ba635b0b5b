// Real Temporal servers for tests, from the project's toolchain (sandbox/toolchain.mjs): never the SDK's download.
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { ensure, TEMPORAL_CLI, TEST_SERVER } from '../../sandbox/toolchain.mjs';
import { EncryptionCodec } from '../../worker/codec';
import { searchAttributes } from '../../workflows/definitions';
import { randomBytes } from 'node:crypto';

/** The tests' codec key, also handed to worker processes the tests start (BREACHLINE_CODEC_KEY). */
export const TEST_CODEC_KEY = randomBytes(32);
export const testCodec = new EncryptionCodec(TEST_CODEC_KEY);

/** The time-skipping test server: a 60-day deadline is tested as 60 days of server time. */
export function timeSkippingEnvironment(codec: EncryptionCodec = testCodec): Promise<TestWorkflowEnvironment> {
  const { path } = ensure(TEST_SERVER);
  return TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path } },
    client: { dataConverter: { payloadCodecs: [codec] } },
  });
}

/** The dev server (`temporal server start-dev`), or the server at TEMPORAL_ADDRESS when that is set. */
export function devServerEnvironment(): Promise<TestWorkflowEnvironment> {
  const client = { dataConverter: { payloadCodecs: [testCodec] } };
  if (process.env.TEMPORAL_ADDRESS) {
    return TestWorkflowEnvironment.createFromExistingServer({ address: process.env.TEMPORAL_ADDRESS, client });
  }
  const { path } = ensure(TEMPORAL_CLI);
  return TestWorkflowEnvironment.createLocal({
    server: { executable: { type: 'existing-path', path }, searchAttributes: Object.values(searchAttributes) },
    client,
  });
}
