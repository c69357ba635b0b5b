// Hostile HTTP requests for any route an OpenAPI 3.1 document describes: near-valid inputs drawn from the route's
// own JSON Schema, then broken the way attackers and careless integrations break them (wrong types, control
// characters, lone surrogates, bidi overrides, prototype keys, 1e309, deep nesting, truncated JSON, wrong media
// types, wrong or missing tokens). Only the shape comes from the document; nothing here decides what is valid.
import fc from 'fast-check';

type JsonSchema = Record<string, any>;

export interface Operation {
  /** "POST /breaches/{id}/facts" */
  key: string;
  method: 'GET' | 'POST';
  template: string;
  pathParams: { name: string; schema: JsonSchema }[];
  queryParams: { name: string; schema: JsonSchema }[];
  body?: JsonSchema;
  /** The route's permission (x-breachline-roles), when the document says it. */
  permission?: string;
}

export interface Seeds {
  /** Breaches that exist, for path ids that reach a handler. */
  breachIds: string[];
  /** Real values of other path parameters, by name: campaign, wave, task, regime, rule. */
  known: Record<string, string[]>;
  tokens: { detector: string; operator: string; manager: string };
  /** Valid bodies for some operations (by key), which mutations then break; other bodies come from the schema alone. */
  bodies?: Record<string, fc.Arbitrary<unknown>>;
}

export interface ApiRequest {
  operation: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string | Buffer;
  /** How it authenticates: a role, or the way its token is wrong. */
  auth: string;
  /** The seeded breach its path names exactly, if any. */
  target?: string;
}

/** Every operation of the document, with its parameters and JSON body schema resolved. */
export function operationsOf(document: JsonSchema): Operation[] {
  const operations: Operation[] = [];
  for (const [template, item] of Object.entries<JsonSchema>(document.paths ?? {})) {
    for (const method of ['get', 'post'] as const) {
      const op = item[method];
      if (!op) continue;
      const parameters = (op.parameters ?? []) as { in: string; name: string; schema?: JsonSchema }[];
      const body = op.requestBody?.content?.['application/json']?.schema;
      operations.push({
        key: `${method.toUpperCase()} ${template}`,
        method: method.toUpperCase() as 'GET' | 'POST',
        template,
        pathParams: parameters.filter((p) => p.in === 'path').map((p) => ({ name: p.name, schema: resolve(document, p.schema ?? {}) })),
        queryParams: parameters.filter((p) => p.in === 'query').map((p) => ({ name: p.name, schema: resolve(document, p.schema ?? {}) })),
        ...(body ? { body: resolve(document, body) } : {}),
        ...(op['x-breachline-roles'] ? { permission: op['x-breachline-roles'] } : {}),
      });
    }
  }
  return operations;
}

/** Inlines local $refs (to a bounded depth: a recursive schema ends in "anything"). */
function resolve(document: JsonSchema, schema: JsonSchema, depth = 0): JsonSchema {
  if (depth > 12 || !schema || typeof schema !== 'object') return {};
  if (typeof schema.$ref === 'string' && schema.$ref.startsWith('#/')) {
    const target = schema.$ref
      .slice(2)
      .split('/')
      .reduce((node: any, part: string) => node?.[part.replace(/~1/g, '/').replace(/~0/g, '~')], document);
    return resolve(document, target ?? {}, depth + 1);
  }
  if (Array.isArray(schema)) return schema.map((s) => resolve(document, s, depth + 1));
  return Object.fromEntries(
    Object.entries(schema).map(([k, v]) => [
      k,
      v && typeof v === 'object'
        ? k === 'properties'
          ? Object.fromEntries(Object.entries(v).map(([p, s]) => [p, resolve(document, s as JsonSchema, depth + 1)]))
          : resolve(document, v as JsonSchema, depth + 1)
        : v,
    ]),
  );
}

/** JSON text written verbatim, for what JSON.stringify cannot say: 1e309, -0, 12345678901234567890123. */
export class RawJson {
  constructor(readonly text: string) {}
}

