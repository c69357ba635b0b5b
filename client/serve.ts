// `breachline api`: the HTTP API (and dashboard) as its own process, for production next to `breachline worker`
// processes; run as many replicas as needed on a shared PostgreSQL store. On SIGTERM or SIGINT it stops accepting,
// finishes the requests in flight, closes its connections and exits 0.
import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { openStore, type Store } from '../activities/store';
import { loadCodec } from '../worker/codec';
import { type Config, loadConfig } from '../worker/config';
import { requireDeployment } from '../worker/deployment';
import { statusReader } from '../worker/status-sink';
import { storeHasBreaches } from '../worker/worker';
import { buildApi } from './api';
import { Tokens } from './auth';
import { loadBreachIds } from './breach-ids';
import { Breaches, connectClient } from './breaches';

export interface RunningApi {
  app: FastifyInstance;
  url: string;
  client: Client;
  store: Store;
  /** Stops accepting, lets the requests in flight finish, then closes Temporal and the store. */
  close(): Promise<void>;
}

export async function openApi(config: Config = loadConfig()): Promise<RunningApi> {
  const store = await openStore(config.storeUrl);
  let client: Client | undefined;
  try {
    const codec = await loadCodec(config.codec, storeHasBreaches(store));
    client = await connectClient({ ...config.temporal.connection, codec });
    await requireDeployment(client.connection, config.temporal.namespace, config.temporal.address);
    const breaches = await Breaches.connect(client, config.temporal.taskQueue, {
      policy: config.policy,
      ids: loadBreachIds(config.breachIds),
      snapshots: statusReader(store.statusSnapshots, codec),
    });
    const app = buildApi({ breaches, tokens: new Tokens(store), store, metrics: { token: process.env.BREACHLINE_METRICS_TOKEN || undefined } });
    const url = await app.listen({ host: config.api.host, port: config.api.port });
    const connected = client;
    return {
      app,
      url,
      client,
      store,
      async close() {
        await app.close(); // waits for the requests in flight; new connections are refused, new requests on open ones get 503
        await connected.connection.close();
        await store.close();
      },
    };
  } catch (error) {
    await client?.connection.close();
    await store.close();
    throw error;
  }
}

/** Runs until SIGTERM or SIGINT, then shuts down gracefully. */
export async function runApi(): Promise<void> {
  const config = loadConfig();
  const api = await openApi(config);
  console.error(`breachline api: ${api.url} (Temporal ${config.temporal.connection.description}; store: ${api.store.description})`);
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  console.error(`breachline api: ${signal}: finishing the requests in flight`);
  await api.close();
  console.error('breachline api: stopped');
}
