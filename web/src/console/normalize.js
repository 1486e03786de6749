// The API's answers read in one place, so that the views stay plain: lists, suggestion sources,
// profile parts and wallboard figures, each accepting the field names the routes answer with.

export function pick(o, ...names) {
  if (!o) return undefined;
  for (const n of names) if (o[n] !== undefined && o[n] !== null) return o[n];
  return undefined;
}

export function arr(o, ...names) {
  const v = pick(o, ...names);
  return Array.isArray(v) ? v : [];
}

// suggestions flattens GET /v1/contacts/{id}/suggestions into [{text, title, source}].
export function suggestions(data) {
  if (!data) return [];
  const out = [];
  const add = (list, source) => {
    for (const it of list || []) {
      const text = typeof it === 'string' ? it : pick(it, 'text', 'reply', 'answer');
      if (!text) continue;
      const title = typeof it === 'string' ? '' : pick(it, 'title', 'question') || (Array.isArray(it.questions) ? it.questions[0] : '') || '';
      out.push({ text, title, source: pick(it, 'source', 'kind') || source });
    }
  };
  if (Array.isArray(data)) add(data, 'knowledge');
  else {
    add(arr(data, 'items', 'suggestions', 'replies'), 'knowledge');
    add(arr(data, 'knowledge', 'articles'), 'knowledge');
    add(arr(data, 'canned_responses', 'canned'), 'canned');
  }
  return out;
}

// transcript reads a contact's messages: [{role, text, time}].
export function transcript(c) {
  return arr(c, 'transcript', 'messages').map((m) => ({ role: m.role, text: m.text, time: m.time, agent_id: m.agent_id }));
}

export function profile(c) {
  const p = pick(c, 'profile') || {};
  return {
    customer_id: pick(p, 'customer_id') || customer(c),
    attributes: pick(p, 'attributes') || pick(c, 'attributes') || {},
    events: arr(p, 'business_events', 'recent_events', 'events'),
    contacts: arr(p, 'past_contacts', 'contacts'),
  };
}

// slots reads what the bot collected: an object of name → value.
export function slots(c) {
  const s = pick(c, 'slots');
  if (Array.isArray(s)) return Object.fromEntries(s.map((x) => [pick(x, 'name', 'slot'), pick(x, 'value')]));
  return s || {};
}

// ms reads a duration given in ms or seconds under one of the names.
export function ms(o, base) {
  const v = pick(o, base + '_ms');
  if (v != null) return v;
  const s = pick(o, base + '_seconds', base + '_s', base);
  return s == null ? undefined : s * 1000;
}

// customer names a contact's customer: the tenant's id for them, else the id a widget visitor
// claimed (unverified), else "".
export function customer(c) {
  const claimed = pick(pick(c, 'attributes'), 'claimed_customer_id');
  return pick(c, 'customer_id') || (claimed ? claimed + ' (unverified)' : '');
}
