// What several commands share: reading JSON input, printing a table or JSON, and reaching the server or the store.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { type Lang, langFrom } from '../../activities/i18n';
import { openStore, type Store } from '../../activities/store';
import { loadCodec } from '../../worker/codec';
import { loadConfig } from '../../worker/config';
import { storeHasBreaches } from '../../worker/worker';
import { InvalidInput } from '../../workflows/domain/facts';
import { loadBreachIds } from '../breach-ids';
import { Breaches, connectClient } from '../breaches';
import { requireDeployment } from '../../worker/deployment';

export function parseJson(text: string, what: string, field: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InvalidInput(what, [{ field, message: `malformed JSON: ${(error as Error).message}` }]);
  }
}

export function readJson(path: string, what: string): unknown {
  let text: string;
  try {
    text = path === '-' ? readFileSync(0, 'utf8') : readFileSync(path, 'utf8');
  } catch (error) {
    throw new InvalidInput(what, [{ field: path, message: `cannot read: ${(error as Error).message}` }]);
  }
  return parseJson(text, what, path);
}

export async function breaches(): Promise<Breaches> {
  const config = loadConfig();
  // The store is opened only when the codec key is missing, to tell a first start from a lost key.
  const codec = await loadCodec(config.codec, () => withStore((store) => storeHasBreaches(store)()));
  const client = await connectClient({ ...config.temporal.connection, codec });
  // As the worker and the API at their start: a server without Breachline's namespace or search attributes is named
  // as such (exit 78, `breachline setup`), not met as a stack trace at the first call.
  await requireDeployment(client.connection, config.temporal.namespace, config.temporal.address);
  return Breaches.connect(client, config.temporal.taskQueue, { policy: config.policy, ids: loadBreachIds(config.breachIds) });
}

/** The reader's language: the global --lang, else LANG (LC_ALL, LC_MESSAGES), else English. */
export const langOf = (command: Command): Lang => langFrom(command.optsWithGlobals<{ lang?: string }>().lang);

export const print = (value: unknown, json: boolean | undefined, table: () => string) => console.log(json ? JSON.stringify(value, null, 2) : table());

/** The store from the configuration; an embedded (PGlite) store is one process's: stop `npm start` first, or use PostgreSQL. */
export async function withStore<T>(task: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore(loadConfig().storeUrl);
  try {
    return await task(store);
  } finally {
    await store.close();
  }
}
