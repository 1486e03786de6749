import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { call, config, ApiError } from '../lib/api.js';
import { connect } from '../lib/ws.js';
import * as session from './session.js';
import { SignIn } from './signin.jsx';
import { Desktop } from './desktop.jsx';
import { Wallboard } from './wallboard.jsx';
import { Reports } from './reports.jsx';

// App: sign-in, then the agent desktop or (supervisors and admins) the wallboard, over one
// WebSocket for the session.
function App() {
  const [s, setS] = useState(session.load());
  const [me, setMe] = useState(null);
  const [notice, setNotice] = useState(session.takeNotice);
  const [view, setView] = useState(location.hash.replace('#', '') || '');
  const [live, setLive] = useState(null);
  const [wsStatus, setWsStatus] = useState('');

  const signOut = (msg) => {
    live?.close();
    setLive(null);
    session.clear(msg);
    setS(null);
    setMe(null);
    setNotice(msg || '');
  };
  // ended signs out because a session was refused, unless that session is no longer the one kept
  // (the person signed out already, and a late refusal of the old token must not change the notice).
  const ended = (token, msg = 'Your session has ended. Sign in again.') => {
    if (session.load()?.token === token) signOut(msg);
  };

  // Check the stored session (it may have expired or been revoked) and read who is signed in.
  useEffect(() => {
    if (!s) return;
    let gone = false;
    call(s.token, 'GET', '/v1/me')
      .then((u) => !gone && setMe(u))
      .catch((err) => {
        if (gone) return;
        if (err instanceof ApiError && (err.status === 401 || err.status === 403)) ended(s.token);
        else setNotice(err.message);
      });
    return () => {
      gone = true;
    };
  }, [s?.token]);

  useEffect(() => {
    if (!s || !me) return;
    let conn;
    let stop = false;
    config().then((c) => {
      if (stop || !c.websocket) {
        if (!c.websocket) setWsStatus('none');
        return;
      }
      // A closed socket may mean the session ended (signed out elsewhere, revoked, expired):
      // ask once, and go back to the sign-in page if so.
      const onStatus = (st) => {
        setWsStatus(st);
        if (st === 'closed')
          call(s.token, 'GET', '/v1/me').catch((err) => {
            if (err instanceof ApiError && err.status === 401) ended(s.token);
          });
      };
      conn = connect(c.websocket, s.token, { onStatus });
      conn.on('error', (m) => m.error === 'unauthenticated' && ended(s.token));
      setLive(conn);
    });
    return () => {
      stop = true;
      conn?.close();
    };
  }, [s?.token, me?.id]);

  useEffect(() => {
    const f = () => setView(location.hash.replace('#', ''));
    addEventListener('hashchange', f);
    return () => removeEventListener('hashchange', f);
  }, []);

  if (!s) {
    return (
      <SignIn
        notice={notice}
        onSignedIn={(x) => {
          session.save(x);
          session.takeNotice();
          setNotice('');
          setS(x);
        }}
      />
    );
  }
  if (!me) return <main class="loading">Loading…</main>;

  const supervises = me.role === 'supervisor' || me.role === 'admin';
  const current = view === 'desktop' || view === 'wallboard' || (supervises && view === 'reports') ? view : supervises ? 'wallboard' : 'desktop';
  const logout = async () => {
    try {
      await call(s.token, 'DELETE', '/v1/sessions/current');
    } catch {
      // signed out here either way
    }
    signOut('You are signed out.');
  };

  return (
    <div class="shell">
      <header class="top">
        <strong class="brand">
          Lingxi <span class="cn">灵犀</span>
        </strong>
        <nav>
          <a href="#desktop" class={current === 'desktop' ? 'on' : ''}>
            Desktop
          </a>
          {supervises && (
            <a href="#wallboard" class={current === 'wallboard' ? 'on' : ''}>
              Wallboard
            </a>
          )}
          {supervises && (
            <a href="#reports" class={current === 'reports' ? 'on' : ''}>
              Reports
            </a>
          )}
        </nav>
        <span class={'live ' + wsStatus} title={'live updates: ' + (wsStatus || 'off')} data-testid="live">
          {wsStatus === 'open' ? 'live' : wsStatus === 'none' ? 'no live updates' : wsStatus || ''}
        </span>
        <span class="who" data-testid="who">
          {me.display_name} · {me.role} · {s.tenant}
        </span>
        <button class="link" onClick={logout}>
          Sign out
        </button>
      </header>
      {current === 'wallboard' ? (
        <Wallboard token={s.token} me={me} live={live} onAuthLost={(msg) => ended(s.token, msg)} />
      ) : current === 'reports' ? (
        <Reports token={s.token} onAuthLost={(msg) => ended(s.token, msg)} />
      ) : (
        <Desktop token={s.token} me={me} live={live} onAuthLost={(msg) => ended(s.token, msg)} />
      )}
    </div>
  );
}

render(<App />, document.getElementById('app'));