/** JSON text of a value that may hold RawJson and own "__proto__" keys. */
export function toJson(value: unknown): string {
  if (value instanceof RawJson) return value.text;
  if (Array.isArray(value)) return `[${value.map(toJson).join(',')}]`;
  if (value && typeof value === 'object')
    return `{${Object.keys(value)
      .map((k) => `${JSON.stringify(k)}:${toJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value) ?? 'null';
}

/** An object with these own keys, "__proto__" included as a key rather than a prototype. */
function own(entries: [string, unknown][]): Record<string, unknown> {
  const object: Record<string, unknown> = {};
  for (const [key, value] of entries) Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
  return object;
}

const nested = (depth: number, open: string, close: string) => new RawJson(open.repeat(depth) + 'null' + close.repeat(depth));

/** Strings that break things: controls, surrogates, bidi, prototype names, sizes, injections, impossible dates. */
export const hostileString = fc.constantFrom(
  '',
  ' ',
  ' padded ',
  '\u0000',
  'a\u0000b',
  '\u0007\u001b[31mred',
  'line\nbreak',
  'tab\there',
  '\u007f',
  '\u0085',
  '\ud800',
  'x\udfffy',
  '\udbff\udfff',
  '\u202eevil.exe',
  '\u2066isolate\u2069',
  '\u200b',
  '\ufeffbom',
  '\uffff',
  '💥',
  'مرحبا',
  'ブリーチ',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  '${7*7}{{7*7}}',
  "' OR 1=1 --",
  '<script>alert(1)</script>',
  "=cmd|' /C calc'!A0",
  '../../../etc/passwd',
  '%00',
  '%',
  'NaN',
  'Infinity',
  '-0',
  '1e309',
  'null',
  'true',
  '2026-13-45T25:61:00Z',
  '9999-12-31T23:59:59Z',
  '0000-01-01T00:00:00Z',
  '2024-02-30T00:00:00Z',
  '1970-01-01T00:00:00Z',
  'x'.repeat(300),
  'x'.repeat(2001),
  'é'.repeat(20_000),
  'x'.repeat(70_000),
);

const hostileNumber = fc.constantFrom<unknown>(
  new RawJson('1e309'),
  new RawJson('-1e309'),
  new RawJson('-0'),
  new RawJson('1e-400'),
  new RawJson('123456789012345678901234567890'),
  new RawJson('0.1e1'),
  Number.MAX_SAFE_INTEGER + 2,
  -1,
  0,
  1.5,
  2 ** 31,
  -(2 ** 63),
);

