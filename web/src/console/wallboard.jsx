import { useEffect, useRef, useState } from 'preact/hooks';
import { call, items, ApiError } from '../lib/api.js';
import { clock, duration, percent, since } from '../lib/format.js';
import { useNow } from './desktop.jsx';
import * as N from './normalize.js';
import { Satisfaction } from './satisfaction.jsx';
import { Alerts } from './alerts.jsx';
import { Quality } from './quality.jsx';

// Wallboard is the supervisor's live view of the floor: per queue figures, agents by state, the
// contacts waiting (which a supervisor may move), and arrivals per 15 minutes today. Figures
// arrive over the WebSocket as they change; without it the page reads them every 10 seconds.
export function Wallboard({ token, me, live, onAuthLost }) {
  const [board, setBoard] = useState(null);
  const [forecast, setForecast] = useState([]); // today's forecast per 15 minutes (GET /v1/wallboard only)
  const [agents, setAgents] = useState([]);
  const [waiting, setWaiting] = useState([]);
  const [handled, setHandled] = useState([]); // offered to or with an agent now
  const [queueIDs, setQueueIDs] = useState([]);
  const [error, setError] = useState('');
  const now = useNow();
  const timer = useRef(null);
  const forecastAt = useRef(0); // when today's forecast was last read (every 5 minutes)

  const api = async (method, path, body) => {
    try {
      return await call(token, method, path, body);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) onAuthLost('Your session has ended. Sign in again.');
      throw err;
    }
  };

  const refresh = async () => {
    const withForecast = Date.now() - forecastAt.current > 5 * 60 * 1000;
    const [b, a, w, o, h, q] = await Promise.allSettled(
      [withForecast ? '/v1/wallboard?forecast=today' : '/v1/wallboard', '/v1/agents', '/v1/contacts?state=queued', '/v1/contacts?state=offered', '/v1/contacts?state=assigned', '/v1/queues'].map((p) => api('GET', p)),
    );
    if (q.status === 'fulfilled') setQueueIDs(items(q.value, 'queues').map((x) => x.id));
    if (b.status === 'fulfilled') {
      setBoard(b.value);
      if (withForecast && Array.isArray(b.value?.forecast)) {
        setForecast(b.value.forecast);
        forecastAt.current = Date.now();
      }
    }
    if (a.status === 'fulfilled') setAgents(items(a.value, 'agents'));
    if (w.status === 'fulfilled') setWaiting(items(w.value, 'contacts'));
    if (o.status === 'fulfilled' && h.status === 'fulfilled') {
      // The two reads race the contact's life: one accepted between them is in both lists. One row
      // per contact, the assigned one (read with the second list) winning.
      const byID = new Map();
      for (const c of [...items(o.value, 'contacts'), ...items(h.value, 'contacts')]) byID.set(c.id, c);
      setHandled([...byID.values()]);
    }
    // The figures also come over the WebSocket: a platform that cannot read them (yet) is no error.
    const failed = [a, w, o, h, ...(b.status === 'rejected' && b.reason?.status === 404 ? [] : [b])].find((x) => x.status === 'rejected');
    setError(failed ? failed.reason.message : '');
  };
  // Contact changes reach the list of the waiting through one read, at most every half second.
  const soon = () => {
    clearTimeout(timer.current);
    timer.current = setTimeout(refresh, 500);
  };

  useEffect(() => {
    refresh();
    const t = setInterval(refresh, 10000);
    return () => {
      clearInterval(t);
      clearTimeout(timer.current);
    };
  }, [token]);

  useEffect(() => {
    if (!live) return;
    const offs = [
      live.on('wallboard', (m) => setBoard(m)),
      live.on('agent', (m) => setAgents((as) => (as.some((a) => N.pick(a, 'user_id', 'agent_id', 'id') === m.agent_id) ? as.map((a) => (N.pick(a, 'user_id', 'agent_id', 'id') === m.agent_id ? { ...a, state: m.state, since: m.since } : a)) : (soon(), as)))),
      live.on('contact', soon),
    ];
    return () => offs.forEach((f) => f());
  }, [live]);

  const setAgentState = async (id, state) => {
    try {
      await api('PUT', `/v1/agents/${encodeURIComponent(id)}/state`, { state });
      setAgents((as) => as.map((a) => (N.pick(a, 'user_id', 'agent_id', 'id') === id ? { ...a, state, since: new Date().toISOString() } : a)));
    } catch (err) {
      setError(err.message);
    }
  };

  const move = async (contactID, target) => {
    try {
      await api('POST', `/v1/contacts/${encodeURIComponent(contactID)}/transfer`, target);
      soon();
    } catch (err) {
      setError(err.message);
    }
  };

  const queues = N.arr(board, 'queues');
  const allQueues = [...new Set([...queueIDs, ...queues.map((q) => N.pick(q, 'queue', 'id', 'name'))])].filter(Boolean).sort();
  const boardAgents = N.arr(board, 'agents');
  const people = agents.length ? agents : boardAgents;
  let byState = N.pick(board, 'agents_by_state');
  if (!byState) {
    byState = {};
    for (const a of people) byState[a.state || 'offline'] = (byState[a.state || 'offline'] || 0) + 1;
  }

  return (
    <main class="wallboard">
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <section aria-label="Queues">
        <h2>Queues</h2>
        <table class="figures" data-testid="queues">
          <thead>
            <tr>
              <th>Queue</th>
              <th>Waiting</th>
              <th>Longest wait</th>
              <th>Service level</th>
              <th>ASA</th>
              <th>Abandoned</th>
              <th>Offered today</th>
              <th>Answered today</th>
            </tr>
          </thead>
          <tbody>
            {queues.length === 0 && (
              <tr>
                <td colSpan="8" class="muted">
                  No figures yet: they come with the first contact or agent change.
                </td>
              </tr>
            )}
            {queues.map((q) => {
              const id = N.pick(q, 'queue', 'id', 'name');
              const sl = N.pick(q, 'service_level');
              const target = N.pick(q, 'target_percent');
              return (
                <tr key={id} data-queue={id}>
                  <th>{id}</th>
                  <td class="num big" data-testid="waiting">
                    {N.pick(q, 'waiting') ?? 0}
                  </td>
                  <td class="num" data-testid="longest-wait">
                    {N.pick(q, 'waiting') ? (q.oldest_enqueued_at ? since(q.oldest_enqueued_at, now) : duration(N.ms(q, 'longest_wait'))) : '–'}
                  </td>
                  <td class={'num' + (sl != null && target && sl < target ? ' bad' : '')} title={target ? `target ${target}% in ${N.pick(q, 'target_seconds')}s` : ''}>
                    {percent(sl)}
                  </td>
                  <td class="num">{duration(N.ms(q, 'asa'))}</td>
                  <td class="num">{percent(N.pick(q, 'abandon_rate'))}</td>
                  <td class="num" data-testid="offered">
                    {N.pick(q, 'offered', 'offered_today') ?? 0}
                  </td>
                  <td class="num" data-testid="answered">
                    {N.pick(q, 'answered', 'answered_today') ?? 0}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </section>

      <Strategies list={N.arr(board, 'strategies')} now={now} />

      <Alerts api={api} live={live} me={me} now={now} />

      <Quality api={api} live={live} />

      <div class="cols">
        <section aria-label="Agents">
          <h2>
            Agents{' '}
            <span class="muted small">
              {Object.entries(byState)
                .map(([s, n]) => `${n} ${s}`)
                .join(' · ')}
            </span>
          </h2>
          <table class="figures" data-testid="agents">
            <thead>
              <tr>
                <th>Agent</th>
                <th>State</th>
                <th>For</th>
                <th>Contacts</th>
                <th>Set state</th>
              </tr>
            </thead>
            <tbody>
              {people.map((a) => {
                const id = N.pick(a, 'user_id', 'agent_id', 'id');
                const slots = N.arr(a, 'slots');
                return (
                  <tr key={id} data-agent={id}>
                    <th>{N.pick(a, 'display_name', 'name') || id}</th>
                    <td>
                      <span class={'pill ' + a.state}>{a.state}</span>
                    </td>
                    <td class="num">{since(N.pick(a, 'since'), now)}</td>
                    <td class="num">{slots.length || N.pick(boardAgents.find((b) => b.agent_id === id), 'contacts') || 0}</td>
                    <td>
                      <select aria-label={'State of ' + (N.pick(a, 'display_name') || id)} value={a.state} onChange={(e) => setAgentState(id, e.target.value)}>
                        <option value="available">available</option>
                        <option value="break">break</option>
                        <option value="offline">offline</option>
                      </select>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </section>

        <section aria-label="Contacts">
          <h2>Contacts</h2>
          {waiting.length === 0 && <p class="muted">Nobody is waiting.</p>}
          {waiting.length + handled.length > 0 && (
            <table class="figures" data-testid="contacts">
              <thead>
                <tr>
                  <th>Contact</th>
                  <th>Queue</th>
                  <th>State</th>
                  <th>For</th>
                  <th>Move to</th>
                </tr>
              </thead>
              <tbody data-testid="waiting-contacts">
                {waiting.map((c) => (
                  <ContactRow key={c.id} c={c} since={c.enqueued_at || c.created_at} now={now} queues={allQueues} people={people} onMove={move} />
                ))}
              </tbody>
              <tbody data-testid="handled-contacts">
                {handled.map((c) => (
                  <ContactRow key={c.id} c={c} since={c.assigned_at || c.offer?.at || c.enqueued_at} now={now} queues={allQueues} people={people} onMove={move} />
                ))}
              </tbody>
            </table>
          )}
        </section>
      </div>

      <section aria-label="Arrivals">
        <h2>
          Arrivals per 15 minutes <span class="muted small">today{forecast.length > 0 ? ', beside the forecast (line)' : ''}</span>
        </h2>
        <Arrivals series={N.pick(board, 'arrivals')} forecast={forecast} day={N.pick(board, 'day')} zone={N.pick(board, 'time_zone')} now={now} />
      </section>
      <Satisfaction api={api} />
    </main>
  );
}

// strategyNames are the dispatch engine's strategies as a supervisor reads them.
const strategyNames = {
  divert: 'Divert to self-service',
  bot_first: 'Bot first',
  callback: 'Offer callbacks',
  overflow: 'Overflow to backup skills',
  announce_wait: 'Announce the wait',
  pause_outbound: 'Pause outbound',
  move_agents: 'Move agents to voice',
  call_in: 'Call in on-call staff',
};

// Strategies lists the dispatch engine's strategies in force (the board's strategies, pushed live
// with the figures): per queue which strategy, since when and until when, why, and whether the
// engine or a supervisor's override decided it. The engine renews a strategy it keeps without
// telling the board, so an until that has passed reads "renewed": the strategy stays listed until
// it is withdrawn.
function Strategies({ list: live, now }) {
  return (
    <section aria-label="Strategies">
      <h2>
        Strategies <span class="muted small">the dispatch engine's, in force now</span>
      </h2>
      {live.length === 0 ? (
        <p class="muted" data-testid="no-strategies">
          No strategy in force.
        </p>
      ) : (
        <table class="figures" data-testid="strategies">
          <thead>
            <tr>
              <th>Queue</th>
              <th>Strategy</th>
              <th>Since</th>
              <th>Until</th>
              <th>Why</th>
              <th>By</th>
            </tr>
          </thead>
          <tbody>
            {live.map((s) => (
              <tr key={s.activation_id} data-activation={s.activation_id} data-strategy={s.strategy} data-queue={s.queue}>
                <th>{s.queue}</th>
                <td title={s.strategy}>{strategyNames[s.strategy] || s.strategy}</td>
                <td class="num" title={s.since}>
                  {clock(s.since)} · {since(s.since, now)}
                </td>
                <td class="num" title={s.until || ''}>
                  {!s.until ? '–' : Date.parse(s.until) > now ? clock(s.until) : 'renewed'}
                </td>
                <td class="why">{s.reason}</td>
                <td>
                  <span class={'pill ' + (s.source === 'override' ? 'override' : 'engine')}>{s.source === 'override' ? 'override' : 'engine'}</span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

// ContactRow is one contact on the wallboard, waiting or with an agent, and where to move it.
function ContactRow({ c, since: at, now, queues, people, onMove }) {
  const agent = c.agent_id && people.find((a) => N.pick(a, 'user_id', 'agent_id', 'id') === c.agent_id);
  return (
    <tr data-contact={c.id}>
      <th>{N.customer(c) || c.id.slice(-8)}</th>
      <td data-testid="queue">{c.queue}</td>
      <td>
        {c.state}
        {agent ? ' · ' + (N.pick(agent, 'display_name') || c.agent_id) : ''}
      </td>
      <td class="num">{since(at, now)}</td>
      <td>
        <Move contact={c} queues={queues} agents={people} onMove={onMove} />
      </td>
    </tr>
  );
}

function Move({ contact, queues, agents, onMove }) {
  const [v, setV] = useState('');
  return (
    <form
      class="row"
      onSubmit={(e) => {
        e.preventDefault();
        if (!v) return;
        const [kind, id] = v.split(':');
        onMove(contact.id, kind === 'q' ? { queue: id } : { agent_id: id });
        setV('');
      }}
    >
      <select value={v} onChange={(e) => setV(e.target.value)} aria-label={'Move ' + contact.id}>
        <option value="">…</option>
        <optgroup label="Queue">
          {queues
            .filter((q) => q && q !== contact.queue)
            .map((q) => (
              <option key={q} value={'q:' + q}>
                {q}
              </option>
            ))}
        </optgroup>
        <optgroup label="Agent">
          {agents
            .filter((a) => a.state === 'available')
            .map((a) => {
              const id = N.pick(a, 'user_id', 'agent_id', 'id');
              return (
                <option key={id} value={'a:' + id}>
                  {N.pick(a, 'display_name') || id}
                </option>
              );
            })}
        </optgroup>
      </select>
      <button type="submit" disabled={!v}>
        Move
      </button>
    </form>
  );
}

// Arrivals draws the day's arrivals per 15-minute interval as SVG bars: series is the board's
// [{start, contacts}] of the tenant's day (in its time zone; UTC shown as UTC, other zones as this
// browser's local time), and forecast the day's forecast in the same shape, drawn as a line.
export function Arrivals({ series, forecast, day, zone, now }) {
  const utc = !zone || zone === 'UTC';
  const slotOf = (t) => {
    const d = new Date(t);
    return (utc ? d.getUTCHours() : d.getHours()) * 4 + Math.floor((utc ? d.getUTCMinutes() : d.getMinutes()) / 15);
  };
  const counts = new Array(96).fill(0);
  for (const x of Array.isArray(series) ? series : []) {
    const slot = slotOf(N.pick(x, 'start'));
    if (slot >= 0 && slot < 96) counts[slot] += N.pick(x, 'contacts', 'count') || 0;
  }
  const expected = new Array(96).fill(null);
  for (const x of Array.isArray(forecast) ? forecast : []) {
    const slot = slotOf(N.pick(x, 'start'));
    if (slot >= 0 && slot < 96) expected[slot] = (expected[slot] || 0) + (N.pick(x, 'contacts') || 0);
  }
  const hasForecast = expected.some((v) => v !== null);
  const forecastTotal = Math.round(expected.reduce((a, b) => a + (b || 0), 0));
  const current = slotOf(now);
  const total = counts.reduce((a, b) => a + b, 0);
  const max = Math.max(4, ...counts, ...expected.map((v) => Math.ceil(v || 0)));
  const W = 960;
  const H = 160;
  const bw = W / 96;
  return (
    <svg class="chart" viewBox={`0 0 ${W} ${H + 20}`} role="img" aria-label={`Arrivals per 15 minutes: ${total} today`} data-testid="arrivals" data-total={total}>
      {[0.25, 0.5, 0.75, 1].map((f) => (
        <line key={f} x1="0" x2={W} y1={H - f * H} y2={H - f * H} class="grid" />
      ))}
      {counts.map((n, i) => (
        <rect key={i} x={i * bw + 1} y={H - (n / max) * H} width={bw - 2} height={(n / max) * H} class={i === current ? 'bar now' : 'bar'}>
          <title>
            {String(Math.floor(i / 4)).padStart(2, '0')}:{String((i % 4) * 15).padStart(2, '0')} — {n}
          </title>
        </rect>
      ))}
      {hasForecast && (
        <polyline
          class="forecast"
          data-testid="forecast"
          data-total={forecastTotal}
          points={expected.map((v, i) => `${(i + 0.5) * bw},${H - ((v || 0) / max) * H}`).join(' ')}
        />
      )}
      <rect x={current * bw} y="0" width={bw} height={H} class="cursor" />
      {[0, 3, 6, 9, 12, 15, 18, 21].map((h) => (
        <text key={h} x={h * 4 * bw + 2} y={H + 15} class="axis">
          {String(h).padStart(2, '0')}:00
        </text>
      ))}
      <text x={W - 4} y="12" class="axis" text-anchor="end">
        {day ? day + (utc ? ' UTC' : '') + ' · ' : ''}
        {total} today{hasForecast ? ` · forecast ${forecastTotal}` : ''} · scale {max}
      </text>
    </svg>
  );
}
