// Breachline dashboard: open breaches by nearest deadline, and one breach's obligations, playbook tasks, damage
// estimate, reports and notices, waves and timeline, with live countdowns. Plain ES modules, no build. Every text
// from the API is set as text, never as HTML. Every word of the page's own comes from the catalogue of the user's
// language (GET /dashboard/messages.json), formatted with ICU MessageFormat; times are in the viewer's zone, and each
// deadline in its regime's zone too.
import { IntlMessageFormat } from '/dashboard/intl-messageformat.js';
import { renderRegister } from './register.js';

const main = document.getElementById('main');
const who = document.getElementById('who');
const languageSwitch = document.getElementById('lang');
let me = null;
let refreshTimer = null;

const token = () => localStorage.getItem('breachline.token') ?? '';

// --- The user's language and zone -------------------------------------------------------------------------------

const LOCALES = { ja: 'ja-JP', en: 'en-GB' };
const viewerZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
let lang = 'en';
let messages = {};
let titles = {};
const compiled = new Map();

/** The arguments a message selects on: ICU select keys cannot hold "-", so the catalogue writes those values with "_". */
function selectorsOf(elements, into = new Set()) {
  for (const element of elements) {
    if (element.type === 5 /* select */) into.add(element.value);
    for (const option of Object.values(element.options ?? {})) selectorsOf(option.value, into);
  }
  return into;
}

/** The catalogue's message `key` in the user's language, with `values`; the key itself if the catalogue lacks it. */
function t(key, values = {}) {
  const message = messages[key];
  if (message === undefined) return key;
  let entry = compiled.get(key);
  if (!entry) {
    const format = new IntlMessageFormat(message, LOCALES[lang]);
    entry = { format, selectors: selectorsOf(format.getAst()) };
    compiled.set(key, entry);
  }
  const args = {};
  for (const [name, value] of Object.entries(values)) {
    args[name] = typeof value === 'boolean' ? String(value) : entry.selectors.has(name) && typeof value === 'string' ? value.replaceAll('-', '_') : value;
  }
  return String(entry.format.format(args));
}

/** The catalogue of the language picked on this browser, else of the one the browser asks for (Accept-Language). */
async function loadMessages() {
  const picked = localStorage.getItem('breachline.lang');
  const response = await fetch(`/dashboard/messages.json${picked ? `?lang=${encodeURIComponent(picked)}` : ''}`);
  const body = await response.json();
  if (!response.ok) {
    localStorage.removeItem('breachline.lang');
    throw new Error(body.error ?? `${response.status}`);
  }
  lang = body.lang;
  messages = body.messages;
  titles = body.titles ?? {};
  compiled.clear();
  document.documentElement.lang = lang;
  languageSwitch.value = lang;
  for (const element of document.querySelectorAll('[data-i18n]')) element.textContent = t(element.dataset.i18n, { zone: viewerZone });
  for (const element of document.querySelectorAll('[data-i18n-placeholder]')) element.placeholder = t(element.dataset.i18nPlaceholder);
  for (const element of document.querySelectorAll('[data-i18n-label]')) element.setAttribute('aria-label', t(element.dataset.i18nLabel));
}

/** One of Breachline's own obligation or task titles in the user's language; any other as written. */
const localTitle = (title) => titles[title] ?? title;