/** Any JSON that a field should not hold: wrong types, hostile strings and numbers, prototype keys, deep nesting. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 5, arbitrary: hostileString },
  { weight: 3, arbitrary: hostileNumber },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(null, true, false, [], {}, [null], [[]], [{}]) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(own([['__proto__', { polluted: true }]]), own([['constructor', { prototype: { polluted: true } }]]), own([['__proto__', null]])),
  },
  { weight: 1, arbitrary: fc.constantFrom(nested(50, '[', ']'), nested(2_000, '{"a":', '}'), nested(20_000, '[', ']')) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
);

const hostileKey = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'unknown', '', '\u0000', '\u202e', 'a.b', '$where', 'x'.repeat(500)),
  fc.string({ maxLength: 8 }),
);

const recentInstant = fc.integer({ min: -30 * 86_400_000, max: 0 }).map((ms) => new Date(Date.now() + ms).toISOString());

/** A value the schema describes, mostly; when unsure (a schema it does not know), any JSON. */
export function fromSchema(schema: JsonSchema, depth = 0): fc.Arbitrary<unknown> {
  if (depth > 6) return fc.constant(null);
  if ('const' in schema) return fc.constant(schema.const);
  if (Array.isArray(schema.enum)) return fc.constantFrom(...schema.enum);
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (Array.isArray(alternatives) && alternatives.length) return fc.oneof(...alternatives.map((s: JsonSchema) => fromSchema(s, depth + 1)));
  if (Array.isArray(schema.allOf) && schema.allOf.length) return fromSchema(Object.assign({}, ...schema.allOf), depth + 1);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'object': {
      const properties = Object.entries<JsonSchema>(schema.properties ?? {});
      const required = new Set<string>(schema.required ?? []);
      if (!properties.length) return fc.constant({});
      const record = Object.fromEntries(properties.map(([name, s]) => [name, fromSchema(s, depth + 1)]));
      return fc.record(record, { requiredKeys: properties.map(([name]) => name).filter((name) => required.has(name)) });
    }
    case 'array': {
      const items =
        schema.items && typeof schema.items === 'object' && !Array.isArray(schema.items) ? fromSchema(schema.items, depth + 1) : fc.jsonValue({ maxDepth: 1 });
      return fc.array(items, { minLength: Math.min(schema.minItems ?? 0, 3), maxLength: Math.min(Math.max(schema.minItems ?? 0, 3), schema.maxItems ?? 3) });
    }
    case 'string': {
      if (schema.format === 'date-time') return recentInstant;
      if (schema.format === 'email') return fc.constantFrom('olga@example.test', 'someone@example.test');
      if (typeof schema.pattern === 'string') {
        try {
          return fc.stringMatching(new RegExp(schema.pattern)).filter((s) => s.length <= (schema.maxLength ?? 200));
        } catch {
          // a pattern JavaScript cannot read: fall through to plain text
        }
      }
      const min = schema.minLength ?? 1;
      return fc
        .string({ unit: 'grapheme-ascii', minLength: min, maxLength: Math.min(schema.maxLength ?? min + 24, min + 24) })
        .map((s) => s.trim() || 'Synthetic');
    }
    case 'integer':
      return fc.integer({ min: Math.max(schema.minimum ?? 0, -1e6), max: Math.min(schema.maximum ?? 1e6, 1e6) });
    case 'number':
      return fc.double({ min: Math.max(schema.minimum ?? 0, -1e6), max: Math.min(schema.maximum ?? 1e6, 1e6), noNaN: true, noDefaultInfinity: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

type Mutation = { kind: 'replace' | 'drop' | 'add' | 'wrap'; pick: number; key: string; value: unknown };
const mutation: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom('replace', 'replace', 'replace', 'drop', 'add', 'wrap'),
  pick: fc.nat(),
  key: hostileKey,
  value: hostileValue,
});

/** Applies one mutation at a node chosen by `pick`, in a copy of the value. */
function mutate(value: unknown, { kind, pick, key, value: shared }: Mutation): unknown {
  const hostile = copy(shared); // fast-check hands out its constants by reference: never let two bodies share a node
  const nodes: { parent?: Record<string, unknown> | unknown[]; at?: string | number; node: unknown }[] = [{ node: value }];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) {
      node.forEach((child, i) => {
        nodes.push({ parent: node, at: i, node: child });
        walk(child);
      });
    } else if (node && typeof node === 'object' && !(node instanceof RawJson)) {
      const record = node as Record<string, unknown>;
      for (const k of Object.keys(record)) {
        nodes.push({ parent: record, at: k, node: record[k] });
        walk(record[k]);
      }
    }
  };
  walk(value);
  const target = nodes[pick % nodes.length]!;
  const replaceWith = (next: unknown) => {
    if (!target.parent) return next;
    if (Array.isArray(target.parent)) target.parent[target.at as number] = next;
    else Object.defineProperty(target.parent, target.at as string, { value: next, enumerable: true, writable: true, configurable: true });
    return value;
  };
  switch (kind) {
    case 'replace':
      return replaceWith(hostile);
    case 'wrap':
      return replaceWith([target.node]);
    case 'drop':
      if (!target.parent) return undefined;
      if (Array.isArray(target.parent)) target.parent.splice(target.at as number, 1);
      else delete target.parent[target.at as string];
      return value;
    case 'add': {
      const holder =
        target.node && typeof target.node === 'object' && !Array.isArray(target.node) && !(target.node instanceof RawJson)
          ? (target.node as Record<string, unknown>)
          : undefined;
      if (!holder) return replaceWith(own([[key, hostile]]));
      Object.defineProperty(holder, key, { value: hostile, enumerable: true, writable: true, configurable: true });
      return value;
    }
  }
}

const copy = (value: unknown): unknown =>
  value === undefined
    ? undefined
    : value instanceof RawJson
      ? value
      : Array.isArray(value)
        ? value.map(copy)
        : value && typeof value === 'object'
          ? own(Object.keys(value).map((k) => [k, copy((value as Record<string, unknown>)[k])]))
          : value;

