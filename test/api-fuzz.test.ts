// Fuzzing detection intake (fast-check): thousands of random bodies at POST /breaches on a real dev server. Every
// answer is a 2xx or a 4xx, never a 5xx; a 2xx only for a body that is a valid detection; and the server ends
// with exactly one workflow per breach created, so no invalid body started anything.
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../client/api';
import { Tokens } from '../client/auth';
import { Breaches } from '../client/breaches';
import { detectionFromOcsf, isOcsf, OcsfDetectionFinding } from '../client/ocsf';
import { openStore, type Store } from '../activities/store';
import { Detection, futureDetectionInstants } from '../workflows/domain/facts';
import { ResponsePolicy } from '../workflows/definitions';
import { unsafeTextIssues } from '../workflows/domain/text';
import { devServerEnvironment } from './support/temporal';

let env: TestWorkflowEnvironment;
let store: Store;
let api: FastifyInstance;
let token: string;
// No worker polls this queue: a started workflow waits there, which is all the count below needs.
const taskQueue = `fuzz-${randomUUID()}`;

beforeAll(async () => {
  [env, store] = await Promise.all([devServerEnvironment(), openStore('pglite:memory')]);
  const tokens = new Tokens(store);
  token = await tokens.issue('fuzz-siem', ['detector']);
  // Limits far above the run's 2,000 requests: this test is about answers, not rate limiting (tested on its own).
  const policy = ResponsePolicy.parse({ intake: { perTokenPerMinute: 1_000_000, perSourcePerMinute: 1_000_000 } });
  api = buildApi({ breaches: await Breaches.connect(env.client, taskQueue, { policy }), tokens });
});

afterAll(async () => {
  await api?.close();
  await store?.close();
  await env?.teardown();
});

/** Sometimes valid, sometimes not: each field drawn from good values and the mistakes real integrations make. */
const field = <T>(good: fc.Arbitrary<T>, ...bad: fc.Arbitrary<unknown>[]) =>
  fc.oneof({ weight: 12, arbitrary: good }, ...bad.map((arbitrary) => ({ weight: 1, arbitrary })));
const isoInstant = fc.date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date(), noInvalidDate: true }).map((d) => d.toISOString());
const facts = fc.record(
  {
    jurisdictions: field(fc.subarray(['JP', 'DE', 'US-TX', 'KR']), fc.constant(['Japan']), fc.constant('JP')),
    affectedCount: field(fc.nat(100_000), fc.integer({ max: -1 }), fc.constant('many'), fc.double()),
    dataCategories: field(fc.subarray(['name', 'email', 'payment_card', 'health']), fc.constant(['passwords!'])),
    unfairPurpose: field(fc.boolean(), fc.constant('yes')),
    awareAt: field(isoInstant, fc.constant('yesterday')),
  },
  { requiredKeys: [] },
);
const detection = fc.record(
  {
    source: field(
      fc.stringMatching(/^[A-Za-z0-9._-]{1,20}$/),
      fc.constant(''),
      fc.constant('has space'),
      fc.string({ minLength: 65, maxLength: 80 }),
      fc.integer(),
    ),
    eventId: field(fc.uuid(), fc.constant(''), fc.integer(), fc.constant(null)),
    detectedAt: field(isoInstant, fc.constant('2026-13-45T25:61:00Z'), fc.integer(), fc.constant('now')),
    summary: field(fc.string({ minLength: 1, maxLength: 200 }), fc.constant(''), fc.string({ minLength: 2001, maxLength: 2100 }), fc.boolean()),
    severity: field(fc.constantFrom('low', 'medium', 'high', 'critical'), fc.constant('apocalyptic')),
    facts: field(facts, fc.constant({ colour: 'red' }), fc.constant([]), fc.string()),
    extra: fc.anything(),
  },
  { requiredKeys: ['source', 'eventId', 'detectedAt', 'summary'] },
);
const ocsf = fc.record(
  {
    class_uid: field(fc.constant(2004), fc.constant(2005), fc.constant('2004')),
    time: field(fc.integer({ min: Date.parse('2020-01-01'), max: Date.parse('2035-01-01') }), fc.constant(-5), fc.constant(1e20), fc.constant('noon')),
    severity_id: field(fc.integer({ min: 0, max: 6 }), fc.constant(100)),
    finding_info: field(fc.record({ uid: fc.uuid(), title: fc.string({ minLength: 1, maxLength: 50 }) }), fc.constant({ title: 'no uid' }), fc.constant(null)),
    metadata: field(fc.record({ product: fc.record({ name: fc.string({ minLength: 1, maxLength: 30 }) }) }), fc.constant({ product: {} })),
  },
  { requiredKeys: ['class_uid'] },
);
const body = fc.oneof(
  { weight: 5, arbitrary: detection.map((d) => JSON.stringify(d)) },
  { weight: 2, arbitrary: ocsf.map((o) => JSON.stringify(o)) },
  { weight: 2, arbitrary: fc.jsonValue().map((v) => JSON.stringify(v)) },
  { weight: 1, arbitrary: fc.string() }, // mostly malformed JSON
);

/** What the API should accept: a valid detection, or a valid OCSF finding that maps onto one. */
function acceptable(raw: string): boolean {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return false;
  }
  const valid = (detection: unknown) => {
    const parsed = Detection.safeParse(detection);
    return parsed.success && futureDetectionInstants(parsed.data, Date.now()).length === 0 && unsafeTextIssues(value).length === 0;
  };
  if (isOcsf(value)) {
    const finding = OcsfDetectionFinding.safeParse(value);
    return finding.success && valid(detectionFromOcsf(finding.data));
  }
  return valid(value);
}

describe('POST /breaches under fuzzing', () => {
  it('answers every random body with a 2xx or a 4xx, and starts a workflow only for a valid detection', async () => {
    const created = new Set<string>();
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(body, async (raw) => {
        const response = await api.inject({
          method: 'POST',
          url: '/breaches',
          payload: raw,
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        });
        statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
        expect(response.statusCode, response.body).toBeLessThan(500);
        const ok = response.statusCode === 200 || response.statusCode === 201;
        expect(ok, `${response.statusCode} for ${raw.slice(0, 200)}`).toBe(acceptable(raw));
        if (response.statusCode === 201) created.add(JSON.parse(response.body).breachId);
        else expect(JSON.parse(response.body)).toHaveProperty(ok ? 'breachId' : 'error');
      }),
      { numRuns: 3000 },
    );
    expect(statuses.get(201) ?? 0).toBeGreaterThan(100); // the valid path was exercised too
    expect(statuses.get(422) ?? 0).toBeGreaterThan(300);
    expect(statuses.get(400) ?? 0).toBeGreaterThan(10);

    let started = -1;
    for (let waited = 0; started !== created.size && waited < 15_000; waited += 250) {
      started = await env.client.workflow.count(`TaskQueue = "${taskQueue}"`).then((c) => c.count);
      if (started !== created.size) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(started).toBe(created.size);
  });
});
