import { useEffect, useState } from 'preact/hooks';
import { items } from '../lib/api.js';
import { clock, since } from '../lib/format.js';

// Alerts is the wallboard's panel of spike alerts (docs/voc.md): the alerts not yet resolved,
// newest first, each with its key, size against the expectation, onset and example messages, and
// the workflow's buttons (acknowledge, assign to me, resolve). Alerts come live over the
// WebSocket ("alert" messages: the alert as it is, at each step); the list is read once when the
// panel opens and every minute besides.
export function Alerts({ api, live, me, now }) {
  const [alerts, setAlerts] = useState([]);
  const [error, setError] = useState('');

  const merge = (al) =>
    setAlerts((as) => {
      const rest = as.filter((a) => a.id !== al.id);
      return al.state === 'resolved' ? rest : [al, ...rest].sort((a, b) => (a.id < b.id ? 1 : -1));
    });

  const refresh = async () => {
    try {
      const page = await api('GET', '/v1/voc/alerts?limit=100');
      setAlerts(items(page, 'alerts').filter((a) => a.state !== 'resolved'));
      setError('');
    } catch (err) {
      if (err.status !== 404) setError(err.message); // a platform without alerts shows none
    }
  };

  useEffect(() => {
    refresh();
    const t = setInterval(refresh, 60000);
    return () => clearInterval(t);
  }, []);

  useEffect(() => {
    if (!live) return;
    return live.on('alert', (m) => m.alert && merge(m.alert));
  }, [live]);

  const act = async (al, step, body) => {
    try {
      merge(await api('POST', `/v1/voc/alerts/${encodeURIComponent(al.id)}/${step}`, body));
      setError('');
    } catch (err) {
      setError(err.message);
    }
  };

  return (
    <section aria-label="Alerts">
      <h2>
        Alerts <span class="muted small">spikes of what customers contact us about</span>
      </h2>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {alerts.length === 0 ? (
        <p class="muted" data-testid="no-alerts">
          No open alert.
        </p>
      ) : (
        <table class="figures" data-testid="alerts">
          <thead>
            <tr>
              <th>What</th>
              <th>Size</th>
              <th>Since</th>
              <th>Examples</th>
              <th>State</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {alerts.map((al) => (
              <tr key={al.id} data-alert={al.id} data-key={al.key} data-state={al.state}>
                <th title={al.key}>
                  <span class="pill">{al.kind}</span> {al.name}
                </th>
                <td class="num" title={`score ${Number(al.score).toFixed(1)}`}>
                  {al.count} <span class="muted small">vs {Number(al.expected).toFixed(1)} usual</span>
                </td>
                <td class="num" title={al.onset}>
                  {clock(al.onset)} · {since(al.onset, now)}
                </td>
                <td class="why">
                  {(al.examples || []).slice(0, 3).map((x, i) => (
                    <div key={i} class="example">
                      “{x}”
                    </div>
                  ))}
                </td>
                <td>
                  <span class={'pill ' + al.state} data-testid="alert-state">
                    {al.state}
                  </span>
                  {al.owner_id && <div class="muted small">{al.owner_id === me?.id ? 'you' : al.owner_id}</div>}
                </td>
                <td class="actions">
                  {al.state === 'open' && (
                    <button type="button" onClick={() => act(al, 'acknowledge')}>
                      Acknowledge
                    </button>
                  )}
                  {me?.id && al.owner_id !== me.id && (
                    <button type="button" onClick={() => act(al, 'assign', { owner_id: me.id })}>
                      Assign to me
                    </button>
                  )}
                  <button type="button" onClick={() => act(al, 'resolve', {})}>
                    Resolve
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