/** A JSON body for a schema: sometimes as described, mostly broken by one to three mutations. */
const jsonBody = (schema: JsonSchema | undefined, valid?: fc.Arbitrary<unknown>) =>
  fc
    .tuple(fc.oneof(schema ? fromSchema(schema) : fc.constant({}), ...(valid ? [valid] : [])), fc.array(mutation, { minLength: 0, maxLength: 3 }))
    .map(([value, mutations]) => {
      let body = copy(value);
      for (const m of mutations) body = mutate(body, m);
      return body === undefined ? '' : toJson(body);
    });

const csvText = fc.oneof(
  fc.constantFrom(
    'id,name,email,postal_address,locale,data_categories\nz1,Zed One,z1@fuzz.example.test,,en,name\n',
    'id,name,email\n"unterminated,quote\n',
    'id,name,email,postal_address,locale,data_categories\nz2,Nul\u0000Name,z2@fuzz.example.test,,en,name\n',
    'id,name,email,postal_address,locale,data_categories\nz3,\ud800,z3@fuzz.example.test,,en,name\n',
    'id,name,email,postal_address,locale,data_categories\nz4,=HYPERLINK("http://x"),z4@fuzz.example.test,,xx,name\n',
    '\ufeffid,name\n',
    'not,a,header\n1,2,3\n',
    '',
    'id,name,email,postal_address,locale,data_categories\n' + 'z5,Long,'.padEnd(100_000, 'x') + '\n',
  ),
  fc
    .array(
      fc
        .array(
          hostileString.map((s) => s.slice(0, 200)),
          { maxLength: 7 },
        )
        .map((row) => row.join(',')),
      { maxLength: 4 },
    )
    .map((rows) => rows.join('\n')),
);
const jsonLines = fc.oneof(
  fc.constantFrom(
    '{"id":"j1","name":"Jay","email":"j1@fuzz.example.test","locale":"en","dataCategories":["name"]}\n',
    '{"id":"j2",\n',
    '[1,2,3]\n',
    '{"__proto__":{"polluted":true}}\n',
  ),
  fc.array(hostileValue.map(toJson), { maxLength: 3 }).map((lines) => lines.join('\n')),
);

const JSON_TYPE = 'application/json';
const contentTypes = fc.constantFrom(
  'text/plain',
  'text/csv',
  'application/x-ndjson',
  'application/xml',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/json; charset=latin1',
  'APPLICATION/JSON',
  'application/json, text/csv',
  'application/octet-stream',
  '',
);

interface Payload {
  contentType?: string;
  payload?: string | Buffer;
}

/** A body as sent: JSON for the schema (broken), other JSON, not JSON at all, or under another media type. */
function payloadFor(operation: Operation, valid?: fc.Arbitrary<unknown>): fc.Arbitrary<Payload> {
  const body = jsonBody(operation.body, valid);
  const json = (text: fc.Arbitrary<string>) => text.map((payload) => ({ contentType: JSON_TYPE, payload }));
  const streams = !operation.body && operation.method === 'POST'; // a route with no JSON body takes a file
  return fc.oneof(
    { weight: streams ? 1 : 10, arbitrary: json(body) },
    { weight: 2, arbitrary: json(hostileValue.map(toJson)) },
    { weight: 1, arbitrary: json(body.chain((text) => fc.nat(Math.max(text.length - 1, 0)).map((cut) => text.slice(0, cut)))) },
    {
      weight: 1,
      arbitrary: json(
        fc.constantFrom(
          '',
          'null',
          '{',
          '{"a":1,}',
          "{'a':1}",
          '{"a":NaN}',
          '{"a":undefined}',
          '{"a":1}{"b":2}',
          '\u0000',
          '{"a":"\\ud800"}',
          '{"a":"\\u0000"}',
          '{"__proto__":{"x":1}}',
          '{"constructor":{"prototype":{"x":1}}}',
        ),
      ),
    },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom(
          Buffer.from([0xff, 0xfe, 0x7b, 0x7d]),
          Buffer.from('{"a":"\xed\xa0\x80"}', 'latin1'),
          Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d]),
        )
        .map((payload) => ({ contentType: JSON_TYPE, payload })),
    },
    { weight: streams ? 6 : 1, arbitrary: csvText.map((payload) => ({ contentType: 'text/csv', payload })) },
    { weight: streams ? 3 : 1, arbitrary: jsonLines.map((payload) => ({ contentType: 'application/x-ndjson', payload })) },
    { weight: 2, arbitrary: fc.tuple(contentTypes, fc.oneof(body, fc.string(), csvText)).map(([contentType, payload]) => ({ contentType, payload })) },
    { weight: 1, arbitrary: fc.constant<Payload>({}) },
    { weight: 1, arbitrary: body.map((payload) => ({ payload })) },
  );
}

