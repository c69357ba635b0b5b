// GET /metrics in Prometheus's text format: the HTTP API's requests, the open breaches as Temporal visibility
// counts them (by phase, overdue, the nearest deadline), the worker side's mail and store metrics when the worker
// runs in this process, and the Temporal SDK's own runtime metrics appended from its endpoint when given.
// No label carries a breach id, an address, a source or a URL: routes are their patterns, the rest closed sets.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { registry as workerRegistry } from '../activities/metrics';
import type { Phase } from '../workflows/definitions';
import { searchAttributes } from '../workflows/definitions';
import type { Breaches } from './breaches';

export interface MetricsOptions {
  /** When set, a scrape must send it as a bearer token (BREACHLINE_METRICS_TOKEN); when not, /metrics is open. */
  token?: string;
  /** The Temporal SDK's Prometheus endpoint in this process (Runtime telemetry), e.g. http://127.0.0.1:9464/metrics. */
  sdkMetricsUrl?: string;
  /** Below this many rows in a window, the nearest deadline is read from them; above, the window is halved. */
  windowRows?: number;
}

const PHASES: Phase[] = ['triage', 'reporting', 'remediation', 'closed'];
const SDK_TIMEOUT_MS = 2000;

export class ApiMetrics {
  readonly registry = new Registry();
  /** The visibility gauges, served only when visibility answered: a stale or zero count would mislead. */
  private readonly visibility = new Registry();
  /** Served only when some running breach has an open deadline: an unlabelled gauge cannot be absent otherwise. */
  private readonly deadline = new Registry();
  private visible = false;
  private hasDeadline = false;
  private readonly requests = new Counter({
    name: 'breachline_http_requests_total',
    help: 'HTTP API requests, by method, route pattern and status class',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  private readonly requestSeconds = new Histogram({
    name: 'breachline_http_request_seconds',
    help: 'HTTP API request latency, by method and route pattern',
    labelNames: ['method', 'route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  private readonly openBreaches = new Gauge({
    name: 'breachline_open_breaches',
    help: 'Running breach workflows, by phase (Temporal visibility)',
    labelNames: ['phase'] as const,
    registers: [this.visibility],
  });
  private readonly overdueBreaches = new Gauge({
    name: 'breachline_overdue_breaches',
    help: 'Running breaches with an open obligation whose deadline has passed (deadlines missed)',
    registers: [this.visibility],
  });
  private readonly nearestDeadline = new Gauge({
    name: 'breachline_nearest_deadline_seconds',
    help: 'Seconds from now to the nearest open deadline of any running breach; negative when it has passed; absent when none',
    registers: [this.deadline],
  });
  private readonly visibilityUp = new Gauge({
    name: 'breachline_visibility_up',
    help: '1 when Temporal visibility answered the counts of this scrape, 0 when it did not (the breach gauges are then absent)',
    registers: [this.registry],
  });
  private readonly sdkUp = new Gauge({
    name: 'breachline_sdk_metrics_up',
    help: "1 when the Temporal SDK's own metrics were appended to this scrape, 0 when its endpoint did not answer",
    registers: [this.registry],
  });

  constructor(
    private readonly breaches: Breaches,
    private readonly options: MetricsOptions = {},
  ) {}

  /** Counts each answered request under its route's pattern, never its URL. */
  observe(request: FastifyRequest, statusCode: number, seconds: number): void {
    const route = request.routeOptions.url ?? '(no such route)';
    this.requests.inc({ method: request.method, route, status: `${Math.floor(statusCode / 100)}xx` });
    this.requestSeconds.observe({ method: request.method, route }, seconds);
  }

  private count(query: string): Promise<number> {
    return this.breaches.client.workflow.count(query).then((result) => result.count);
  }

  /** The visibility gauges: a handful of count queries, then at most one page of rows, however many breaches run. */
  async refresh(now = Date.now()): Promise<void> {
    const running = `WorkflowType = 'breachWorkflow' AND TaskQueue = '${this.breaches.taskQueue.replace(/'/g, "''")}' AND ExecutionStatus = 'Running'`;
    const next = searchAttributes.nextDeadlineAt.name;
    const at = (ms: number) => `'${new Date(ms).toISOString()}'`;
    try {
      const [byPhase, overdue] = await Promise.all([
        Promise.all(PHASES.map((phase) => this.count(`${running} AND ${searchAttributes.phase.name} = '${phase}'`))),
        this.count(`${running} AND ${next} < ${at(now)}`),
      ]);
      const nearest = await this.nearestDeadlineAt(running, next, at);
      PHASES.forEach((phase, i) => this.openBreaches.set({ phase }, byPhase[i]!));
      this.overdueBreaches.set(overdue);
      if (nearest !== undefined) this.nearestDeadline.set((nearest - now) / 1000);
      [this.visible, this.hasDeadline] = [true, nearest !== undefined];
    } catch {
      [this.visible, this.hasDeadline] = [false, false];
    }
    this.visibilityUp.set(this.visible ? 1 : 0);
  }

  /**
   * The soonest BreachNextDeadlineAt among running breaches. SQL visibility cannot order by a search attribute, so
   * the window (lo, hi] is halved by counts until it holds few rows, which are then read; to the second at worst.
   */
  private async nearestDeadlineAt(running: string, next: string, at: (ms: number) => string): Promise<number | undefined> {
    let lo = 0;
    let hi = Date.parse('9999-12-31T00:00:00Z');
    const within = (from: number, to: number) => `${running} AND ${next} > ${at(from)} AND ${next} <= ${at(to)}`;
    let rows = await this.count(within(lo, hi));
    if (rows === 0) return undefined;
    const windowRows = this.options.windowRows ?? 100;
    while (rows > windowRows && hi - lo > 1000) {
      const mid = lo + Math.floor((hi - lo) / 2);
      const below = await this.count(within(lo, mid));
      if (below > 0) [hi, rows] = [mid, below];
      else lo = mid;
    }
    if (rows > windowRows) return hi;
    let soonest = Number.POSITIVE_INFINITY;
    for await (const info of this.breaches.client.workflow.list({ query: within(lo, hi), pageSize: windowRows })) {
      const due = info.typedSearchAttributes.get(searchAttributes.nextDeadlineAt)?.getTime();
      if (due !== undefined && due < soonest) soonest = due;
    }
    return Number.isFinite(soonest) ? soonest : undefined;
  }

  /** The SDK's own exposition, or nothing (and breachline_sdk_metrics_up 0) when its endpoint does not answer. */
  private async sdkMetrics(): Promise<string> {
    if (!this.options.sdkMetricsUrl) return '';
    try {
      const response = await fetch(this.options.sdkMetricsUrl, { signal: AbortSignal.timeout(SDK_TIMEOUT_MS) });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const text = await response.text();
      this.sdkUp.set(1);
      return text;
    } catch {
      this.sdkUp.set(0);
      return '';
    }
  }

  /** The whole scrape: this API's metrics, the worker side's, then the SDK's. */
  async scrape(): Promise<string> {
    const [, sdk] = await Promise.all([this.refresh(), this.sdkMetrics()]);
    const parts = [this.registry, ...(this.visible ? [this.visibility] : []), ...(this.hasDeadline ? [this.deadline] : []), workerRegistry];
    const own = await Registry.merge(parts).metrics();
    return sdk ? `${own}\n${sdk.trimEnd()}\n` : own;
  }

  authorized(authorization: string | undefined): boolean {
    if (!this.options.token) return true;
    const sent = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
    if (!sent) return false;
    const digest = (text: string) => createHash('sha256').update(text).digest();
    return timingSafeEqual(digest(sent), digest(this.options.token));
  }

  /** The request hook and GET /metrics (hidden from the OpenAPI document: it is not the product's API). */
  register(app: FastifyInstance): void {
    app.addHook('onResponse', async (request, reply) => this.observe(request, reply.statusCode, reply.elapsedTime / 1000));
    app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
      if (!this.authorized(request.headers.authorization))
        return reply
          .code(401)
          .header('www-authenticate', 'Bearer')
          .send({ error: 'send the metrics token: "Authorization: Bearer <BREACHLINE_METRICS_TOKEN>"', code: 'BL_UNAUTHORIZED', requestId: request.id });
      return reply.type(this.registry.contentType).send(await this.scrape());
    });
  }
}
