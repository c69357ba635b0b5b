// A wave alert through a channel: the campaign's SMTP server (a real one on loopback) goes down mid-wave, and the
// breach announces the paused wave on the policy's wave-alert channel, a real HTTP server here that checks it.
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CampaignSender } from '../activities/campaign';
import { Mailer } from '../activities/mail';
import { importRecipients } from '../activities/recipients';
import { openStore, type Store } from '../activities/store';
import { Breaches } from '../client/breaches';
import { type MailSink, startMailSink } from '../sandbox/mail-sink';
import { bundleWorkflows, createBreachWorker } from '../worker/worker';
import { ResponsePolicy } from '../workflows/definitions';
import { startTestSmtp, type TestSmtp } from './support/smtp';
import { testCodec, timeSkippingEnvironment } from './support/temporal';
import { syntheticNotice } from './fixtures/notice';

const PEOPLE = 30;
const FROM = 'Breachline <breachline@example.test>';
let env: TestWorkflowEnvironment;
let smtp: TestSmtp;
let ownerMail: MailSink;
let store: Store;
let sender: CampaignSender;
let mailer: Mailer;
let worker: Worker;
let running: Promise<void>;
let receiver: Server;
let base: string;
const posted: Record<string, unknown>[] = [];
const taskQueue = `wave-alerts-${randomUUID()}`;

beforeAll(async () => {
  receiver = createServer((request, response) => {
    let raw = '';
    request.on('data', (c: Buffer) => (raw += c.toString('utf8')));
    request.on('end', () => {
      posted.push(JSON.parse(raw) as Record<string, unknown>);
      response.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  [env, smtp, ownerMail, store] = await Promise.all([
    timeSkippingEnvironment(),
    startTestSmtp({ onAccepted: (n) => void (n === 10 && smtp.down()) }),
    startMailSink(),
    openStore('pglite:memory'),
  ]);
  sender = new CampaignSender(store, { smtpUrl: smtp.url, from: FROM, maxConnections: 2 });
  mailer = new Mailer({ smtpUrl: ownerMail.url, from: FROM, responders: ['responders@example.test'] }, store);
  worker = await createBreachWorker({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    codec: testCodec,
    store,
    mailer,
    sender,
    workflowBundle: await bundleWorkflows(),
  });
  running = worker.run();
});

afterAll(async () => {
  worker?.shutdown();
  await running;
  sender?.close();
  mailer?.close();
  await Promise.all([smtp?.close(), ownerMail?.close()]);
  await store?.close();
  await env?.teardown();
  await new Promise((resolve) => receiver?.close(resolve));
});

describe('wave alerts through a channel', () => {
  it('announces a wave paused by a mail outage on the Slack channel the policy names for wave alerts', async () => {
    const policy = ResponsePolicy.parse({ channels: { define: { ir: { type: 'slack', url: `${base}/slack` } }, routes: { waveAlerts: ['ir', 'mail'] } } });
    const breaches = new Breaches(env.client, taskQueue, { policy });
    const { breachId } = await breaches.start({
      source: 'wave-alert-test',
      eventId: randomUUID(),
      detectedAt: new Date(await env.currentTimeMs()).toISOString(),
      summary: 'Synthetic: order database copied',
      facts: { jurisdictions: ['JP'], affectedCount: PEOPLE, dataCategories: ['name', 'email'] },
    });
    const rows = Array.from({ length: PEOPLE }, (_, i) =>
      JSON.stringify({ id: `w${i}`, name: `Person ${i}`, email: `w${i}@waves.example.test`, locale: 'en', dataCategories: ['email'] }),
    );
    await importRecipients(store, breachId, Readable.from([rows.join('\n')]), 'jsonl');
    const operator = { id: 'olga@example.test' };
    const { campaignId } = await breaches.startCampaign(breachId, {
      notice: syntheticNotice('Waves K.K.'),
      waveSize: PEOPLE,
      batchSize: 10,
      ratePerSecond: 200,
      requestedBy: operator,
    });
    const wave = async () => (await breaches.status(breachId)).campaigns[0]?.waves[0];
    for (let i = 0; i < 300 && (await wave())?.state !== 'awaiting-approval'; i++) await env.sleep(1000);
    await breaches.approveWave(breachId, { campaignId, wave: 1, approver: operator });
    for (let i = 0; i < 300 && !posted.some((p) => JSON.stringify(p).includes(breachId)); i++) await env.sleep(1000);

    const [alert] = posted.filter((p) => JSON.stringify(p).includes(breachId));
    expect(alert!.text).toMatch(/^Mail server down: wave 1 paused/);
    expect(JSON.stringify(alert)).not.toContain('@waves.example.test'); // counts and ids, never a person
    expect((await wave())!.outage).toBeDefined();
    await smtp.up();
  }, 240_000);
});