/** Percent-encoded; a lone surrogate, which UTF-8 cannot encode, as the bytes a careless encoder writes for it. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const safeEncode = (s: string) => encodeURIComponent(s.replace(LONE_SURROGATE, '\ufffd')).replace(/%EF%BF%BD/g, '%ED%A0%80');

/** Path segments as a caller might send them, already percent-encoded where they would be. */
const hostileSegment = fc.oneof(
  fc.constantFrom(
    '',
    '%00',
    'a%00b',
    '%01',
    '%0A',
    '%7F',
    '%C2%85',
    '..',
    '..%2F..%2Fetc%2Fpasswd',
    '%2e%2e',
    '%2F',
    '%',
    '%ZZ',
    '%C3%28',
    '%ED%A0%80',
    '%E0%A4%A',
    '%F0%9F%92%A5',
    encodeURIComponent('\u202eevil'),
    encodeURIComponent('ブリーチ'),
    '%20',
    '%20padded%20',
    '+',
    '__proto__',
    'constructor',
    'toString',
    'x'.repeat(5000),
    `breach-${'9'.repeat(400)}`,
    '-1',
    '0',
    '1.5',
    '1e309',
    'NaN',
    '0x10',
    '99999999999999999999',
    'campaign-999',
  ),
  fc.uuid().map((u) => `breach-${u.replace(/-/g, '')}`),
  hostileString.map((s) => safeEncode(s.slice(0, 300))),
);

/** A query string: the route's own keys with wrong values, unknown keys, duplicates, brackets, garbage. */
function queryFor(operation: Operation): fc.Arbitrary<string> {
  const names = operation.queryParams.map((p) => p.name);
  const known = operation.queryParams.map((p) => fc.tuple(fc.constant(p.name), fromSchema(p.schema).map(String)));
  const pair = fc.oneof(
    ...(known.length ? [{ weight: 4, arbitrary: fc.oneof(...known) }] : []),
    {
      weight: 3,
      arbitrary: fc.tuple(
        names.length ? fc.constantFrom(...names) : hostileKey,
        fc.oneof(
          hostileString.map((s) => s.slice(0, 3000)),
          hostileNumber.map((n) => toJson(n)),
        ),
      ),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(
        hostileKey,
        hostileString.map((s) => s.slice(0, 300)),
      ),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(
        fc.constantFrom('__proto__[polluted]', 'constructor[prototype][polluted]', 'a[]', 'a[0]', 'a[b][c]', ...names.map((n) => `${n}[]`)),
        fc.constant('1'),
      ),
    },
  );
  return fc.oneof(
    { weight: 6, arbitrary: fc.constant('') },
    {
      weight: 4,
      arbitrary: fc.array(pair, { minLength: 1, maxLength: 4 }).map((pairs) => '?' + pairs.map(([k, v]) => `${safeEncode(k)}=${safeEncode(v)}`).join('&')),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '?',
        '?&&',
        '?=',
        '?a',
        '?%',
        '?%00=%00',
        '?a=%ZZ',
        `?${'a=1&'.repeat(2000)}`,
        '?limit=1&limit=2',
        '?all=true&all=false',
        '?limit=1e309',
        '?dueWithinHours=-0',
      ),
    },
  );
}

