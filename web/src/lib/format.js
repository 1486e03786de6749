// Small display helpers shared by the pages.

export function duration(ms) {
  if (ms == null || isNaN(ms)) return '–';
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return s + 's';
  const m = Math.floor(s / 60);
  if (m < 60) return m + 'm ' + String(s % 60).padStart(2, '0') + 's';
  return Math.floor(m / 60) + 'h ' + String(m % 60).padStart(2, '0') + 'm';
}

export function since(iso, now = Date.now()) {
  if (!iso) return '–';
  return duration(now - Date.parse(iso));
}

// percent shows a percentage (0–100) with at most one decimal.
export function percent(x) {
  if (x == null || isNaN(x)) return '–';
  return Math.round(x * 10) / 10 + '%';
}

export function clock(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  return d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}
