import { useEffect, useState } from 'preact/hooks';
import { clock } from '../lib/format.js';

// Keep is how many violations the panel lists.
const KEEP = 20;

// Quality is the wallboard's panel of live quality alerts (docs/quality.md): the violations of
// the inspection form's live rules by running contacts, newest first, as the feedback function's
// inspector pushes them over the WebSocket ("qa_violation" messages; docs/websocket.md). Nothing is
// read when the panel opens: it lists what was pushed while it is open. Each row's Score button
// reads the contact's inspection (GET /v1/qa/contacts/{id}), which exists once the contact ended.
export function Quality({ api, live }) {
  const [list, setList] = useState([]);
  const [scores, setScores] = useState({});

  useEffect(() => {
    if (!live) return;
    return live.on('qa_violation', (m) =>
      setList((vs) => {
        if (!m.contact_id || !m.rule_id) return vs;
        const key = m.contact_id + ' ' + m.rule_id; // once per rule and contact
        return [{ ...m, key }, ...vs.filter((v) => v.key !== key)].slice(0, KEEP);
      }),
    );
  }, [live]);

  const score = async (id) => {
    try {
      const r = await api('GET', `/v1/qa/contacts/${encodeURIComponent(id)}`);
      setScores((s) => ({ ...s, [id]: `score ${Math.round(Number(r.final_score ?? r.score))}` }));
    } catch (err) {
      setScores((s) => ({ ...s, [id]: err.status === 404 ? 'not scored yet (still running)' : err.message }));
    }
  };

  return (
    <section aria-label="Quality alerts">
      <h2>
        Quality alerts <span class="muted small">live rules broken by running contacts</span>
      </h2>
      {list.length === 0 ? (
        <p class="muted" data-testid="no-qa-violations">
          No violation since the wallboard opened.
        </p>
      ) : (
        <table class="figures" data-testid="qa-violations">
          <thead>
            <tr>
              <th>Rule</th>
              <th>Agent</th>
              <th>Contact</th>
              <th>Detail</th>
              <th>Time</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {list.map((v) => (
              <tr key={v.key} data-contact={v.contact_id} data-rule={v.rule_id}>
                <th title={v.rule_id}>
                  <span class="pill">{v.kind}</span> {v.rule_name || v.rule_id}
                </th>
                <td>{v.agent_id || <span class="muted">–</span>}</td>
                <td>
                  <code title={`GET /v1/qa/contacts/${v.contact_id}`}>{v.contact_id}</code> <span class="muted small">{v.channel}</span>
                </td>
                <td class="why">
                  {v.detail} {v.speaker && <span class="muted small">({v.speaker}, turn {v.turn})</span>}
                </td>
                <td class="num" title={v.at}>
                  {clock(v.at)}
                </td>
                <td class="actions">
                  <button type="button" onClick={() => score(v.contact_id)}>
                    Score
                  </button>
                  {scores[v.contact_id] && (
                    <div class="muted small" data-testid="qa-score">
                      {scores[v.contact_id]}
                    </div>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
