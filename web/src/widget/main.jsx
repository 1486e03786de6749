import { render } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { call, config } from '../lib/api.js';
import { connect } from '../lib/ws.js';

// The chat widget: a conversation through the widget route (POST /v1/widgets/{widget}/
// conversations gives the conversation and a visitor token scoped to it), the bot first, with its
// quick replies and guessed questions; after a handoff the agent's messages arrive live over the
// WebSocket. ?widget=lxw_… names the tenant's widget; ?lang=zh|en and ?customer=… are optional.
const params = new URLSearchParams(location.search);
const WIDGET = params.get('widget') || params.get('id') || '';
const KEY = 'lingxi.widget.' + WIDGET;

function Widget() {
  const saved = (() => {
    try {
      return JSON.parse(sessionStorage.getItem(KEY)) || null;
    } catch {
      return null;
    }
  })();
  const [conv, setConv] = useState(saved); // {id, token}
  const [msgs, setMsgs] = useState(saved?.msgs || []);
  const [quick, setQuick] = useState([]);
  const [guesses, setGuesses] = useState([]);
  const [state, setState] = useState(saved?.state || '');
  const [text, setText] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const end = useRef(null);
  const stateNow = useRef(state); // the WebSocket's handlers read the state as it is now
  stateNow.current = state;

  useEffect(() => {
    if (conv) sessionStorage.setItem(KEY, JSON.stringify({ ...conv, msgs, state }));
  }, [conv, msgs, state]);
  useEffect(() => end.current?.scrollIntoView?.({ block: 'end' }), [msgs.length]);

  const turn = (r) => {
    if (!r) return;
    setMsgs((ms) => [...ms, ...(r.messages || []).map((m) => ({ role: m.role, text: m.text, time: m.time }))]);
    setQuick(r.quick_replies || []);
    if (r.state) setState(r.state);
  };

  const start = async () => {
    setBusy(true);
    setError('');
    try {
      const body = {};
      if (params.get('lang')) body.language = params.get('lang');
      if (params.get('customer')) body.customer_id = params.get('customer');
      const r = await call('', 'POST', `/v1/widgets/${encodeURIComponent(WIDGET)}/conversations`, body);
      const c = r.conversation || r;
      setConv({ id: c.id, token: r.token });
      setMsgs([]);
      turn(c);
      setGuesses(c.suggestions || []);
    } catch (err) {
      setError(err.status === 429 ? 'Too many chats from here. Try again in a minute.' : err.message);
    } finally {
      setBusy(false);
    }
  };

  // Agent messages (and the bot's and the customer's from other tabs) arrive over the WebSocket.
  useEffect(() => {
    if (!conv?.token) return;
    let ws;
    let stop = false;
    config().then((c) => {
      if (stop || !c.websocket) return;
      ws = connect(c.websocket, conv.token);
      ws.on('message', (m) => {
        // The customer's and the bot's messages come with the HTTP answers, but after a handoff the
        // bot speaks on its own: no agent answered in time, or the agent wrapped up and the survey
        // asks for a score (its quick replies come with the conversation).
        const botAlone = m.role === 'bot' && stateNow.current === 'handoff';
        if (m.role !== 'agent' && m.role !== 'system' && !botAlone) return;
        setMsgs((ms) => [...ms, { role: m.role, text: m.text, time: m.time }]);
        if (botAlone) {
          call(conv.token, 'GET', `/v1/conversations/${encodeURIComponent(conv.id)}`)
            .then((c) => {
              if (c.state) setState(c.state);
              setQuick(c.quick_replies || []);
            })
            .catch(() => {});
        }
      });
      ws.on('conversation', (m) => m.state && setState(m.state));
    });
    return () => {
      stop = true;
      ws?.close();
    };
  }, [conv?.token]);

  const send = async (body, shown) => {
    setBusy(true);
    setError('');
    setGuesses([]);
    setQuick([]);
    setMsgs((ms) => [...ms, { role: 'customer', text: shown, time: new Date().toISOString() }]);
    try {
      const r = await call(conv.token, 'POST', `/v1/conversations/${encodeURIComponent(conv.id)}/messages`, body);
      turn({ ...r, messages: (r.messages || []).filter((m) => m.role !== 'customer') });
    } catch (err) {
      // The agent wrapped the chat up (or it timed out) meanwhile: it has ended.
      if (err.status === 409 && /has ended/.test(err.message)) setState('ended');
      else setError(err.message);
    } finally {
      setBusy(false);
    }
  };

  const finish = async () => {
    try {
      const r = await call(conv.token, 'POST', `/v1/conversations/${encodeURIComponent(conv.id)}/end`, {});
      // A survey question is the end's last message, with its quick replies.
      const last = (r.messages || []).slice(-1)[0];
      if (r.quick_replies?.length && last) {
        setMsgs((ms) => [...ms, { role: last.role, text: last.text, time: last.time }]);
        setQuick(r.quick_replies);
      }
    } catch {
      // ended here either way
    }
    setState('ended');
  };

  const restart = () => {
    sessionStorage.removeItem(KEY);
    setConv(null);
    setMsgs([]);
    setState('');
  };

  if (!WIDGET) return <div class="widget"><p class="error">This page needs ?widget=lxw_… (the tenant's widget id).</p></div>;

  return (
    <div class="widget" aria-label="Chat">
      <header>
        <strong>{params.get('title') || 'Chat with us'}</strong>
        {conv && state !== 'ended' && (
          <button class="link" onClick={finish}>
            End chat
          </button>
        )}
      </header>
      {!conv ? (
        <div class="start">
          <p>Questions about your account or card? Ask us.</p>
          <button class="primary" onClick={start} disabled={busy}>
            Start chat
          </button>
          {error && <p class="error">{error}</p>}
        </div>
      ) : (
        <>
          <ol class="messages" data-testid="messages">
            {msgs.map((m, i) => (
              <li key={i} class={'m ' + m.role}>
                {m.role === 'agent' && <span class="who">Agent</span>}
                {m.text}
              </li>
            ))}
            {state === 'handoff' && !msgs.some((m) => m.role === 'agent') && <li class="m system">Connecting you to a person…</li>}
            {state === 'ended' && <li class="m system">This chat has ended.</li>}
            <li ref={end} />
          </ol>
          {guesses.length > 0 && (
            <div class="chips" aria-label="You may want to ask">
              <span class="hint">You may want to ask</span>
              {guesses.map((g) => (
                <button key={g.intent} class="chip guess" onClick={() => send({ suggestion: g.intent }, g.text)} disabled={busy}>
                  {g.text}
                </button>
              ))}
            </div>
          )}
          {quick.length > 0 && (
            <div class="chips" aria-label="Quick replies">
              {quick.map((q) => (
                <button key={q} class="chip" onClick={() => send({ text: q }, q)} disabled={busy}>
                  {q}
                </button>
              ))}
            </div>
          )}
          {error && <p class="error">{error}</p>}
          {state === 'ended' ? (
            <div class="start">
              <button onClick={restart}>New chat</button>
            </div>
          ) : (
            <form
              class="compose"
              onSubmit={(e) => {
                e.preventDefault();
                const t = text.trim();
                if (!t) return;
                setText('');
                send({ text: t }, t);
              }}
            >
              <input name="text" placeholder="Type a message…" value={text} onInput={(e) => setText(e.target.value)} autocomplete="off" />
              <button class="primary" type="submit" disabled={busy || !text.trim()}>
                Send
              </button>
            </form>
          )}
        </>
      )}
    </div>
  );
}

render(<Widget />, document.getElementById('app'));
