// Versioning: breaches live 60 days and more, so the workflow code of today must replay the histories of breaches
// started by earlier code. The committed fixtures (test/fixtures/histories, recorded by test/fixtures/record.ts from
// synthetic breaches) are replayed with the current code; a change that would break them must be guarded with
// patched() (see workflows/breach.ts), or this test fails with the nondeterminism the change would cause.
import { readdirSync, readFileSync } from 'node:fs';
import proto from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { bundleWorkflows } from '../worker/worker';
import { FIXTURE_CODEC } from './fixtures/codec';

const dir = new URL('./fixtures/histories/', import.meta.url);
const fixtures = readdirSync(dir).filter((f) => f.endsWith('.history.pb')).sort();
const workflowIds: Record<string, string> = JSON.parse(readFileSync(new URL('manifest.json', dir), 'utf8'));

describe('replay of recorded breach histories', () => {
  it('has fixtures to replay', () => {
    expect(fixtures).toEqual(['appi-breach.history.pb', 'campaign-breach.history.pb', 'campaign.history.pb']);
  });

  it.each(fixtures)('replays %s with the current workflow code', async (file) => {
    const history = proto.temporal.api.history.v1.History.decode(readFileSync(new URL(file, dir)));
    expect(history.events!.length).toBeGreaterThan(20);
    await Worker.runReplayHistory({ workflowBundle: await bundle(), dataConverter: { payloadCodecs: [FIXTURE_CODEC] } }, history, workflowIds[file]);
  });
});

let bundled: ReturnType<typeof bundleWorkflows> | undefined;
const bundle = () => (bundled ??= bundleWorkflows());
