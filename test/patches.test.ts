// Every patch the workflow code asks for, and where it is first asked. A patch first asked for after a local
// activity's result can be unknown to a replay that delivers the result a workflow task earlier than the run that
// recorded it, and the breach stops (TMPRL1100; see README, "Patches are decided at the start"). The breach asks for
// new ones in its first activation; the campaign has no local activities, so an await there is safe. A new patch
// fails this test until it is listed with where it is decided.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');

const PATCHES: Record<string, string> = {
  // Asked in the breach's first activation.
  'response-plan-stages': 'at start',
  'decided-at-start': 'at start',
  'playbook-tasks': 'at start',
  'rule-packs-2': 'at start (the first assessment runs in the first activation; later ones find it decided)',
  // Asked in an update handler, in the activation that accepts the update.
  'escalation-answers': 'in its handler',
  // Asked lazily by breaches started before 'decided-at-start' only: their histories hold the marker where it was.
  'breach-register': 'legacy, lazily',
  'escalation-summary': 'legacy, lazily',
  // The campaign workflow: after signals and activity results, never a local activity's.
  'pause-awaiting-approval': 'campaign',
  'domains-deferring': 'campaign',
};

describe('patches', () => {
  it('lists every patch the workflow code asks for, with where it is decided', () => {
    const asked = new Set<string>();
    const workflows = join(root, 'workflows');
    for (const file of readdirSync(workflows, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'))) {
      for (const [, id] of readFileSync(join(workflows, file), 'utf8').matchAll(/\bpatched\(\s*'([^']+)'\s*\)/g)) asked.add(id!);
    }
    expect([...asked].sort()).toEqual(Object.keys(PATCHES).sort());
  });
});