/** The route's path with each parameter a real value, a schema-drawn one, or a hostile segment. */
function pathFor(operation: Operation, seeds: Seeds): fc.Arbitrary<{ path: string; target?: string }> {
  const values = operation.pathParams.map(({ name, schema }) => {
    const real = name === 'id' ? seeds.breachIds.map(encodeURIComponent) : (seeds.known[name] ?? []).map(encodeURIComponent);
    return fc.oneof(
      ...(real.length ? [{ weight: 6, arbitrary: fc.constantFrom(...real) }] : []),
      { weight: 2, arbitrary: fromSchema(schema).map((v) => safeEncode(String(v))) },
      { weight: 3, arbitrary: hostileSegment },
    );
  });
  return fc
    .tuple(
      fc.tuple(...values),
      fc.oneof({ weight: 40, arbitrary: fc.constant('') }, { weight: 6, arbitrary: fc.constantFrom('/', '//', '/extra', '/..', '/%2e%2e', '?') }),
    )
    .map(([filled, suffix]) => {
      let i = 0;
      const path = operation.template.replace(/\{[^}]+\}/g, () => filled[i++]!) + suffix;
      const idAt = operation.pathParams.findIndex((p) => p.name === 'id');
      const target = idAt >= 0 ? seeds.breachIds.find((id) => encodeURIComponent(id) === filled[idAt]) : undefined;
      return { path, ...(target ? { target } : {}) };
    });
}

const ROLE_FOR: Record<string, keyof Seeds['tokens']> = { start: 'detector', operate: 'operator', record: 'operator', read: 'manager' };

/** The Authorization header: mostly the right role's token, else another role's, a forged one, or none. */
function authFor(operation: Operation, seeds: Seeds): fc.Arbitrary<{ auth: string; header?: string }> {
  const right = ROLE_FOR[operation.permission ?? ''] ?? 'operator';
  const roles = Object.keys(seeds.tokens) as (keyof Seeds['tokens'])[];
  return fc.oneof(
    { weight: 16, arbitrary: fc.constant({ auth: right, header: `Bearer ${seeds.tokens[right]}` }) },
    { weight: 2, arbitrary: fc.constantFrom(...roles).map((role) => ({ auth: role, header: `Bearer ${seeds.tokens[role]}` })) },
    { weight: 1, arbitrary: fc.constant({ auth: 'none' }) },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        { auth: 'forged', header: `Bearer bl_${'0'.repeat(43)}` },
        { auth: 'not bl_', header: 'Bearer abc' },
        { auth: 'empty bearer', header: 'Bearer ' },
        { auth: 'basic', header: 'Basic b2xnYTpwYXNz' },
        { auth: 'two tokens', header: `Bearer ${seeds.tokens[right]} ${seeds.tokens[right]}` },
        { auth: 'lower-case scheme', header: `bearer ${seeds.tokens[right]}` },
        { auth: 'huge', header: `Bearer bl_${'a'.repeat(8000)}` },
        { auth: 'truncated', header: `Bearer ${seeds.tokens[right].slice(0, -1)}` },
        { auth: 'prototype', header: 'Bearer __proto__' },
      ),
    },
  );
}

/** One hostile request for the operation: its path, query, body, media type and token each possibly wrong. */
export function requestFor(operation: Operation, seeds: Seeds): fc.Arbitrary<ApiRequest> {
  const payload = payloadFor(operation, seeds.bodies?.[operation.key]);
  const body = operation.method === 'POST' ? payload : fc.oneof({ weight: 9, arbitrary: fc.constant<Payload>({}) }, { weight: 1, arbitrary: payload });
  const method = fc.oneof(
    { weight: 30, arbitrary: fc.constant<string>(operation.method) },
    { weight: 1, arbitrary: fc.constantFrom(operation.method === 'GET' ? 'POST' : 'GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD') },
  );
  return fc
    .record({ method, path: pathFor(operation, seeds), query: queryFor(operation), body, auth: authFor(operation, seeds) })
    .map(({ method, path, query, body, auth }) => {
      const headers: Record<string, string> = {};
      if (auth.header !== undefined) headers.authorization = auth.header;
      if (body.contentType) headers['content-type'] = body.contentType;
      // A GET or HEAD carries no body: light-my-request refuses one.
      const payload = method === 'GET' || method === 'HEAD' ? undefined : body.payload;
      return {
        operation: operation.key,
        method,
        url: path.path + query,
        headers,
        ...(payload === undefined ? {} : { payload }),
        auth: auth.auth,
        ...(path.target ? { target: path.target } : {}),
      };
    });
}
