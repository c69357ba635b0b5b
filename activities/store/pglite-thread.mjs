// The embedded store's engine (PGlite: PostgreSQL compiled to WebAssembly) on a thread of its own, so that its
// statements run beside the process's JavaScript rather than on its event loop: a worker sending a wave, or an API
// answering, is not held up by the engine, and the engine gets a core of its own. Plain JavaScript, so that it loads
// the same from the sources (tsx, vitest) and from dist/. Its other end is openPgliteThread (pglite.ts).
//
// Messages in: { id, op: 'query', text, params, tx? } | { id, op: 'begin' } | { id, op: 'end', tx, commit } |
// { id, op: 'close' }. Out: { id, result } | { id, error } (the error's name, message and SQL fields, never the
// statement's parameters, which may hold personal data).
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';

const FIELDS = ['code', 'severity', 'detail', 'hint', 'position', 'where', 'schema', 'table', 'column', 'dataType', 'constraint', 'routine'];
/** An error as it can cross to the other thread: its name, message and the database's fields. */
function portable(error) {
  const out = { name: error?.name ?? 'Error', message: error?.message ?? String(error) };
  for (const field of FIELDS) if (error?.[field] !== undefined && error[field] !== null) out[field] = error[field];
  return out;
}

const port = parentPort;
const reply = (id, result) => port.postMessage({ id, result });
const refuse = (id, error) => port.postMessage({ id, error: portable(error) });
/** Open transactions: each waits on the other thread's `end`. */
const open = new Map();
/** A rollback asked for by the other thread: no error of its own to report. */
const ROLLBACK = Symbol('rollback');

let db;
try {
  db = await PGlite.create(workerData.dataDir);
  port.postMessage({ ready: true });
} catch (error) {
  port.postMessage({ ready: false, error: portable(error) });
}

port.on('message', (message) => {
  const { id, op } = message;
  if (op === 'query') {
    const target = message.tx === undefined ? db : open.get(message.tx)?.tx;
    if (!target) return refuse(id, new Error(`no open transaction ${message.tx}`));
    target.query(message.text, message.params).then(
      (result) => reply(id, { rows: result.rows }),
      (error) => refuse(id, error),
    );
  } else if (op === 'begin') {
    let began = false;
    db.transaction(
      (tx) =>
        new Promise((resolve, reject) => {
          open.set(id, { tx, finish: (commit) => (commit ? resolve() : reject(ROLLBACK)) });
          began = true;
          reply(id, { tx: id });
        }),
    ).then(
      () => {
        const { endId } = open.get(id) ?? {};
        open.delete(id);
        reply(endId, {});
      },
      (error) => {
        const { endId } = open.get(id) ?? {};
        open.delete(id);
        if (!began) return refuse(id, error);
        if (error === ROLLBACK) reply(endId, {});
        else refuse(endId, error);
      },
    );
  } else if (op === 'end') {
    const transaction = open.get(message.tx);
    if (!transaction) return refuse(id, new Error(`no open transaction ${message.tx}`));
    transaction.endId = id;
    transaction.finish(message.commit);
  } else if (op === 'close') {
    db.close().then(
      () => reply(id, {}),
      (error) => refuse(id, error),
    );
  }
});
