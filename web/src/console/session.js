// The signed-in session, kept in sessionStorage (one per tab; gone when the tab closes).
const KEY = 'lingxi.session';
const NOTICE = 'lingxi.notice';

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

// clear forgets the session; a notice (why it ended) is kept for the sign-in page, so a page
// that noticed the end just before a reload still tells the person after it.
export function clear(notice) {
  sessionStorage.removeItem(KEY);
  if (notice) sessionStorage.setItem(NOTICE, notice);
  else sessionStorage.removeItem(NOTICE);
}

// takeNotice returns the kept notice once.
export function takeNotice() {
  const n = sessionStorage.getItem(NOTICE) || '';
  sessionStorage.removeItem(NOTICE);
  return n;
}

export function lastTenant() {
  return new URLSearchParams(location.search).get('tenant') || localStorage.getItem('lingxi.tenant') || '';
}
