import { useEffect, useRef, useState } from 'preact/hooks';
import { items } from '../lib/api.js';
import { clock } from '../lib/format.js';
import * as N from './normalize.js';

const DISPOSITIONS = [
  ['resolved', 'Resolved'],
  ['follow_up', 'Follow-up needed'],
  ['escalated', 'Escalated'],
  ['no_response', 'Customer left'],
  ['other', 'Other'],
];

const ROLE = { customer: 'Customer', bot: 'Bot', agent: 'Agent', system: 'System' };

// Chat is one contact on the desktop: the transcript (bot, customer, agent), the reply box, and
// the assist panel (profile, intent and slots, suggested replies, knowledge search, canned
// responses, transfer, wrap-up).
export function Chat({ id, hidden, state, me, api, live, onLabel, onState, onClose }) {
  const [c, setC] = useState(null);
  const [msgs, setMsgs] = useState([]);
  const [reply, setReply] = useState('');
  const [sugg, setSugg] = useState([]);
  const [error, setError] = useState('');
  const [wrapping, setWrapping] = useState(false);
  const [busy, setBusy] = useState(false);
  const pending = useRef([]); // texts this desktop sent, not yet echoed by the WebSocket
  const box = useRef(null);
  const end = useRef(null);
  const path = '/v1/contacts/' + encodeURIComponent(id);

  const [suggFor, setSuggFor] = useState('');
  const loadSuggestions = () =>
    api('GET', path + '/suggestions')
      .then((d) => {
        setSugg(N.suggestions(d));
        setSuggFor(d?.message || '');
      })
      .catch(() => setSugg([]));

  useEffect(() => {
    api('GET', path)
      .then((d) => {
        setC(d);
        setMsgs(N.transcript(d));
        const p = N.profile(d);
        onLabel?.(p.customer_id || d.customer_id || id.slice(-8));
        if (d.state && d.state !== state) onState?.(d.state);
      })
      .catch((err) => setError(err.message));
    loadSuggestions();
  }, [id]);

  useEffect(() => {
    if (!live) return;
    return live.on('message', (m) => {
      if (m.contact_id !== id) return;
      if (m.role === 'agent') {
        const i = pending.current.indexOf(m.text);
        if (i >= 0) {
          pending.current.splice(i, 1);
          return;
        }
      }
      setMsgs((ms) => [...ms, { role: m.role, text: m.text, time: m.time, agent_id: m.agent_id }]);
      if (m.role === 'customer') loadSuggestions();
    });
  }, [live, id]);

  useEffect(() => {
    if (state === 'wrapup') setWrapping(true);
  }, [state]);

  useEffect(() => {
    end.current?.scrollIntoView?.({ block: 'end' });
  }, [msgs.length, hidden]);

  const put = (text) => {
    setReply(text);
    box.current?.focus();
  };

  const send = async (text) => {
    text = (text ?? reply).trim();
    if (!text) return;
    setBusy(true);
    setError('');
    try {
      pending.current.push(text);
      const res = await api('POST', path + '/messages', { text });
      setMsgs((ms) => [...ms, { role: 'agent', text, time: res?.time || new Date().toISOString(), agent_id: me.id }]);
      setReply('');
    } catch (err) {
      pending.current.splice(pending.current.indexOf(text), 1);
      setError(err.message);
    } finally {
      setBusy(false);
    }
  };

  const prof = N.profile(c);
  const slots = N.slots(c);
  const closed = state === 'closed';

  return (
    <article class="chat" hidden={hidden} data-contact={id} aria-label={'Chat ' + (prof.customer_id || id)}>
      <section class="conv">
        <header class="chat-head">
          <strong>{prof.customer_id || 'anonymous customer'}</strong>
          <span class="muted">
            {' '}
            · {c?.channel || 'chat'} · queue {c?.queue || '–'} · <span data-testid="chat-state">{state}</span>
          </span>
        </header>
        <ol class="transcript" data-testid="transcript">
          {msgs.map((m, i) => (
            <li key={i} class={'msg ' + m.role}>
              <span class="who">{ROLE[m.role] || m.role}</span>
              <span class="text">{m.text}</span>
              <time>{clock(m.time)}</time>
            </li>
          ))}
          <li ref={end} class="end" />
        </ol>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        {wrapping || closed ? (
          <Wrapup path={path} api={api} closed={closed} onDone={onClose} onError={setError} />
        ) : c?.channel === 'voice' ? (
          <div class="reply row">
            <span class="muted">A call: talk on your softphone. The transcript above is what the caller told the bot.</span>
            <span class="grow" />
            <button type="button" onClick={() => setWrapping(true)}>
              Wrap up
            </button>
          </div>
        ) : (
          <form
            class="reply"
            onSubmit={(e) => {
              e.preventDefault();
              send();
            }}
          >
            <textarea
              ref={box}
              name="reply"
              rows="3"
              placeholder="Type a reply…"
              value={reply}
              onInput={(e) => setReply(e.target.value)}
              onKeyDown={(e) => {
                if (e.key === 'Enter' && !e.shiftKey) {
                  e.preventDefault();
                  send();
                }
              }}
            />
            <div class="row">
              <button type="submit" class="primary" disabled={busy || !reply.trim()}>
                Send
              </button>
              <Canned api={api} onPick={put} />
              <span class="grow" />
              <button type="button" onClick={() => setWrapping(true)}>
                End chat
              </button>
            </div>
          </form>
        )}
      </section>

      <aside class="assist">
        <details open>
          <summary>Customer</summary>
          <dl class="kv" data-testid="profile">
            <dt>Customer</dt>
            <dd>{prof.customer_id || 'anonymous'}</dd>
            {Object.entries(prof.attributes).map(([k, v]) => (
              <>
                <dt>{k}</dt>
                <dd>{String(v)}</dd>
              </>
            ))}
          </dl>
          {prof.events.length > 0 && (
            <>
              <h4>Recent events</h4>
              <ul class="plain" data-testid="events">
                {prof.events.map((e, i) => (
                  <li key={i}>
                    <strong>{N.pick(e, 'kind', 'type')}</strong> <span class="muted">{new Date(N.pick(e, 'occurred_at', 'time', 'at')).toLocaleString()}</span>
                  </li>
                ))}
              </ul>
            </>
          )}
          <h4>Past contacts</h4>
          {prof.contacts.length === 0 ? (
            <p class="muted small">none</p>
          ) : (
            <ul class="plain" data-testid="past-contacts">
              {prof.contacts.map((p, i) => (
                <li key={i}>
                  {new Date(N.pick(p, 'created_at', 'started_at', 'at', 'time') || 0).toLocaleDateString()} · {N.pick(p, 'channel') || ''} {N.pick(p, 'intent') || ''}{' '}
                  <span class="muted">{N.pick(p, 'disposition', 'outcome', 'state') || ''}</span>
                </li>
              ))}
            </ul>
          )}
        </details>

        <details open>
          <summary>What the bot learnt</summary>
          <dl class="kv" data-testid="intent">
            <dt>Intent</dt>
            <dd>{c?.intent || '–'}</dd>
            {c?.handoff_reason || c?.reason ? (
              <>
                <dt>Handoff</dt>
                <dd>{c.handoff_reason || c.reason}</dd>
              </>
            ) : null}
            {Object.entries(slots).map(([k, v]) => (
              <>
                <dt>{k}</dt>
                <dd>{String(v)}</dd>
              </>
            ))}
          </dl>
        </details>

        {N.arr(c, 'decisions').length > 0 && (
          <details>
            <summary>Why this contact came to me</summary>
            {(() => {
              const d = N.arr(c, 'decisions').at(-1);
              return (
                <p class="small" data-testid="decision">
                  {d.why} <span class="muted">({d.considered} considered, ring {d.ring})</span>
                </p>
              );
            })()}
          </details>
        )}

        <details open>
          <summary>Suggested replies</summary>
          {sugg.length === 0 ? (
            <p class="muted small">No suggestion for the last message.</p>
          ) : (
            <ul class="suggestions" data-testid="suggestions" data-for={suggFor}>
              {sugg.map((s) => (
                <li key={s.source + ':' + s.text}>
                  <button class="suggestion" title="Put into the reply box" onClick={() => put(s.text)} disabled={closed || wrapping}>
                    {s.title && (
                      <strong>
                        {s.source === 'canned' ? '话术 · ' : ''}
                        {s.title}
                      </strong>
                    )}
                    <span>{s.text}</span>
                  </button>
                  <button class="icon" title="Send now" aria-label="Send this reply" onClick={() => send(s.text)} disabled={closed || wrapping}>
                    ➤
                  </button>
                </li>
              ))}
            </ul>
          )}
        </details>

        <Knowledge api={api} onPick={put} />

        {!closed && !wrapping && <Transfer path={path} api={api} onDone={onClose} onError={setError} />}
      </aside>
    </article>
  );
}

