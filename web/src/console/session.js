// The signed-in session, kept in sessionStorage (one per tab; gone when the tab closes).
const KEY = 'lingxi.session';

export function load() {
  try {
    return JSON.parse(sessionStorage.getItem(KEY)) || null;
  } catch {
    return null;
  }
}

export function save(s) {
  sessionStorage.setItem(KEY, JSON.stringify(s));
  if (s?.tenant) localStorage.setItem('lingxi.tenant', s.tenant);
}

export function clear() {
  sessionStorage.removeItem(KEY);
}

export function lastTenant() {
  return new URLSearchParams(location.search).get('tenant') || localStorage.getItem('lingxi.tenant') || '';
}
