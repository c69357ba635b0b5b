// Payload encryption: every payload that leaves the worker or the client (inputs, results, update and query
// arguments, activity arguments, search-attribute-free memo) is sealed with AES-256-GCM before Temporal stores it,
// so workflow history holds ciphertext only. The key comes from BREACHLINE_CODEC_KEY; in development a key is
// generated into the data folder once, for an empty store only, and reused.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { METADATA_ENCODING_KEY, type Payload, type PayloadCodec } from '@temporalio/common';
import proto from '@temporalio/proto';

const { Payload: PayloadProto } = proto.temporal.api.common.v1;
const ENCODING = 'binary/encrypted';
const KEY_ID = 'encryption-key-id';
const IV_BYTES = 12;
const TAG_BYTES = 16;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function keyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

export function parseKey(base64: string, name: string): Buffer {
  const key = Buffer.from(base64.trim(), 'base64');
  if (key.length !== 32) throw new Error(`${name} must be 32 bytes in base64 (openssl rand -base64 32); it decodes to ${key.length} bytes`);
  return key;
}

export class EncryptionCodec implements PayloadCodec {
  private readonly current: { id: string; key: Buffer };
  private readonly byId: Map<string, Buffer>;

  /** `key` encrypts; `previousKeys` still decrypt, so a key can be rotated under running breaches. */
  constructor(key: Buffer, previousKeys: Buffer[] = []) {
    this.current = { id: keyId(key), key };
    this.byId = new Map([key, ...previousKeys].map((k) => [keyId(k), k]));
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- async so that a payload that cannot be sealed is a rejection, as PayloadCodec's callers expect
  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', this.current.key, iv);
      const plain = PayloadProto.encode(payload).finish();
      const sealed = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return {
        metadata: { [METADATA_ENCODING_KEY]: encoder.encode(ENCODING), [KEY_ID]: encoder.encode(this.current.id) },
        data: sealed,
      };
    });
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- async so that a missing key or a forged payload is a rejection, not a throw
  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const encoding = payload.metadata?.[METADATA_ENCODING_KEY];
      if (!encoding || decoder.decode(encoding) !== ENCODING) return payload;
      const id = decoder.decode(payload.metadata![KEY_ID]);
      const key = this.byId.get(id);
      if (!key)
        throw new Error(`payload was encrypted with key ${id}, which this process does not have (set BREACHLINE_CODEC_KEY / BREACHLINE_CODEC_OLD_KEYS)`);
      const sealed = Buffer.from(payload.data!);
      const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, IV_BYTES));
      decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
      const plain = Buffer.concat([decipher.update(sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES)), decipher.final()]);
      return PayloadProto.decode(plain);
    });
  }
}

/** Thrown instead of minting a new key when payloads sealed with the lost one are already in Temporal. */
export class CodecKeyMissing extends Error {
  override readonly name = 'CodecKeyMissing';
  constructor(devKeyFile: string) {
    super(
      `the codec key is missing: ${devKeyFile} does not exist and BREACHLINE_CODEC_KEY is not set, but the store already holds breaches ` +
        `whose payloads were sealed with it. Restore ${devKeyFile} from a backup, or set BREACHLINE_CODEC_KEY to that key; ` +
        'a new key would leave every existing breach unreadable',
    );
  }
}

/**
 * The codec key: from the environment, else from `devKeyFile`, else newly generated into it, but only while
 * `hasBreaches()` says the store is empty: a fresh key cannot open what the lost one sealed.
 */
export async function loadCodec(env: { key?: string; oldKeys?: string; devKeyFile: string }, hasBreaches: () => Promise<boolean>): Promise<EncryptionCodec> {
  const previous = (env.oldKeys ?? '')
    .split(',')
    .filter((k) => k.trim())
    .map((k) => parseKey(k, 'BREACHLINE_CODEC_OLD_KEYS'));
  if (env.key) return new EncryptionCodec(parseKey(env.key, 'BREACHLINE_CODEC_KEY'), previous);
  if (!existsSync(env.devKeyFile)) {
    if (await hasBreaches()) throw new CodecKeyMissing(env.devKeyFile);
    mkdirSync(dirname(env.devKeyFile), { recursive: true });
    try {
      writeFileSync(env.devKeyFile, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error; // another process made it first: use theirs
    }
  }
  return new EncryptionCodec(parseKey(readFileSync(env.devKeyFile, 'utf8'), env.devKeyFile), previous);
}
