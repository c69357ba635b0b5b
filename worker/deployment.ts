// What Breachline needs on a Temporal server before it can run: its namespace and its search attributes (with the
// right types). `breachline setup` creates what is missing where it may (a self-hosted server); on Temporal Cloud, where
// a client cannot register namespaces or search attributes, it verifies and says what to add. Every process checks the
// same at start, and refuses with a sentence naming what is missing rather than failing at the first list or start.
import proto from '@temporalio/proto';
import type { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import type { NativeConnection } from '@temporalio/worker';
import { searchAttributes } from '../workflows/definitions';

const { IndexedValueType } = proto.temporal.api.enums.v1;
type Services = Pick<Connection | NativeConnection, 'workflowService' | 'operatorService'>;

/** Breachline's search attributes with the server's type for each, and the name people read. */
export const REQUIRED_SEARCH_ATTRIBUTES = Object.values(searchAttributes).map((key) => ({
  name: key.name,
  type: {
    KEYWORD: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
    KEYWORD_LIST: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
    DATETIME: IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
  }[key.type],
  typeName: ({ KEYWORD: 'Keyword', KEYWORD_LIST: 'KeywordList', DATETIME: 'Datetime' } as Record<string, string>)[key.type]!,
}));

const typeName = (type: number | null | undefined) =>
  ({ 1: 'Text', 2: 'Keyword', 3: 'Int', 4: 'Double', 5: 'Bool', 6: 'Datetime', 7: 'KeywordList' })[type ?? 0] ?? 'unknown';

export interface DeploymentCheck {
  namespace: string;
  namespaceExists: boolean;
  missing: { name: string; typeName: string }[];
  /** Registered under Breachline's name with another type: setup cannot fix that, an operator must. */
  wrongType: { name: string; expected: string; actual: string }[];
  ok: boolean;
}

const NOT_FOUND = 5;
const PERMISSION_DENIED = 7;
const UNIMPLEMENTED = 12;
const code = (error: unknown) => (error as { code?: number }).code;

export async function checkDeployment(services: Services, namespace: string): Promise<DeploymentCheck> {
  try {
    await services.workflowService.describeNamespace({ namespace });
  } catch (error) {
    if (code(error) !== NOT_FOUND) throw error;
    const missing = REQUIRED_SEARCH_ATTRIBUTES.map(({ name, typeName }) => ({ name, typeName }));
    return { namespace, namespaceExists: false, missing, wrongType: [], ok: false };
  }
  let customAttributes: Record<string, number> | null | undefined;
  try {
    ({ customAttributes } = await services.operatorService.listSearchAttributes({ namespace }));
  } catch (error) {
    // Just registered: the frontend's namespace cache has not caught up yet.
    if (code(error) !== NOT_FOUND) throw error;
    const missing = REQUIRED_SEARCH_ATTRIBUTES.map(({ name, typeName }) => ({ name, typeName }));
    return { namespace, namespaceExists: false, missing, wrongType: [], ok: false };
  }
  const missing: DeploymentCheck['missing'] = [];
  const wrongType: DeploymentCheck['wrongType'] = [];
  for (const required of REQUIRED_SEARCH_ATTRIBUTES) {
    const actual = customAttributes?.[required.name];
    if (actual === undefined || actual === null) missing.push({ name: required.name, typeName: required.typeName });
    else if (actual !== Number(required.type)) wrongType.push({ name: required.name, expected: required.typeName, actual: typeName(actual) });
  }
  return { namespace, namespaceExists: true, missing, wrongType, ok: missing.length === 0 && wrongType.length === 0 };
}

/** What a check found missing, as sentences an operator can act on. */
export function describeProblems(check: DeploymentCheck): string[] {
  const problems: string[] = [];
  if (!check.namespaceExists) problems.push(`the namespace "${check.namespace}" does not exist`);
  if (check.namespaceExists && check.missing.length) {
    problems.push(`the namespace "${check.namespace}" lacks the search attributes ${check.missing.map((m) => `${m.name} (${m.typeName})`).join(', ')}`);
  }
  for (const wrong of check.wrongType) {
    problems.push(`the search attribute ${wrong.name} is registered as ${wrong.actual}, but Breachline needs ${wrong.expected}: remove it and run setup again`);
  }
  return problems;
}

/** The server lacks what Breachline needs; the message says what and how to add it. */
export class DeploymentIncomplete extends Error {
  constructor(
    readonly check: DeploymentCheck,
    address: string,
  ) {
    super(
      `Temporal at ${address} is not ready for Breachline: ${describeProblems(check).join('; ')}. Run \`breachline setup\` with the same settings ` +
        '(on Temporal Cloud, create the namespace and add the search attributes in the Cloud UI or with `tcld`).',
    );
    this.name = 'DeploymentIncomplete';
  }
}

/**
 * Refuses to go on when the server lacks the namespace or a search attribute; for every process at start. A server
 * without the operator service (Temporal's time-skipping test server) cannot be checked: what needs search there
 * says so itself (SearchUnavailable).
 */
export async function requireDeployment(services: Services, namespace: string, address: string): Promise<void> {
  let check: DeploymentCheck;
  try {
    check = await checkDeployment(services, namespace);
  } catch (error) {
    if (code(error) === UNIMPLEMENTED) return;
    throw error;
  }
  if (!check.ok) throw new DeploymentIncomplete(check, address);
}

export interface SetupResult {
  check: DeploymentCheck;
  /** What setup created, in order. */
  created: string[];
  /** What it could not create (no operator rights, e.g. on Temporal Cloud), with the server's reason. */
  refused: string[];
}

/**
 * Creates the namespace and the search attributes that are missing, then checks again. Idempotent: a second run
 * creates nothing. Where the server refuses (permission denied, unimplemented), it reports instead of failing.
 */
export async function setupDeployment(
  services: Services,
  namespace: string,
  { retentionDays = 30, verifyOnly = false, log = (_line: string) => undefined } = {},
): Promise<SetupResult> {
  const created: string[] = [];
  const refused: string[] = [];
  const refusal = (error: unknown) => [PERMISSION_DENIED, UNIMPLEMENTED].includes(code(error) ?? -1);
  let check = await checkDeployment(services, namespace);
  if (verifyOnly || check.ok) return { check, created, refused };

  if (!check.namespaceExists) {
    try {
      await services.workflowService.registerNamespace({
        namespace,
        description: 'Breachline: personal-data breach response',
        workflowExecutionRetentionPeriod: msToTs(`${retentionDays} days`),
      });
      created.push(`namespace ${namespace} (retention ${retentionDays} days)`);
      log(`created the namespace ${namespace}`);
    } catch (error) {
      if (!refusal(error)) throw error;
      refused.push(`namespace ${namespace}: ${(error as Error).message.split('\n')[0]}`);
      return { check, created, refused };
    }
    check = await untilNamespaceVisible(services, namespace);
  }

  if (check.missing.length) {
    const toAdd = Object.fromEntries(check.missing.map((m) => [m.name, REQUIRED_SEARCH_ATTRIBUTES.find((r) => r.name === m.name)!.type]));
    try {
      await retryWhileNamespaceWarms(() => services.operatorService.addSearchAttributes({ namespace, searchAttributes: toAdd }));
      created.push(...check.missing.map((m) => `search attribute ${m.name} (${m.typeName})`));
      log(`added the search attributes ${check.missing.map((m) => m.name).join(', ')}`);
    } catch (error) {
      if (!refusal(error)) throw error;
      refused.push(`search attributes ${check.missing.map((m) => m.name).join(', ')}: ${(error as Error).message.split('\n')[0]}`);
    }
  }
  return { check: await checkDeployment(services, namespace), created, refused };
}

/** A namespace just registered reaches every frontend's cache within seconds; wait for it rather than fail. */
async function untilNamespaceVisible(services: Services, namespace: string): Promise<DeploymentCheck> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const check = await checkDeployment(services, namespace);
    if (check.namespaceExists || Date.now() > deadline) return check;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

async function retryWhileNamespaceWarms<T>(call: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      return await call();
    } catch (error) {
      if (code(error) !== NOT_FOUND || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}
