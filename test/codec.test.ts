// The payload codec: what leaves a process is ciphertext; keys rotate; the dev UI's codec endpoint decodes.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultPayloadConverter } from '@temporalio/common';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { codecEndpoint } from '../dev/codec-endpoint';
import { openStore } from '../activities/store';
import { Tokens } from '../client/auth';
import { CodecKeyMissing, EncryptionCodec, loadCodec, parseKey } from '../worker/codec';
import { storeHasBreaches } from '../worker/worker';

const plain = defaultPayloadConverter.toPayload({ summary: 'Synthetic: 1,200 customer records', affectedCount: 1200 });

describe('payload codec', () => {
  it('seals payloads so that none of their content is readable, and opens them again', async () => {
    const codec = new EncryptionCodec(randomBytes(32));
    const [sealed] = await codec.encode([plain]);
    expect(Buffer.from(sealed!.metadata!.encoding!).toString()).toBe('binary/encrypted');
    expect(Buffer.from(sealed!.data!).includes('customer records')).toBe(false);
    const [opened] = await codec.decode([sealed!]);
    expect(defaultPayloadConverter.fromPayload(opened!)).toEqual({ summary: 'Synthetic: 1,200 customer records', affectedCount: 1200 });
  });

  it('opens payloads sealed with a previous key after rotation, and refuses unknown keys by name', async () => {
    const [oldKey, newKey] = [randomBytes(32), randomBytes(32)];
    const [sealed] = await new EncryptionCodec(oldKey).encode([plain]);
    const [opened] = await new EncryptionCodec(newKey, [oldKey]).decode([sealed!]);
    expect(defaultPayloadConverter.fromPayload(opened!)).toMatchObject({ affectedCount: 1200 });
    await expect(new EncryptionCodec(newKey).decode([sealed!])).rejects.toThrow(/encrypted with key [0-9a-f]{16}, which this process does not have/);
  });

  it('detects tampering', async () => {
    const codec = new EncryptionCodec(randomBytes(32));
    const [sealed] = await codec.encode([plain]);
    sealed!.data![20]! ^= 1;
    await expect(codec.decode([sealed!])).rejects.toThrow(/unable to authenticate/);
  });

  it('names the variable when a key is not 32 bytes of base64', () => {
    expect(() => parseKey('c2hvcnQ=', 'BREACHLINE_CODEC_KEY')).toThrow(
      'BREACHLINE_CODEC_KEY must be 32 bytes in base64 (openssl rand -base64 32); it decodes to 5 bytes',
    );
  });

  it('decodes for the Web UI through the dev codec endpoint, answering its origin only', async () => {
    const codec = new EncryptionCodec(randomBytes(32));
    const store = await openStore('pglite:memory');
    const tokens = new Tokens(store);
    const app = Fastify();
    codecEndpoint(codec, { tokens, uiOrigins: ['http://127.0.0.1:8233'] })(app);
    const [sealed] = await codec.encode([plain]);
    const body = {
      payloads: [
        {
          metadata: {
            encoding: Buffer.from(sealed!.metadata!.encoding!).toString('base64'),
            'encryption-key-id': Buffer.from(sealed!.metadata!['encryption-key-id']!).toString('base64'),
          },
          data: Buffer.from(sealed!.data!).toString('base64'),
        },
      ],
    };
    const response = await app.inject({
      method: 'POST',
      url: '/codec/decode',
      headers: { origin: 'http://127.0.0.1:8233', 'x-namespace': 'default', authorization: `Bearer ${await tokens.issue('alice@example.com', ['operator'])}` },
      payload: body,
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['access-control-allow-origin']).toBe('http://127.0.0.1:8233');
    const [decoded] = response.json().payloads;
    expect(JSON.parse(Buffer.from(decoded.data, 'base64').toString())).toMatchObject({ affectedCount: 1200 });
    const foreign = await app.inject({
      method: 'OPTIONS',
      url: '/codec/decode',
      headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(foreign.headers['access-control-allow-origin']).toBeUndefined();
    await app.close();
    await store.close();
  });

  it('refuses to mint a new key when the store already holds breaches, naming the file to restore', async () => {
    const store = await openStore('pglite:memory');
    const keyFile = join(mkdtempSync(join(tmpdir(), 'breachline-codec-')), 'codec.key');
    const empty = await loadCodec({ devKeyFile: keyFile }, storeHasBreaches(store));
    expect(existsSync(keyFile)).toBe(true); // an empty store: a first key is generated

    await store.outcomes.record({ idempotencyKey: 'k1', breachId: 'breach-1', kind: 'detected', at: Date.now(), detail: {} });
    const [sealed] = await empty.encode([plain]);
    const again = await loadCodec({ devKeyFile: keyFile }, storeHasBreaches(store));
    expect(defaultPayloadConverter.fromPayload((await again.decode([sealed!]))[0]!)).toMatchObject({ affectedCount: 1200 });

    const lost = join(mkdtempSync(join(tmpdir(), 'breachline-codec-')), 'codec.key');
    const refused = loadCodec({ devKeyFile: lost }, storeHasBreaches(store));
    await expect(refused).rejects.toThrow(CodecKeyMissing);
    await expect(refused).rejects.toThrow(`Restore ${lost} from a backup, or set BREACHLINE_CODEC_KEY`);
    expect(existsSync(lost)).toBe(false);
    await expect(
      loadCodec({ key: randomBytes(32).toString('base64'), devKeyFile: join(tmpdir(), 'absent', 'codec.key') }, storeHasBreaches(store)),
    ).resolves.toBeInstanceOf(EncryptionCodec);
    await store.close();
  });
});
