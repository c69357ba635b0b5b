// The breach register (GDPR Art. 33(5): "the facts relating to the personal data breach, its effects and the
// remedial action taken"; Quebec's Regulation respecting confidentiality incidents, s. 6; APPI's documentation of
// the report): one entry per breach, notifiable or not, rebuilt from the breach's state at each material change.
// Pure. It holds facts (counts and categories, never a person), decisions with their reasons, obligations and how
// each was met, campaigns as counts, and tasks without their outcomes; the timeline is kept beside it, as outcomes.
import { z } from 'zod';
import type { BreachStatus } from '../definitions';
import type { Facts } from './facts';
import { Regime } from './obligations';
import { buildOnce } from '../built-once';

const once = buildOnce('domain/register');

export interface RegisterApproval {
  by: string;
  /** The identity provider's issuer and subject, for an approver signed in with SSO. */
  subject?: string;
  at: string;
  action: 'approved' | 'submitted' | 'notified';
  filingReference?: string;
}

export interface RegisterEntry {
  breachId: string;
  /** 1, 2, …: one per material change; the latest is the register's current entry for the breach. */
  revision: number;
  status: 'open' | 'closed';
  /** Whether any law asked for a report or a notice (an obligation not withdrawn). */
  notifiable: boolean;
  awareAt: string;
  closedAt?: string;
  closedBy?: string;
  closeReason?: string;
  detection: { source: string; eventId: string; detectedAt: string; severity?: string; summary: string };
  facts: Facts;
  /** For each regime considered: whether it asks for anything, and why (or why not). */
  decisions: { regime: string; notifiable: boolean; obligations: string[]; reasons: string[] }[];
  obligations: {
    id: string;
    regime: string;
    title: string;
    recipient: string;
    citation: string;
    dueAt: string;
    state: 'open' | 'satisfied' | 'withdrawn';
    why: string[];
    withdrawnBecause?: string;
    satisfiedAt?: string;
    approvals: RegisterApproval[];
  }[];
  /** The notices to individuals: each campaign and its waves, in counts. */
  campaigns: {
    campaignId: string;
    state: string;
    total: number;
    unreachable: number;
    waves: { wave: number; state: string; total: number; sent: number; bounced: number; postal: number; approvedBy?: string; finishedAt?: string }[];
  }[];
  tasks: { id: string; state: string; records: { at: string; by: string; waived?: string }[] }[];
}

/** What an entry is made of: the parts of the breach's status the register keeps (not its documents, plan or timeline). */
export type RegisterSource = Pick<BreachStatus, 'breachId' | 'detection' | 'facts' | 'obligations' | 'notApplicable' | 'campaigns' | 'tasks' | 'approvals'>;

/** The register entry for a breach as its status shows it now. */
export function registerEntry(status: RegisterSource, revision: number, closure?: { closedAt: string; closedBy: string; reason: string }): RegisterEntry {
  const active = status.obligations.filter((o) => o.state !== 'withdrawn');
  const regimes = [...new Set([...status.obligations.map((o) => o.regime), ...status.notApplicable.map((n) => n.regime)])].sort();
  return {
    breachId: status.breachId,
    revision,
    status: closure ? 'closed' : 'open',
    notifiable: active.length > 0,
    awareAt: new Date(status.facts.awareAt).toISOString(),
    ...(closure ? { closedAt: closure.closedAt, closedBy: closure.closedBy, closeReason: closure.reason } : {}),
    detection: { ...status.detection },
    facts: status.facts,
    decisions: regimes.map((regime) => {
      const mine = active.filter((o) => o.regime === regime);
      return {
        regime,
        notifiable: mine.length > 0,
        obligations: mine.map((o) => o.id),
        reasons: [
          ...mine.flatMap((o) => o.why.map((why) => `${o.id}: ${why}`)),
          ...status.notApplicable.filter((n) => n.regime === regime).map((n) => (n.obligation ? `${n.obligation}: ${n.reason}` : n.reason)),
        ],
      };
    }),
    obligations: status.obligations.map((o) => ({
      id: o.id,
      regime: o.regime,
      title: o.title,
      recipient: o.recipient,
      citation: o.citation,
      dueAt: o.dueAt,
      state: o.state,
      why: o.why,
      ...(o.withdrawnBecause ? { withdrawnBecause: o.withdrawnBecause } : {}),
      ...(o.satisfiedAt ? { satisfiedAt: o.satisfiedAt } : {}),
      approvals: status.approvals
        .filter((a) => a.obligationId === o.id)
        .map((a) => ({
          by: a.approver.id,
          ...(a.approver.subject ? { subject: a.approver.subject } : {}),
          at: a.at,
          action: a.action,
          ...(a.filingReference ? { filingReference: a.filingReference } : {}),
        })),
    })),
    campaigns: status.campaigns.map((c) => ({
      campaignId: c.campaignId,
      state: c.state,
      total: c.total,
      unreachable: c.unreachable,
      waves: c.waves.map((w) => ({
        wave: w.wave,
        state: w.state,
        total: w.total,
        sent: w.sent,
        bounced: w.bounced,
        postal: w.postal,
        ...(w.approvedBy ? { approvedBy: w.approvedBy } : {}),
        ...(w.finishedAt ? { finishedAt: w.finishedAt } : {}),
      })),
    })),
    tasks: status.tasks.map((t) => ({
      id: t.id,
      state: t.state,
      records: t.records.map((r) => ({ at: r.at, by: r.by, ...(r.waived ? { waived: r.waived } : {}) })),
    })),
  };
}

/** The register's columns, derived from an entry: what filters and retention read. */
export function registerColumns(entry: RegisterEntry): { status: string; notifiable: boolean; regimes: string[]; awareAt: string; closedAt: string | null } {
  return {
    status: entry.status,
    notifiable: entry.notifiable,
    regimes: entry.decisions.filter((d) => d.notifiable).map((d) => d.regime),
    awareAt: entry.awareAt,
    closedAt: entry.closedAt ?? null,
  };
}

const boolish = once(() => z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]));
const day = once(() =>
  z.union([z.iso.date(), z.iso.datetime({ offset: true })]).refine((value) => {
    const at = Date.parse(value);
    return at >= Date.UTC(1900, 0, 1) && at < Date.UTC(10000, 0, 1);
  }, 'a date from 1900 to 9999'),
);

/** A search of the register: the latest entry of each breach that matches, newest awareness first. */
export const RegisterFilter = once(() =>
  z.strictObject({
    status: z.enum(['open', 'closed']).optional(),
    regime: Regime.optional().describe('only breaches notifiable under this regime'),
    notifiable: boolish.optional(),
    from: day.optional().describe('aware on or after (a date is its start, UTC)'),
    to: day.optional().describe('aware before (a date is its start, UTC)'),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    offset: z.coerce.number().int().min(0).default(0),
    format: z.enum(['json', 'csv']).default('json'),
  }),
);
export type RegisterFilter = z.output<typeof RegisterFilter>;

/** How long a closed breach's register entry and timeline are kept; five years unless the policy says otherwise. */
export const DEFAULT_REGISTER_RETENTION_YEARS = 5;
