// Holds an embedded store open in a process of its own, as `npm start` does, until it is killed:
// node --import tsx test/support/hold-store.ts <store-url> [lockStaleMs]
import { openStore } from '../../activities/store';

const [url, staleMs] = process.argv.slice(2);
const store = await openStore(url!, staleMs ? { lockStaleMs: Number(staleMs) } : {});
await store.tokens.insert('held-by-child', 'child', ['operator']);
console.log('held');
setInterval(() => undefined, 60_000);