// Canned picks one of the tenant's canned responses (话术) into the reply box.
function Canned({ api, onPick }) {
  const [list, setList] = useState(null);
  const [open, setOpen] = useState(false);
  const [q, setQ] = useState('');
  useEffect(() => {
    if (!open || list) return;
    api('GET', '/v1/canned-responses')
      .then((d) => setList(items(d, 'canned_responses')))
      .catch(() => setList([]));
  }, [open]);
  const shown = (list || []).filter((c) => !q || (c.title + ' ' + c.text + ' ' + (c.tags || []).join(' ')).toLowerCase().includes(q.toLowerCase()));
  return (
    <span class="canned">
      <button type="button" onClick={() => setOpen(!open)} aria-expanded={open}>
        Canned responses
      </button>
      {open && (
        <div class="popover" role="dialog" aria-label="Canned responses">
          <input placeholder="Filter…" value={q} onInput={(e) => setQ(e.target.value)} />
          {list === null ? (
            <p class="muted small">Loading…</p>
          ) : shown.length === 0 ? (
            <p class="muted small">No canned response.</p>
          ) : (
            <ul class="plain">
              {shown.map((c) => (
                <li key={c.id}>
                  <button
                    type="button"
                    class="suggestion"
                    onClick={() => {
                      onPick(c.text);
                      setOpen(false);
                    }}
                  >
                    <strong>{c.title}</strong>
                    <span>{c.text}</span>
                  </button>
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </span>
  );
}

// Knowledge searches the tenant's articles (GET /v1/knowledge/search).
function Knowledge({ api, onPick }) {
  const [q, setQ] = useState('');
  const [res, setRes] = useState(null);
  const search = async (e) => {
    e.preventDefault();
    if (!q.trim()) return;
    try {
      const d = await api('GET', '/v1/knowledge/search?q=' + encodeURIComponent(q.trim()));
      setRes(items(d, 'articles', 'results'));
    } catch {
      setRes([]);
    }
  };
  return (
    <details open>
      <summary>Knowledge</summary>
      <form class="row" onSubmit={search} role="search">
        <input name="q" placeholder="Search articles…" value={q} onInput={(e) => setQ(e.target.value)} />
        <button type="submit">Search</button>
      </form>
      {res && res.length === 0 && <p class="muted small">Nothing found.</p>}
      {res && res.length > 0 && (
        <ul class="suggestions" data-testid="knowledge">
          {res.map((a, i) => {
            const text = N.pick(a, 'answer', 'text', 'body') || '';
            return (
              <li key={i}>
                <button class="suggestion" onClick={() => onPick(text)} title="Put into the reply box">
                  <strong>{N.pick(a, 'title', 'question') || (a.questions || [])[0] || a.id}</strong>
                  <span>{text}</span>
                </button>
              </li>
            );
          })}
        </ul>
      )}
    </details>
  );
}

// Transfer hands the contact to another queue or agent.
function Transfer({ path, api, onDone, onError }) {
  const [to, setTo] = useState('queue');
  const [target, setTarget] = useState('');
  const [queues, setQueues] = useState([]);
  useEffect(() => {
    api('GET', '/v1/queues')
      .then((d) => setQueues(items(d, 'queues').map((q) => q.id)))
      .catch(() => setQueues([]));
  }, []);
  const submit = async (e) => {
    e.preventDefault();
    if (!target.trim()) return;
    try {
      await api('POST', path + '/transfer', to === 'queue' ? { queue: target.trim() } : { agent_id: target.trim() });
      onDone();
    } catch (err) {
      onError(err.message);
    }
  };
  return (
    <details>
      <summary>Transfer</summary>
      <form class="row" onSubmit={submit}>
        <select value={to} onChange={(e) => setTo(e.target.value)} aria-label="Transfer to">
          <option value="queue">to queue</option>
          <option value="agent">to agent</option>
        </select>
        <input list={to === 'queue' ? 'queues' : undefined} value={target} onInput={(e) => setTarget(e.target.value)} placeholder={to === 'queue' ? 'queue id' : 'agent (user id)'} aria-label="Transfer target" />
        <datalist id="queues">
          {queues.map((q) => (
            <option key={q} value={q} />
          ))}
        </datalist>
        <button type="submit">Transfer</button>
      </form>
    </details>
  );
}

// Wrapup ends the chat with a disposition (POST …/wrapup ends the conversation if it is open).
function Wrapup({ path, api, closed, onDone, onError }) {
  const [disposition, setDisposition] = useState('resolved');
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  if (closed) {
    return (
      <div class="wrapup done">
        <span>Wrapped up.</span>
        <button onClick={onDone}>Close</button>
      </div>
    );
  }
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    try {
      await api('POST', path + '/wrapup', { disposition, ...(note.trim() ? { note: note.trim() } : {}) });
      onDone();
    } catch (err) {
      onError(err.message);
      setBusy(false);
    }
  };
  return (
    <form class="wrapup" onSubmit={submit} aria-label="Wrap-up">
      <label>
        Disposition
        <select name="disposition" value={disposition} onChange={(e) => setDisposition(e.target.value)}>
          {DISPOSITIONS.map(([v, l]) => (
            <option key={v} value={v}>
              {l}
            </option>
          ))}
        </select>
      </label>
      <input name="note" placeholder="Note (optional)" value={note} onInput={(e) => setNote(e.target.value)} />
      <button type="submit" class="primary" disabled={busy}>
        Wrap up
      </button>
    </form>
  );
}
