import { useEffect, useState } from 'preact/hooks';
import { call, config, items, ApiError } from '../lib/api.js';

// isoWeek is the ISO 8601 week id ("2026-W49") of the UTC day of d.
export function isoWeek(d) {
  const t = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  t.setUTCDate(t.getUTCDate() + 4 - (t.getUTCDay() || 7)); // the Thursday of its week
  const y = t.getUTCFullYear();
  const w = Math.ceil(((t - Date.UTC(y, 0, 1)) / 86400000 + 1) / 7);
  return `${y}-W${String(w).padStart(2, '0')}`;
}

const num = (v, digits = 0) => (v === null || v === undefined ? '–' : Number(v).toFixed(digits));

// Reports lists the tenant's weekly VOC reports (docs/voc-report.md) for supervisors and admins:
// each week's figures, its HTML shown in the page (a sandboxed frame: the report is
// self-contained) and its PDF downloaded. The bodies need the session, so they are fetched with
// it and handed to the frame and the link as local copies.
export function Reports({ token, onAuthLost }) {
  const [list, setList] = useState(null);
  const [error, setError] = useState('');
  const [shown, setShown] = useState(null); // {week, html}
  const [busy, setBusy] = useState(false);

  const failed = (err) => {
    if (err instanceof ApiError && err.status === 401) onAuthLost('Your session has ended. Sign in again.');
    setError(err.message);
  };
  const load = () =>
    call(token, 'GET', '/v1/voc/reports')
      .then((d) => {
        setList(items(d));
        setError('');
      })
      .catch(failed);
  useEffect(() => {
    load();
  }, [token]);

  const body = async (path) => {
    const { api } = await config();
    const res = await fetch(api + path, { headers: { Authorization: 'Bearer ' + token } });
    if (!res.ok) {
      let problem = null;
      try {
        problem = await res.json();
      } catch {
        // not problem JSON
      }
      throw new ApiError(res.status, problem);
    }
    return res.blob();
  };
  const showHTML = async (r) => {
    try {
      setShown({ week: r.week, html: await (await body(r.links.html)).text() });
    } catch (err) {
      failed(err);
    }
  };
  const downloadPDF = async (r) => {
    try {
      const url = URL.createObjectURL(await body(r.links.pdf));
      const a = document.createElement('a');
      a.href = url;
      a.download = `voc-${r.week}.pdf`;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 60000);
    } catch (err) {
      failed(err);
    }
  };
  const build = async () => {
    setBusy(true);
    try {
      await call(token, 'POST', '/v1/voc/reports', { week: isoWeek(new Date(Date.now() - 7 * 86400000)) });
      await load();
    } catch (err) {
      failed(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="wallboard reports">
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <section aria-label="Reports">
        <h2>
          Weekly VOC reports <span class="cn">每周客户之声报告</span>
        </h2>
        <p>
          <button onClick={build} disabled={busy}>
            Build last week's report
          </button>
        </p>
        {list === null ? (
          <p>Loading…</p>
        ) : list.length === 0 ? (
          <p data-testid="no-reports">No reports yet.</p>
        ) : (
          <table class="figures" data-testid="reports">
            <thead>
              <tr>
                <th>Week</th>
                <th>Period ({list[0].time_zone})</th>
                <th>Contacts</th>
                <th>Per 10,000 transactions</th>
                <th>CSAT</th>
                <th>Alerts</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {list.map((r) => (
                <tr key={r.week} data-week={r.week}>
                  <td>
                    {r.week}
                    {r.partial && <span class="pill"> partial</span>}
                  </td>
                  <td>
                    {r.from.slice(0, 10)} – {new Date(Date.parse(r.to) - 1).toISOString().slice(0, 10)}
                  </td>
                  <td>{r.contacts}</td>
                  <td>{num(r.rate, 2)}</td>
                  <td>{num(r.csat_mean, 2)}</td>
                  <td>{r.alerts}</td>
                  <td>
                    <button class="link" onClick={() => showHTML(r)}>
                      HTML
                    </button>{' '}
                    <button class="link" onClick={() => downloadPDF(r)}>
                      PDF
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      {shown && (
        <section aria-label="Report">
          <h2>Report {shown.week}</h2>
          <iframe class="report" title={'Report ' + shown.week} sandbox="" srcdoc={shown.html} />
        </section>
      )}
    </main>
  );
}
