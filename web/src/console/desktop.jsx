import { useEffect, useRef, useState } from 'preact/hooks';
import { call, items, ApiError } from '../lib/api.js';
import { beep } from '../lib/beep.js';
import { since } from '../lib/format.js';
import { Chat } from './chat.jsx';

const STATES = [
  ['available', 'Available'],
  ['break', 'Break'],
  ['offline', 'Offline'],
];

// useNow re-renders every second (countdowns and "for how long").
export function useNow(every = 1000) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), every);
    return () => clearInterval(t);
  }, [every]);
  return now;
}

// Desktop is the agent's screen: their state, the offers ringing, and their chats side by side.
export function Desktop({ token, me, live, onAuthLost }) {
  // GET /v1/me says the state the floor has (none: never set, offline); pushes keep it current.
  const [state, setStateRaw] = useState(() => {
    if (me.presence) return { state: me.presence.state, since: me.presence.since };
    try {
      return JSON.parse(sessionStorage.getItem('lingxi.state.' + me.id)) || { state: 'offline', since: null };
    } catch {
      return { state: 'offline', since: null };
    }
  });
  const setState = (st) => {
    sessionStorage.setItem('lingxi.state.' + me.id, JSON.stringify(st));
    setStateRaw(st);
  };
  const [offers, setOffers] = useState([]);
  const [chats, setChats] = useState([]); // [{id, state}]
  const [active, setActive] = useState('');
  const [flash, setFlash] = useState('');
  const [unread, setUnread] = useState({});
  const now = useNow();
  const activeRef = useRef('');
  activeRef.current = active;

  const api = async (method, path, body) => {
    try {
      return await call(token, method, path, body);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) onAuthLost('Your session has ended. Sign in again.');
      throw err;
    }
  };

  const openChat = (id, st) => {
    setChats((cs) => (cs.some((c) => c.id === id) ? cs.map((c) => (c.id === id ? { ...c, state: st || c.state } : c)) : [...cs, { id, state: st || 'assigned' }]));
    setActive((a) => a || id);
  };
  const closeChat = (id) => {
    setChats((cs) => cs.filter((c) => c.id !== id));
    setActive((a) => (a === id ? '' : a));
  };

  // What is open for this agent now: offers and chats (after a reload too).
  useEffect(() => {
    const load = async () => {
      const got = await Promise.allSettled(['offered', 'assigned', 'wrapup'].map((s) => api('GET', '/v1/contacts?state=' + s)));
      const [off, asg, wr] = got.map((g) => (g.status === 'fulfilled' ? items(g.value, 'contacts') : []));
      setOffers((os) => {
        const have = new Set(os.map((o) => o.contact_id));
        const add = off
          .filter((c) => c.offer && !have.has(c.id))
          .map((c) => ({ contact_id: c.id, offer_id: c.offer.id, expires_at: c.offer.expires_at, channel: c.channel, queue: c.queue, customer_id: c.customer_id, intent: c.intent, preview: '' }));
        return [...os, ...add];
      });
      for (const c of [...asg, ...wr]) openChat(c.id, c.state);
    };
    load();
  }, [token]);

  useEffect(() => {
    if (!live) return;
    const offs = [
      live.on('offer', (o) => {
        setOffers((os) => [...os.filter((x) => x.contact_id !== o.contact_id), o]);
        beep();
      }),
      // Contact updates come from the stream (the live function), offers straight from the
      // dispatcher: an update may arrive after a newer offer, so only a later fact removes one
      // (taken by someone else, abandoned, closed); an offer that timed out goes by its clock.
      live.on('contact', (c) => {
        const elsewhere = c.agent_id && c.agent_id !== me.id;
        const offerGone = ((c.state === 'offered' || c.state === 'assigned') && elsewhere) || c.state === 'abandoned' || c.state === 'closed';
        if (offerGone) setOffers((os) => os.filter((o) => o.contact_id !== c.contact_id));
        setChats((cs) => {
          if (!cs.some((x) => x.id === c.contact_id)) return cs;
          // Moved away (to a queue or another agent), or taken over: the chat leaves this desktop.
          if ((c.state === 'transferred' && c.agent_id !== me.id) || c.state === 'abandoned' || (c.state === 'assigned' && elsewhere)) return cs.filter((x) => x.id !== c.contact_id);
          if (c.state === 'transferred' || c.state === 'queued' || c.state === 'offered') return cs;
          return cs.map((x) => (x.id === c.contact_id ? { ...x, state: c.state } : x));
        });
      }),
      live.on('agent', (a) => {
        if (a.agent_id === me.id) setState({ state: a.state, since: a.since });
      }),
      live.on('message', (m) => {
        if (m.contact_id !== activeRef.current && m.role === 'customer') setUnread((u) => ({ ...u, [m.contact_id]: (u[m.contact_id] || 0) + 1 }));
      }),
    ];
    return () => offs.forEach((f) => f());
  }, [live, me.id]);

  // An offer whose time is up leaves after a moment (the dispatcher has taken it back).
  useEffect(() => {
    if (offers.some((o) => Date.parse(o.expires_at) + 1500 < now)) setOffers((os) => os.filter((o) => Date.parse(o.expires_at) + 1500 >= now));
  }, [now]);

  const setMyState = async (s) => {
    try {
      const p = await api('PUT', `/v1/agents/${encodeURIComponent(me.id)}/state`, { state: s });
      setState({ state: p?.state || s, since: p?.since || new Date().toISOString() });
      setFlash('');
    } catch (err) {
      setFlash(err.message);
    }
  };

  const answer = async (o, accept) => {
    try {
      await api('POST', `/v1/contacts/${encodeURIComponent(o.contact_id)}/${accept ? 'accept' : 'decline'}`, { offer_id: o.offer_id });
      if (accept) {
        openChat(o.contact_id, 'assigned');
        setActive(o.contact_id);
      }
      setFlash('');
    } catch (err) {
      setFlash(err instanceof ApiError && err.status === 409 ? 'That offer is gone: it timed out or went to another agent.' : err.message);
    } finally {
      setOffers((os) => os.filter((x) => x.contact_id !== o.contact_id));
    }
  };

  return (
    <main class="desktop">
      <section class="statebar" aria-label="My state">
        <span class="muted">My state</span>
        {STATES.map(([s, label]) => (
          <button key={s} class={'state ' + s + (state.state === s ? ' on' : '')} aria-pressed={state.state === s} onClick={() => setMyState(s)}>
            {label}
          </button>
        ))}
        <span class="muted" data-testid="state-since">
          {state.since ? 'for ' + since(state.since, now) : ''}
        </span>
        {flash && (
          <span class="error" role="alert">
            {flash}
          </span>
        )}
      </section>

      {offers.length > 0 && (
        <section class="offers" aria-label="Offers">
          {offers.map((o) => {
            const left = Math.max(0, Math.ceil((Date.parse(o.expires_at) - now) / 1000));
            return (
              <div class="offer" key={o.contact_id} data-contact={o.contact_id}>
                <div class="offer-head">
                  <strong>New {o.channel || 'chat'}</strong> · queue {o.queue}
                  <span class={'countdown' + (left <= 5 ? ' urgent' : '')} data-testid="countdown">
                    {left}s
                  </span>
                </div>
                <div class="muted">
                  {o.customer_id || 'anonymous customer'}
                  {o.intent ? ' · ' + o.intent : ''}
                </div>
                {o.preview && <blockquote>{o.preview}</blockquote>}
                <div class="row">
                  <button class="primary" onClick={() => answer(o, true)} disabled={left === 0}>
                    Accept
                  </button>
                  <button onClick={() => answer(o, false)} disabled={left === 0}>
                    Decline
                  </button>
                </div>
              </div>
            );
          })}
        </section>
      )}

      {chats.length === 0 ? (
        <section class="empty">
          <p>No chats yet.</p>
          <p class="muted">{state.state === 'available' ? 'Offers ring here with a beep.' : 'Set yourself Available to receive contacts.'}</p>
        </section>
      ) : (
        <>
          <nav class="tabs" role="tablist">
            {chats.map((c) => (
              <button
                role="tab"
                key={c.id}
                aria-selected={c.id === (active || chats[0].id)}
                class={c.id === (active || chats[0].id) ? 'on' : ''}
                onClick={() => {
                  setActive(c.id);
                  setUnread((u) => ({ ...u, [c.id]: 0 }));
                }}
              >
                {c.label || c.id.slice(-8)}
                <span class="tab-state">{c.state}</span>
                {unread[c.id] > 0 && <span class="badge">{unread[c.id]}</span>}
              </button>
            ))}
          </nav>
          <div class="chats">
            {chats.map((c) => (
              <Chat
                key={c.id}
                id={c.id}
                hidden={c.id !== (active || chats[0].id)}
                state={c.state}
                me={me}
                api={api}
                live={live}
                onLabel={(label) => setChats((cs) => cs.map((x) => (x.id === c.id ? { ...x, label } : x)))}
                onState={(st) => setChats((cs) => cs.map((x) => (x.id === c.id ? { ...x, state: st } : x)))}
                onClose={() => closeChat(c.id)}
              />
            ))}
          </div>
        </>
      )}
    </main>
  );
}
