import { useState } from 'preact/hooks';
import { call, ApiError } from '../lib/api.js';
import { lastTenant } from './session.js';

// SignIn asks for the tenant, the login name and the password (POST /v1/sessions).
export function SignIn({ onSignedIn, notice }) {
  const [tenant, setTenant] = useState(lastTenant());
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      const s = await call('', 'POST', '/v1/sessions', { tenant: tenant.trim(), username: username.trim(), password });
      onSignedIn({ token: s.token, expires_at: s.expires_at, tenant: tenant.trim(), user: s.user });
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) setError('Wrong tenant, login name or password.');
      else if (err instanceof ApiError && err.status === 429) setError('Too many attempts. Wait a minute and try again.');
      else setError(err.message || 'Sign-in failed.');
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="signin">
      <form onSubmit={submit} aria-label="Sign in">
        <h1>
          Lingxi <span class="cn">灵犀</span>
        </h1>
        <p class="muted">Agent desktop and supervisor wallboard</p>
        {notice && <p class="notice" role="status">{notice}</p>}
        <label>
          Tenant
          <input name="tenant" value={tenant} onInput={(e) => setTenant(e.target.value)} required autocomplete="organization" />
        </label>
        <label>
          Login name
          <input name="username" value={username} onInput={(e) => setUsername(e.target.value)} required autocomplete="username" />
        </label>
        <label>
          Password
          <input name="password" type="password" value={password} onInput={(e) => setPassword(e.target.value)} required autocomplete="current-password" />
        </label>
        {error && <p class="error" role="alert">{error}</p>}
        <button type="submit" disabled={busy}>{busy ? 'Signing in…' : 'Sign in'}</button>
      </form>
    </main>
  );
}
