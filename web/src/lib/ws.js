// Live updates: one WebSocket to the platform's WebSocket API, authenticated by the token in the
// query (?token=lxs_… or lxv_…). Messages are {type, …}; on(type, fn) subscribes. The socket is
// kept open: pinged every 5 minutes (API Gateway closes idle ones after 10) and reopened with
// backoff when it drops, unless closed by close().

export function connect(url, token, { onStatus } = {}) {
  const handlers = new Map();
  let ws = null;
  let closed = false;
  let retry = 500;
  let ping = null;
  let timer = null;

  const status = (s) => onStatus?.(s);
  const open = () => {
    if (closed || !url) return;
    const sep = url.includes('?') ? '&' : '?';
    ws = new WebSocket(url + sep + 'token=' + encodeURIComponent(token));
    status('connecting');
    ws.onopen = () => {
      retry = 500;
      status('open');
      ping = setInterval(() => ws?.readyState === 1 && ws.send('{"action":"ping"}'), 5 * 60 * 1000);
    };
    ws.onmessage = (ev) => {
      let msg;
      try {
        msg = JSON.parse(ev.data);
      } catch {
        return;
      }
      for (const fn of handlers.get(msg?.type) || []) fn(msg);
      for (const fn of handlers.get('*') || []) fn(msg);
    };
    ws.onclose = () => {
      clearInterval(ping);
      ws = null;
      if (closed) return;
      status('closed');
      timer = setTimeout(open, retry);
      retry = Math.min(retry * 2, 15000);
    };
  };
  open();
  return {
    on(type, fn) {
      if (!handlers.has(type)) handlers.set(type, new Set());
      handlers.get(type).add(fn);
      return () => handlers.get(type).delete(fn);
    },
    close() {
      closed = true;
      clearTimeout(timer);
      clearInterval(ping);
      ws?.close();
    },
  };
}