/** An instant with its date, time and zone, in `zone` (the viewer's by default). */
function formatInstant(iso, zone = viewerZone) {
  const parts = { timeZone: zone, year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' };
  return new Intl.DateTimeFormat(LOCALES[lang], parts).format(new Date(iso));
}

/** The due instant in the regime's own zone, e.g. "28 Nov 2026, 23:59 GMT+9 (Asia/Tokyo)". */
const inZone = (iso, zone) => t('due.inRegimeZone', { time: formatInstant(iso, zone), zone });

/** A deadline: in the viewer's time, with the regime's zone beneath. */
const dueCell = (iso, zone) => [
  h('div', { 'data-testid': 'due-local' }, formatInstant(iso)),
  h('div', { class: 'muted', 'data-testid': 'due-regime' }, inZone(iso, zone)),
];

/** A 4xx/5xx answer: its own words, its stable code (BL_…) and, when throttled, when to try again. */
class ApiError extends Error {
  constructor(response, body) {
    const retryAfter = response.headers.get('retry-after');
    const code = body.code ?? `HTTP ${response.status}`;
    const message = body.error ?? `${response.status} ${response.statusText}`;
    // RFC 9110 §10.2.3: Retry-After is either seconds or an HTTP date.
    super(
      !retryAfter
        ? t('error.coded', { message, code })
        : /^\d+$/.test(retryAfter)
          ? t('error.codedRetrySeconds', { message, code, seconds: retryAfter })
          : t('error.codedRetryDate', { message, code, date: retryAfter }),
    );
    this.status = response.status;
    this.code = code;
  }
}

async function api(path, options = {}) {
  const response = await fetch(path, {
    ...options,
    headers: { authorization: `Bearer ${token()}`, ...(options.body ? { 'content-type': 'application/json' } : {}) },
  });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new ApiError(response, body !== null && typeof body === 'object' ? body : {});
  return body;
}

/** h('td', { class: 'x' }, 'text', child): an element with text children only as text nodes. */
function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on')) element.addEventListener(key.slice(2), value);
    else element.setAttribute(key, String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

/** "3d 4h 12m 05s" (English), "3日 4時間 12分 05秒" (Japanese); "-1h 02m 00s" once missed. */
function formatLeft(ms) {
  const sign = ms < 0 ? '-' : '';
  let s = Math.floor(Math.abs(ms) / 1000);
  const d = Math.floor(s / 86400);
  s -= d * 86400;
  const hh = Math.floor(s / 3600);
  s -= hh * 3600;
  const mm = Math.floor(s / 60);
  const ss = s - mm * 60;
  const pad = (n) => String(n).padStart(2, '0');
  return sign + (d ? t('duration.days', { d, h: hh, m: pad(mm), s: pad(ss) }) : t('duration.hours', { h: hh, m: pad(mm), s: pad(ss) }));
}

function urgency(ms, open = true) {
  if (!open) return 'done';
  if (ms < 0) return 'overdue';
  if (ms < 24 * 3600_000) return 'critical';
  if (ms < 72 * 3600_000) return 'warning';
  return 'ok';
}

/** A countdown element that the ticker updates every second from its data-due attribute. */
function countdown(dueAt, open = true) {
  return h('span', { class: 'countdown', 'data-due': dueAt, 'data-open': open ? '1' : '0', 'data-testid': 'countdown' });
}

function tick() {
  const now = Date.now();
  for (const element of document.querySelectorAll('.countdown')) {
    const left = Date.parse(element.dataset.due) - now;
    const open = element.dataset.open === '1';
    element.textContent = open ? (left < 0 ? t('countdown.missed', { left: formatLeft(-left) }) : formatLeft(left)) : t('countdown.done');
    element.className = `countdown urgency-${urgency(left, open)}`;
  }
}
setInterval(tick, 1000);

function showError(error) {
  main.replaceChildren(h('p', { class: 'error', 'data-testid': 'error' }, error.message));
}

const table = (testid, columns, rows) =>
  h(
    'table',
    { 'data-testid': testid },
    h(
      'tr',
      {},
      columns.map((c) => h('th', {}, c)),
    ),
    rows,
  );

async function renderList() {
  const breaches = await api('/breaches');
  // The nearest open obligation of each breach, with its zone, from the status of each (lists are short).
  const statuses = await Promise.all(breaches.map((b) => api(`/breaches/${encodeURIComponent(b.breachId)}`).catch((error) => ({ error }))));
  const rows = breaches.map((breach, i) => {
    const status = statuses[i];
    const open = (status.obligations ?? []).filter((o) => o.state === 'open').sort((a, b) => Date.parse(a.dueAt) - Date.parse(b.dueAt));
    const next = open[0];
    const failing = (status.storeFailures?.length ?? 0) + (status.obligations ?? []).flatMap((o) => o.escalations.filter((e) => e.failed)).length;
    return h(
      'tr',
      { 'data-testid': 'breach-row', 'data-breach-id': breach.breachId },
      h(
        'td',
        {},
        h('a', { href: `#/breach/${encodeURIComponent(breach.breachId)}` }, breach.summary ?? breach.breachId),
        h('div', { class: 'muted' }, breach.breachId),
        breach.error ? h('div', { class: 'error', 'data-testid': 'row-error' }, breach.error) : '',
        failing ? h('div', { class: 'failed', 'data-testid': 'row-failing' }, t('list.failures', { count: failing })) : '',
      ),
      h('td', {}, breach.severity ? t('severity', { severity: breach.severity }) : '—'),
      h('td', {}, t('phase', { phase: breach.phase })),
      h('td', {}, breach.regimes.join(', ') || '—'),
      h(
        'td',
        {},
        status.error
          ? h('div', { class: 'error', 'data-testid': 'row-status-error' }, t('list.statusUnavailable', { message: status.error.message }))
          : next
            ? [h('div', {}, next.id), dueCell(next.dueAt, next.zone)]
            : t('list.noOpenDeadline'),
      ),
      h('td', {}, next ? countdown(next.dueAt) : ''),
    );
  });
  const columns = ['breach', 'severity', 'phase', 'regimes', 'nextDeadline', 'timeLeft'].map((c) => t(`list.col.${c}`));
  main.replaceChildren(
    h('h1', {}, t('list.title')),
    breaches.length ? table('breaches', columns, rows) : h('p', { 'data-testid': 'no-breaches' }, t('list.none')),
  );
  tick();
}

async function approve(breachId, obligation) {
  const filingReference = obligation.recipient === 'regulator' ? prompt(t('obligation.filingReferencePrompt', { id: obligation.id })) : null;
  try {
    await api(`/breaches/${encodeURIComponent(breachId)}/approvals`, {
      method: 'POST',
      body: JSON.stringify({ obligationId: obligation.id, ...(filingReference ? { filingReference } : {}) }),
    });
    await render();
  } catch (error) {
    alert(error.message);
  }
}

/** Acknowledge (the ladder stops climbing) or snooze an hour: neither meets the obligation. */
async function answerEscalation(breachId, escalationId, action) {
  try {
    const body = { escalationId, via: 'dashboard', ...(action === 'snooze' ? { snoozeMinutes: 60 } : {}) };
    await api(`/breaches/${encodeURIComponent(breachId)}/escalations/${action}`, { method: 'POST', body: JSON.stringify(body) });
    await render();
  } catch (error) {
    alert(error.message);
  }
}

/** The acknowledgement or snooze in force, and the buttons to answer an escalation still climbing. */
function escalationAnswer(breachId, o, operator) {
  const answer = o.answer;
  const said = answer
    ? h(
        'div',
        { class: 'muted', 'data-testid': 'escalation-answer' },
        answer.action === 'acknowledge'
          ? t('escalation.acknowledgedBy', { by: answer.by })
          : t('escalation.snoozedUntil', { until: formatInstant(answer.until), by: answer.by }),
      )
    : '';
  if (!operator || o.state !== 'open' || !o.nextEscalation || answer?.action === 'acknowledge') return said;
  const button = (action, label) => h('button', { 'data-testid': action, onclick: () => answerEscalation(breachId, o.id, action) }, label);
  return h('div', {}, said, button('acknowledge', t('escalation.acknowledge')), button('snooze', t('escalation.snoozeHour')));
}

async function campaignAction(breachId, campaignId, path, body = {}) {
  try {
    const result = await api(`/breaches/${encodeURIComponent(breachId)}/campaigns/${encodeURIComponent(campaignId.split('/').pop())}/${path}`, {
      method: 'POST',
      body: JSON.stringify(body),
    });
    if (path === 'test-send') alert(t('waves.testSent', { name: me.name }));
    await render();
    return result;
  } catch (error) {
    alert(error.message);
  }
}

/** A wave paused because the SMTP server does not answer; it resumes by itself once a probe gets through. */
function outageNote(outage) {
  const told = t('waves.ownerTold', { state: outage.escalation });
  return h(
    'div',
    { class: 'error', 'data-testid': 'wave-outage' },
    t('waves.outage', {
      since: formatInstant(outage.since),
      reason: outage.reason,
      told: outage.escalationError ? t('waves.ownerToldError', { told, error: outage.escalationError }) : told,
    }),
  );
}

function waveSection(status) {
  const campaigns = status.campaigns ?? [];
  if (campaigns.length === 0) return h('p', { class: 'muted', 'data-testid': 'waves' }, t('waves.none'));
  const operator = me?.roles.includes('operator');
  const columns = ['wave', 'state', 'progress', 'sent', 'deferred', 'bounced', 'postal', 'pending', 'rate'].map((c) => t(`waves.col.${c}`));
  return h(
    'div',
    { 'data-testid': 'waves' },
    campaigns.map((c) => {
      const waiting = c.waves.find((w) => w.state === 'awaiting-approval');
      const campaign = c.campaignId.split('/').pop();
      return h(
        'section',
        { 'data-campaign-id': c.campaignId },
        h('h3', {}, t('waves.campaign', { campaign, state: t('campaignState', { state: c.state }), total: c.total, unreachable: c.unreachable })),
        table(
          'wave-table',
          columns,
          c.waves.map((w) => {
            const done = w.sent + w.bounced + w.postal;
            const bar = h('span');
            bar.style.width = `${Math.round((100 * done) / (w.total || 1))}%`; // CSSOM, allowed by the page's CSP
            return h(
              'tr',
              { 'data-testid': 'wave', 'data-wave': w.wave, 'data-state': w.state, 'data-outage': w.outage ? '1' : undefined },
              h('td', {}, w.wave),
              h(
                'td',
                {},
                t('waveState', { state: w.state }),
                w.templateError ? h('div', { class: 'error' }, w.templateError) : '',
                w.outage ? outageNote(w.outage) : '',
              ),
              h('td', {}, h('span', { class: 'progress', role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': w.total, 'aria-valuenow': done }, bar)),
              h('td', {}, w.sent),
              h('td', {}, w.deferred),
              h('td', {}, w.bounced),
              h('td', {}, w.postal),
              h('td', {}, w.pending),
              h(
                'td',
                {},
                w.rate
                  ? w.estimatedFinishAt
                    ? t('waves.rateFinish', { rate: w.rate, time: formatInstant(w.estimatedFinishAt) })
                    : t('waves.rate', { rate: w.rate })
                  : '',
              ),
            );
          }),
        ),
        c.preview
          ? h(
              'details',
              { open: Boolean(waiting) },
              h('summary', {}, t('waves.preview')),
              ['ja', 'en'].map((l) => (c.preview[l] ? h('div', { lang: l }, h('strong', {}, c.preview[l].subject), h('pre', {}, c.preview[l].text)) : '')),
            )
          : '',
        operator && waiting && !waiting.templateError
          ? h(
              'p',
              {},
              h(
                'button',
                { 'data-testid': 'approve-wave', onclick: () => campaignAction(status.breachId, c.campaignId, `waves/${waiting.wave}/approval`) },
                t('waves.approve', { wave: waiting.wave, total: waiting.total }),
              ),
              ' ',
              h('button', { onclick: () => campaignAction(status.breachId, c.campaignId, 'test-send') }, t('waves.sendTest')),
            )
          : '',
        operator && ['running', 'paused'].includes(c.state)
          ? h(
              'p',
              {},
              h(
                'button',
                { onclick: () => campaignAction(status.breachId, c.campaignId, c.state === 'paused' ? 'resume' : 'pause') },
                c.state === 'paused' ? t('waves.resume') : t('waves.pause'),
              ),
              ' ',
              h('button', { onclick: () => confirm(t('waves.confirmCancel')) && campaignAction(status.breachId, c.campaignId, 'cancel') }, t('waves.cancel')),
            )
          : '',
      );
    }),
  );
}

/** A step of the escalation ladder; a failed one names whom the mail could not reach, and why. */
function escalationStep(e) {
  const step = t('escalation.step', { step: e.step, audience: t('audience', { audience: e.audience }) });
  if (!e.failed) return h('div', { 'data-testid': 'escalation', 'data-step': e.step }, step);
  return h(
    'div',
    { class: 'failed', 'data-testid': 'escalation', 'data-step': e.step, 'data-failed': '1' },
    step,
    ' ',
    h('strong', {}, t('escalation.failed')),
    h('div', { class: 'reason' }, e.failed),
  );
}

/** The timeline entries the store could not keep: the audit trail has a gap until someone fixes the store. */
function storeFailureBanner(failures) {
  if (!failures?.length) return '';
  return h(
    'div',
    { class: 'banner', role: 'alert', 'data-testid': 'store-failures' },
    h('strong', {}, t('store.failures', { count: failures.length })),
    h(
      'ul',
      {},
      failures.map((f) => h('li', {}, t('store.failureLine', { at: formatInstant(f.at), kind: t('timelineKind', { kind: f.kind }), reason: f.reason }))),
    ),
  );
}

const FAILURE_KINDS = new Set(['escalation-failed', 'store-failed', 'wave-outage']);

function timelineEntry(entry) {
  return h(
    'li',
    { class: FAILURE_KINDS.has(entry.kind) ? 'failed' : undefined, 'data-kind': entry.kind },
    h('time', { datetime: entry.at }, formatInstant(entry.at)),
    ' ',
    h('strong', {}, t('timelineKind', { kind: entry.kind })),
    ' ',
    entry.obligationId ? h('span', { class: 'muted' }, entry.obligationId, ' ') : '',
    entry.actor ? `[${entry.actor}] ` : '',
    entry.detail,
    entry.unrecorded ? h('span', { class: 'unrecorded', 'data-testid': 'unrecorded' }, t('timeline.unrecorded', { reason: entry.unrecorded })) : '',
  );
}

function obligationsSection(status) {
  const operator = me?.roles.includes('operator');
  if (!status.obligations.length) return h('p', {}, t('obligation.none'));
  const rows = status.obligations.map((o) =>
    h(
      'tr',
      { 'data-testid': 'obligation', 'data-obligation-id': o.id, 'data-state': o.state },
      h('td', {}, h('div', {}, localTitle(o.title)), h('div', { class: 'muted' }, `${o.id} · ${o.citation}`)),
      h(
        'td',
        { class: `state-${o.state}`, 'data-testid': 'obligation-state' },
        t('obligationState', { state: o.state }),
        o.approvalsNeeded > 1 && o.state === 'open'
          ? h('div', { class: 'muted' }, t('obligation.approvals', { count: o.approvedBy.length, needed: o.approvalsNeeded }))
          : '',
      ),
      h(
        'td',
        {},
        dueCell(o.dueAt, o.zone),
        o.guidance ? h('div', { class: 'muted' }, o.internalTarget ? t('obligation.internalTarget') : t('obligation.guidance')) : '',
      ),
      h('td', {}, countdown(o.dueAt, o.state === 'open')),
      h(
        'td',
        {},
        o.escalations.map(escalationStep),
        o.nextEscalation
          ? h(
              'div',
              { class: 'muted' },
              t('escalation.next', { step: o.nextEscalation.step, audience: t('audience', { audience: o.nextEscalation.audience }) }),
            )
          : '',
        escalationAnswer(status.breachId, o, operator),
      ),
      h(
        'td',
        {},
        operator && o.state === 'open' && !o.approvedBy.includes(me.name)
          ? h(
              'button',
              { 'data-testid': 'approve', onclick: () => approve(status.breachId, o) },
              o.approvedBy.length ? t('obligation.confirm') : t('obligation.approve'),
            )
          : '',
      ),
    ),
  );
  const columns = ['obligation', 'state', 'due', 'timeLeft', 'escalations'].map((c) => t(`obligation.col.${c}`));
  return table('obligations', [...columns, ''], rows);
}

/** The playbook's tasks: who owns each, when it is due in the viewer's time, and what was recorded. */
function tasksSection(status) {
  const tasks = status.tasks ?? [];
  if (!tasks.length) return h('p', { class: 'muted', 'data-testid': 'tasks' }, t('task.none'));
  const rows = tasks.map((task) => {
    const last = task.records.at(-1);
    return h(
      'tr',
      { 'data-testid': 'task', 'data-task-id': task.id, 'data-state': task.state, 'data-overdue': task.overdue ? '1' : undefined },
      h('td', {}, h('div', {}, localTitle(task.title)), h('div', { class: 'muted' }, task.id)),
      h('td', {}, t('taskStage', { stage: task.stage })),
      h('td', { 'data-testid': 'task-owner' }, t('owner', { owner: task.owner })),
      h('td', { 'data-testid': 'task-due' }, formatInstant(task.targetAt), task.state === 'open' ? h('div', {}, countdown(task.targetAt)) : ''),
      h(
        'td',
        { class: `state-${task.state}` },
        task.overdue ? t('task.stateOverdue', { state: t('taskState', { state: task.state }) }) : t('taskState', { state: task.state }),
        last ? h('div', { class: 'muted' }, t('task.recorded', { by: last.by, at: formatInstant(last.at) })) : '',
      ),
    );
  });
  return table(
    'tasks',
    ['task', 'stage', 'owner', 'due', 'state'].map((c) => t(`task.col.${c}`)),
    rows,
  );
}

/** The JNSA damage-operation model's estimate, each factor with its value and why. */
function damageSection(status) {
  const damage = status.damage;
  if (!damage) return '';
  const { inputs } = damage;
  const factor = (name, value, why) =>
    h('tr', { 'data-testid': 'damage-factor', 'data-factor': name }, h('td', {}, t(`damage.${name}`)), h('td', {}, value), h('td', {}, why));
  return h(
    'div',
    { 'data-testid': 'damage' },
    h('p', { class: 'muted' }, t('damage.model')),
    h(
      'p',
      { class: 'damage-figures' },
      h('strong', { 'data-testid': 'damage-per-person' }, t('damage.perPerson', { yen: damage.perPersonYen })),
      ' · ',
      damage.totalYen === null
        ? h('span', { 'data-testid': 'damage-total' }, t('damage.totalUnknown'))
        : h('strong', { 'data-testid': 'damage-total' }, t('damage.total', { yen: damage.totalYen, count: inputs.affectedCount })),
    ),
    h(
      'p',
      { class: 'muted', 'data-testid': 'damage-formula' },
      t('damage.formula', {
        base: inputs.baseValueYen,
        sensitivity: inputs.sensitivity,
        identifiability: inputs.identifiability,
        social: inputs.socialResponsibility,
        response: inputs.response,
        perPerson: damage.perPersonYen,
      }),
    ),
    table(
      'damage-factors',
      ['factor', 'value', 'why'].map((c) => t(`damage.col.${c}`)),
      [
        factor('base', inputs.baseValueYen, t('damage.base.why')),
        factor('sensitivity', inputs.sensitivity, t('damage.sensitivity.why', { x: inputs.mentalDistress, y: inputs.economicLoss })),
        factor('identifiability', inputs.identifiability, t('damage.identifiability.why', { value: String(inputs.identifiability) })),
        factor('social', inputs.socialResponsibility, t('damage.social.why', { value: String(inputs.socialResponsibility) })),
        factor('response', inputs.response, t('damage.response.why', { value: String(inputs.response) })),
      ],
    ),
  );
}

/** Where a report or notice is rendered for printing: the reports route, as HTML, in the viewer's language. */
const documentPath = (breachId, obligationId) =>
  `/breaches/${encodeURIComponent(breachId)}/reports/${obligationId.split('/').map(encodeURIComponent).join('/')}?lang=${lang}&format=html`;

/**
 * Opens a rendered document in a new tab. The API wants the bearer token, which a plain link cannot send, so the page
 * fetches it and shows it from a blob: URL (the tab is opened at the click, so no popup blocker stands in between).
 */
async function openDocument(event, path) {
  event.preventDefault();
  const tab = window.open('', '_blank');
  try {
    const response = await fetch(path, { headers: { authorization: `Bearer ${token()}` } });
    if (!response.ok) throw new ApiError(response, await response.json().catch(() => ({})));
    const url = URL.createObjectURL(new Blob([await response.text()], { type: 'text/html;charset=utf-8' }));
    if (tab) tab.location.href = url;
    else location.href = url;
  } catch (error) {
    tab?.close();
    alert(error.message);
  }
}

/** Every report to a regulator and every notice to people or the public, each a link to its printable rendering. */
function documentsSection(status) {
  const reports = (status.reports ?? []).map((r) => ({ obligationId: r.obligationId, title: localTitle(r.title), kind: 'report', missing: r.missing.length }));
  const notices = status.obligations
    .filter((o) => o.state !== 'withdrawn' && (o.recipient === 'individuals' || o.recipient === 'public'))
    .map((o) => ({ obligationId: o.id, title: localTitle(o.title), kind: 'notice' }));
  const documents = [...reports, ...notices];
  if (!documents.length) return h('p', { class: 'muted', 'data-testid': 'documents' }, t('documents.none'));
  return h(
    'ul',
    { class: 'documents', 'data-testid': 'documents' },
    documents.map((d) => {
      const path = documentPath(status.breachId, d.obligationId);
      return h(
        'li',
        { 'data-testid': 'document', 'data-obligation-id': d.obligationId, 'data-kind': d.kind },
        h('span', { class: 'tag' }, t(`documents.${d.kind}`)),
        ' ',
        h('a', { href: path, target: '_blank', rel: 'noopener', 'data-testid': 'document-link', onclick: (event) => openDocument(event, path) }, d.title),
        ' ',
        h('span', { class: 'muted' }, d.obligationId),
        d.missing === undefined ? '' : h('span', { class: d.missing ? 'missing' : 'complete' }, t('documents.missing', { count: d.missing })),
      );
    }),
  );
}

async function renderBreach(breachId) {
  const status = await api(`/breaches/${encodeURIComponent(breachId)}`);
  main.replaceChildren(
    h('p', {}, h('a', { href: '#/' }, t('breach.back'))),
    h('h1', { 'data-testid': 'breach-title' }, status.detection.summary),
    storeFailureBanner(status.storeFailures),
    h(
      'p',
      { class: 'muted' },
      t('breach.detected', { breachId: status.breachId, detectedAt: formatInstant(status.detection.detectedAt), source: status.detection.source }),
      ' ',
      h('strong', { 'data-testid': 'phase', 'data-phase': status.phase }, t('phase', { phase: status.phase })),
    ),
    h('h2', {}, t('breach.obligations')),
    obligationsSection(status),
    status.notApplicable.length
      ? h(
          'details',
          {},
          h('summary', {}, t('obligation.notApplicable', { count: status.notApplicable.length })),
          h(
            'ul',
            {},
            status.notApplicable.map((n) => h('li', {}, t('obligation.notApplicableLine', { what: n.obligation ?? n.regime, reason: n.reason }))),
          ),
        )
      : '',
    h('h2', {}, t('breach.documents')),
    documentsSection(status),
    h('h2', {}, t('breach.tasks')),
    tasksSection(status),
    h('h2', {}, t('breach.damage')),
    damageSection(status),
    h('h2', {}, t('breach.waves')),
    waveSection(status),
    h('h2', {}, t('breach.timeline')),
    h('ol', { class: 'timeline', 'data-testid': 'timeline' }, status.timeline.map(timelineEntry)),
  );
  tick();
}

async function render() {
  if (!token()) return;
  try {
    me = await api('/me');
    who.textContent = t('app.who', { name: me.name, roles: me.roles.join(', ') });
    const match = /^#\/breach\/(.+)$/.exec(location.hash);
    if (location.hash.startsWith('#/register')) await renderRegister({ api, h, main });
    else if (match) await renderBreach(decodeURIComponent(match[1]));
    else await renderList();
  } catch (error) {
    showError(error);
  }
}

/** The dev stack's /dev/mail and codec endpoint take the token as an HttpOnly cookie; a plain API has no /session. */
async function startSession() {
  const note = document.getElementById('session');
  note.replaceChildren();
  try {
    await api('/session', { method: 'POST' });
  } catch (error) {
    if (error.status !== 404) note.replaceChildren(h('span', { class: 'error' }, t('app.noSession', { message: error.message })));
  }
}

document.getElementById('login').addEventListener('submit', async (event) => {
  event.preventDefault();
  localStorage.setItem('breachline.token', document.getElementById('token').value.trim());
  await startSession();
  await render();
});
// The language picked here is kept for this browser; until then, the browser's own (Accept-Language) decides.
languageSwitch.addEventListener('change', async () => {
  localStorage.setItem('breachline.lang', languageSwitch.value);
  await loadMessages();
  await render();
});
window.addEventListener('hashchange', render);

/** Back from the identity provider: the API hands the access token over once, and it is kept as a pasted token is. */
async function pickUpSignIn() {
  const response = await fetch('/auth/session', { method: 'POST' }).catch(() => undefined);
  if (response?.ok) localStorage.setItem('breachline.token', (await response.json()).token);
}
clearInterval(refreshTimer);
refreshTimer = setInterval(() => {
  // Refresh the data every 5 s, but not while a prompt or an approval is in flight.
  if (document.visibilityState === 'visible') render();
}, 5000);
await loadMessages();
await pickUpSignIn();
await render();
