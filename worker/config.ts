// Configuration from the environment, validated once at start-up: a bad value stops the process with the
// variable named, before anything connects.
import { readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { LANGS } from '../activities/i18n';
import type { MailConfig } from '../activities/mail';
import { ResponsePolicy, TASK_QUEUE } from '../workflows/definitions';
import { Playbook } from '../workflows/domain/playbook';
import { fieldErrors, InvalidInput, parseOrExplain } from '../workflows/domain/facts';
import { loadTemporalConnection, type TemporalConnectionConfig } from './connection';

export { TemporalUnreachable } from './connection';

/** The checkout (or the installed package): under `npm run build` this module runs from dist/worker/. */
const HERE = dirname(fileURLToPath(import.meta.url));
export const PROJECT_ROOT = basename(dirname(HERE)) === 'dist' ? dirname(dirname(HERE)) : dirname(HERE);

const emailList = z
  .string()
  .transform((s) =>
    s
      .split(',')
      .map((a) => a.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.email()));

const Env = z
  .object({
    BREACHLINE_TASK_QUEUE: z.string().min(1).default(TASK_QUEUE),
    BREACHLINE_DATA_DIR: z.string().min(1).default(join(PROJECT_ROOT, '.data')),
    BREACHLINE_STORE_URL: z.string().min(1).optional(),
    BREACHLINE_SMTP_URL: z.url().default('smtp://127.0.0.1:2525'),
    BREACHLINE_SMTP_CA_FILE: z
      .string()
      .min(1)
      .transform(readCertificates)
      .optional()
      .describe("a PEM file with the certificate(s) trusted for the SMTP server's: a private CA, or the server's own self-signed one"),
    BREACHLINE_SMTP_REQUIRE_TLS: z.stringbool().default(false).describe('true: refuse to send unless the SMTP session is encrypted (STARTTLS or smtps)'),
    BREACHLINE_SMTP_TLS_SELF_SIGNED: z
      .literal('allow')
      .optional()
      .describe('allow: accept an SMTP certificate nobody vouches for (warned at start); prefer BREACHLINE_SMTP_CA_FILE'),
    BREACHLINE_DKIM_DOMAIN: z.string().min(1).optional().describe('the DKIM signing domain (d=); it must align with the From address (DMARC)'),
    BREACHLINE_DKIM_SELECTOR: z.string().min(1).optional().describe('the DKIM selector (s=): the public key is at <selector>._domainkey.<domain>'),
    BREACHLINE_DKIM_KEY_FILE: z.string().min(1).transform(readPrivateKey).optional().describe('a PEM file with the DKIM private key (RSA 2048 or Ed25519)'),
    BREACHLINE_BOUNCE_DOMAIN: z
      .string()
      .regex(/^[a-z0-9.-]+\.[a-z]{2,}$/i, 'a domain name, e.g. bounces.example.com')
      .optional()
      .describe("notices' return paths are bounce+<token>@ this domain (VERP); its MX is the bounce listener"),
    BREACHLINE_BOUNCE_PORT: z.coerce
      .number()
      .int()
      .min(0)
      .max(65535)
      .optional()
      .describe('the port the worker receives delivery status notifications on (SMTP)'),
    BREACHLINE_BOUNCE_HOST: z.string().min(1).default('127.0.0.1').describe('the address the bounce listener binds; 0.0.0.0 when it is the MX'),
    BREACHLINE_MAIL_FROM: z.string().min(3).default('Breachline <breachline@localhost>'),
    BREACHLINE_RESPONDERS: emailList.default(['responders@example.com']),
    BREACHLINE_OWNER: emailList.optional().describe("the breach owner's addresses: first step of every escalation ladder"),
    BREACHLINE_DPO: emailList.optional(),
    BREACHLINE_EXECUTIVE: emailList.optional(),
    BREACHLINE_MAIL_LANGUAGE: z.enum(LANGS).default('en').describe('ja or en: the language of escalation and task mails'),
    BREACHLINE_RESPONDERS_LANGUAGE: z.enum(LANGS).optional(),
    BREACHLINE_OWNER_LANGUAGE: z.enum(LANGS).optional().describe("the owner's mail language, when it differs from BREACHLINE_MAIL_LANGUAGE"),
    BREACHLINE_DPO_LANGUAGE: z.enum(LANGS).optional(),
    BREACHLINE_EXECUTIVE_LANGUAGE: z.enum(LANGS).optional(),
    BREACHLINE_POLICY: z.string().min(1).optional().describe('a JSON file with the response policy: escalation ladders and internal targets'),
    BREACHLINE_PLAYBOOK: z.string().min(1).optional().describe("a JSON file with the response plan's tasks; the default playbook otherwise"),
    BREACHLINE_PUBLIC_URL: z.url().optional(),
    BREACHLINE_CODEC_KEY: z.string().optional(),
    BREACHLINE_ID_KEY: z.string().optional().describe('base64, 32 bytes: the key breach ids are derived with; every API replica and CLI must share it'),
    BREACHLINE_CODEC_KEY_FILE: z.string().min(1).transform(readKeyFile).optional().describe('a file holding BREACHLINE_CODEC_KEY (a mounted secret)'),
    BREACHLINE_ID_KEY_FILE: z.string().min(1).transform(readKeyFile).optional().describe('a file holding BREACHLINE_ID_KEY (a mounted secret)'),
    BREACHLINE_LINK_KEY: z
      .string()
      .optional()
      .describe('base64, 32 bytes: signs the acknowledge/snooze links in escalation mails; every worker and API replica must share it'),
    BREACHLINE_PAGERDUTY_WEBHOOK_SECRET: z
      .string()
      .min(16)
      .optional()
      .describe("the PagerDuty webhook subscription's secret: acknowledging an incident there acknowledges the escalation here"),
    BREACHLINE_CODEC_OLD_KEYS: z.string().optional(),
    BREACHLINE_API_HOST: z.string().default('127.0.0.1'),
    BREACHLINE_API_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
    // Sign-in with an OpenID provider (client/sso.ts): on when an issuer is set.
    BREACHLINE_OIDC_ISSUER: z.url().optional().describe("the OpenID provider's issuer URL: turns on SSO for the dashboard and JWTs for the API"),
    BREACHLINE_OIDC_CLIENT_ID: z.string().min(1).optional(),
    BREACHLINE_OIDC_CLIENT_SECRET: z.string().min(1).optional(),
    BREACHLINE_OIDC_AUDIENCE: z.string().min(1).optional().describe('the aud the API requires of JWTs; the client id when unset'),
    BREACHLINE_OIDC_RESOURCE: z.url().optional().describe('a resource indicator (RFC 8707) to request the API access token for'),
    BREACHLINE_OIDC_SCOPE: z.string().min(1).optional(),
    BREACHLINE_OIDC_ROLES_CLAIM: z.string().min(1).optional().describe('the claim with the roles; a dotted path for a nested one'),
    BREACHLINE_OIDC_ROLE_MAP: z
      .string()
      .transform((text, context) => {
        try {
          return JSON.parse(text) as unknown;
        } catch (error) {
          context.addIssue({ code: 'custom', message: `malformed JSON: ${(error as Error).message}` });
          return z.NEVER;
        }
      })
      .pipe(z.record(z.string(), z.enum(['detector', 'operator', 'manager'])))
      .optional()
      .describe('JSON: provider role or group → Breachline role, e.g. {"dpo-team":"operator"}'),
    BREACHLINE_OIDC_COOKIE_KEY: z.string().optional().describe('base64, 32 bytes, shared by API replicas: seals a sign-in in progress'),
  })
  .superRefine(checkDkim);

/** DKIM is all three settings or none, and its domain must align with the From address's (relaxed, RFC 7489 s. 3.1.1). */
function checkDkim(
  e: { BREACHLINE_DKIM_DOMAIN?: string; BREACHLINE_DKIM_SELECTOR?: string; BREACHLINE_DKIM_KEY_FILE?: string; BREACHLINE_MAIL_FROM: string },
  context: z.RefinementCtx,
): void {
  const set = {
    BREACHLINE_DKIM_DOMAIN: e.BREACHLINE_DKIM_DOMAIN,
    BREACHLINE_DKIM_SELECTOR: e.BREACHLINE_DKIM_SELECTOR,
    BREACHLINE_DKIM_KEY_FILE: e.BREACHLINE_DKIM_KEY_FILE,
  };
  const given = Object.entries(set).filter(([, v]) => v !== undefined);
  if (given.length === 0) return;
  for (const [name, value] of Object.entries(set))
    if (value === undefined)
      context.addIssue({
        code: 'custom',
        path: [name],
        message: `required with ${given.map(([n]) => n).join(' and ')}: DKIM needs a domain, a selector and a key`,
      });
  const fromDomain = e.BREACHLINE_MAIL_FROM.match(/@([^>\s]+)/)?.[1]?.toLowerCase();
  const domain = e.BREACHLINE_DKIM_DOMAIN?.toLowerCase();
  if (domain && fromDomain && fromDomain !== domain && !fromDomain.endsWith(`.${domain}`))
    context.addIssue({
      code: 'custom',
      path: ['BREACHLINE_DKIM_DOMAIN'],
      message: `${domain} does not align with the From address's domain ${fromDomain}: DMARC would fail and the notices land in spam`,
    });
}

export interface Config {
  /** Address and namespace, and how to connect (TLS, API key): see worker/connection.ts. */
  temporal: { address: string; namespace: string; taskQueue: string; connection: TemporalConnectionConfig };
  dataDir: string;
  storeUrl: string;
  mail: MailConfig;
  policy: ResponsePolicy;
  codec: { key?: string; oldKeys?: string; devKeyFile: string };
  breachIds: { key?: string; devKeyFile: string };
  /** The key of the links in escalation mails (BREACHLINE_LINK_KEY), else a development key in the data folder. */
  links: { key?: string; devKeyFile: string };
  /** PagerDuty's webhook secret (BREACHLINE_PAGERDUTY_WEBHOOK_SECRET); no inbound PagerDuty route without. */
  pagerDutySecret?: string;
  api: { host: string; port: number };
  /** OpenID Connect sign-in, when BREACHLINE_OIDC_ISSUER is set. */
  sso?: {
    issuer: string;
    clientId: string;
    clientSecret?: string;
    audience?: string;
    resource?: string;
    scope?: string;
    rolesClaim?: string;
    roleMap?: Record<string, 'detector' | 'operator' | 'manager'>;
    redirectUri: string;
    cookieKey?: string;
  };
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = Env.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== '')));
  if (!parsed.success) throw new InvalidInput('configuration', fieldErrors(parsed.error));
  const e = parsed.data;
  const connection = loadTemporalConnection(env);
  const dataDir = resolve(e.BREACHLINE_DATA_DIR);
  return {
    temporal: { address: connection.address, namespace: connection.namespace, taskQueue: e.BREACHLINE_TASK_QUEUE, connection },
    dataDir,
    storeUrl: e.BREACHLINE_STORE_URL ?? `pglite:${join(dataDir, 'store')}`,
    mail: {
      smtpUrl: e.BREACHLINE_SMTP_URL,
      tls: { ca: e.BREACHLINE_SMTP_CA_FILE, requireTLS: e.BREACHLINE_SMTP_REQUIRE_TLS, allowSelfSigned: e.BREACHLINE_SMTP_TLS_SELF_SIGNED === 'allow' },
      ...(e.BREACHLINE_DKIM_DOMAIN && e.BREACHLINE_DKIM_SELECTOR && e.BREACHLINE_DKIM_KEY_FILE
        ? { dkim: { domainName: e.BREACHLINE_DKIM_DOMAIN, keySelector: e.BREACHLINE_DKIM_SELECTOR, privateKey: e.BREACHLINE_DKIM_KEY_FILE } }
        : {}),
      ...(e.BREACHLINE_BOUNCE_DOMAIN
        ? { bounces: { domain: e.BREACHLINE_BOUNCE_DOMAIN, port: e.BREACHLINE_BOUNCE_PORT, host: e.BREACHLINE_BOUNCE_HOST } }
        : {}),
      from: e.BREACHLINE_MAIL_FROM,
      responders: e.BREACHLINE_RESPONDERS,
      // Each escalation audience falls back to the responders, so a one-address setup still reaches someone.
      owner: e.BREACHLINE_OWNER ?? e.BREACHLINE_RESPONDERS,
      dpo: e.BREACHLINE_DPO ?? e.BREACHLINE_RESPONDERS,
      executive: e.BREACHLINE_EXECUTIVE ?? e.BREACHLINE_RESPONDERS,
      statusBaseUrl: e.BREACHLINE_PUBLIC_URL,
      languages: {
        responders: e.BREACHLINE_RESPONDERS_LANGUAGE ?? e.BREACHLINE_MAIL_LANGUAGE,
        owner: e.BREACHLINE_OWNER_LANGUAGE ?? e.BREACHLINE_MAIL_LANGUAGE,
        dpo: e.BREACHLINE_DPO_LANGUAGE ?? e.BREACHLINE_MAIL_LANGUAGE,
        executive: e.BREACHLINE_EXECUTIVE_LANGUAGE ?? e.BREACHLINE_MAIL_LANGUAGE,
      },
    },
    policy: withPlaybook(e.BREACHLINE_POLICY ? loadPolicy(e.BREACHLINE_POLICY) : ResponsePolicy.parse({}), e.BREACHLINE_PLAYBOOK),
    codec: { key: e.BREACHLINE_CODEC_KEY ?? e.BREACHLINE_CODEC_KEY_FILE, oldKeys: e.BREACHLINE_CODEC_OLD_KEYS, devKeyFile: join(dataDir, 'codec.key') },
    breachIds: { key: e.BREACHLINE_ID_KEY ?? e.BREACHLINE_ID_KEY_FILE, devKeyFile: join(dataDir, 'breach-id.key') },
    links: { key: e.BREACHLINE_LINK_KEY, devKeyFile: join(dataDir, 'link.key') },
    ...(e.BREACHLINE_PAGERDUTY_WEBHOOK_SECRET ? { pagerDutySecret: e.BREACHLINE_PAGERDUTY_WEBHOOK_SECRET } : {}),
    api: { host: e.BREACHLINE_API_HOST, port: e.BREACHLINE_API_PORT },
    ...(e.BREACHLINE_OIDC_ISSUER ? { sso: ssoConfig(e) } : {}),
  };
}

