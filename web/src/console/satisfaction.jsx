import { useEffect, useState } from 'preact/hooks';
import { percent } from '../lib/format.js';

// Satisfaction shows the customers' survey answers of the last 30 days (GET /v1/voc/satisfaction,
// docs/surveys.md) per intent, queue, agent, channel or resolution: CSAT mean, CSAT % (4 and 5),
// NPS, and how many answers each figure stands on. It reads them again every minute.
const dimensions = [
  ['queue', 'Queue'],
  ['intent', 'Intent'],
  ['agent', 'Agent'],
  ['channel', 'Channel'],
  ['resolution', 'Resolved by'],
];

export function Satisfaction({ api }) {
  const [by, setBy] = useState('queue');
  const [data, setData] = useState(null);
  const [error, setError] = useState('');

  useEffect(() => {
    let stop = false;
    const read = () =>
      api('GET', `/v1/voc/satisfaction?by=${by}`)
        .then((d) => {
          if (stop) return;
          setData(d);
          setError('');
        })
        .catch((err) => !stop && setError(err.message));
    read();
    const t = setInterval(read, 60000);
    return () => {
      stop = true;
      clearInterval(t);
    };
  }, [by]);

  const rows = data?.by === by ? data.rows || [] : [];
  const fixed = (x) => (x == null ? '–' : x.toFixed(2));
  return (
    <section aria-label="Satisfaction">
      <h2>
        Satisfaction{' '}
        <span class="muted small">
          survey answers{data?.by === by ? `, ${data.from} to ${data.to}` : ''} per{' '}
          <select aria-label="Satisfaction by" value={by} onChange={(e) => setBy(e.target.value)}>
            {dimensions.map(([v, label]) => (
              <option key={v} value={v}>
                {label.toLowerCase()}
              </option>
            ))}
          </select>
        </span>
      </h2>
      {error && <p class="error">{error}</p>}
      {data?.by !== by ? (
        <p class="muted">Reading…</p>
      ) : rows.length === 0 ? (
        <p class="muted" data-testid="no-satisfaction" data-by={by}>
          No survey answers in these days.
        </p>
      ) : (
        <table class="figures" data-testid="satisfaction" data-by={by}>
          <thead>
            <tr>
              <th>{dimensions.find(([v]) => v === by)[1]}</th>
              <th>CSAT</th>
              <th>CSAT %</th>
              <th>answers</th>
              <th>NPS</th>
              <th>answers</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.value} data-value={r.value}>
                <th>{r.value}</th>
                <td class="num" data-testid="csat">{fixed(r.csat_mean)}</td>
                <td class="num">{percent(r.csat_percent)}</td>
                <td class="num">{r.csat_count}</td>
                <td class="num" data-testid="nps">{r.nps == null ? '–' : Math.round(r.nps)}</td>
                <td class="num">{r.nps_count}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