function ssoConfig(e: z.output<typeof Env>): NonNullable<Config['sso']> {
  if (!e.BREACHLINE_OIDC_CLIENT_ID) {
    throw new InvalidInput('configuration', [{ field: 'BREACHLINE_OIDC_CLIENT_ID', message: 'required with BREACHLINE_OIDC_ISSUER' }]);
  }
  const publicUrl = e.BREACHLINE_PUBLIC_URL ?? `http://${e.BREACHLINE_API_HOST}:${e.BREACHLINE_API_PORT}`;
  const defined = <T extends object>(o: T) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
  return defined({
    issuer: e.BREACHLINE_OIDC_ISSUER!,
    clientId: e.BREACHLINE_OIDC_CLIENT_ID,
    clientSecret: e.BREACHLINE_OIDC_CLIENT_SECRET,
    audience: e.BREACHLINE_OIDC_AUDIENCE,
    resource: e.BREACHLINE_OIDC_RESOURCE,
    scope: e.BREACHLINE_OIDC_SCOPE,
    rolesClaim: e.BREACHLINE_OIDC_ROLES_CLAIM,
    roleMap: e.BREACHLINE_OIDC_ROLE_MAP,
    redirectUri: new URL('/auth/callback', publicUrl).href,
    cookieKey: e.BREACHLINE_OIDC_COOKIE_KEY,
  });
}

/** A key kept in a file (a Kubernetes or Docker secret), so that every replica reads the same one and no process list shows it. */
function readKeyFile(path: string, context: z.RefinementCtx<string>): string {
  try {
    const key = readFileSync(path, 'utf8').trim();
    if (key) return key;
    context.addIssue({ code: 'custom', message: `${path} is empty` });
  } catch (error) {
    context.addIssue({ code: 'custom', message: `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` });
  }
  return z.NEVER;
}

/** The PEM certificates in a CA file; a file that cannot be read or holds none is refused at start, not at the first mail. */
function readCertificates(path: string, context: z.RefinementCtx<string>): string {
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (error) {
    context.addIssue({ code: 'custom', message: `cannot read ${path}: ${(error as Error).message}` });
    return z.NEVER;
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    context.addIssue({ code: 'custom', message: `${path} holds no PEM certificate (-----BEGIN CERTIFICATE-----)` });
    return z.NEVER;
  }
  return pem;
}

/** A DKIM private key file; one that cannot be read or holds no PEM private key is refused at start, not at the first mail. */
function readPrivateKey(path: string, context: z.RefinementCtx<string>): string {
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (error) {
    context.addIssue({ code: 'custom', message: `cannot read ${path}: ${(error as Error).message}` });
    return z.NEVER;
  }
  if (!/-----BEGIN (RSA |EC )?PRIVATE KEY-----/.test(pem)) {
    context.addIssue({ code: 'custom', message: `${path} holds no PEM private key (-----BEGIN PRIVATE KEY-----)` });
    return z.NEVER;
  }
  return pem;
}

/** A playbook file, when one is configured, replaces the policy's playbook; a bad one stops start-up, naming the path and field. */
function withPlaybook(policy: ResponsePolicy, path: string | undefined): ResponsePolicy {
  return path ? { ...policy, playbook: readJsonFile(path, Playbook, 'playbook', 'BREACHLINE_PLAYBOOK') } : policy;
}

function readJsonFile<S extends z.ZodType>(path: string, schema: S, what: string, variable: string): z.output<S> {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new InvalidInput(`${what} ${path}`, [{ field: variable, message: (error as Error).message }]);
  }
  return parseOrExplain(schema, json, `${what} ${path}`);
}

/** Reads a response policy file; a bad one is refused naming the file and each bad field. */
export function loadPolicy(path: string): ResponsePolicy {
  return readJsonFile(path, ResponsePolicy, 'response policy', 'BREACHLINE_POLICY');
}
