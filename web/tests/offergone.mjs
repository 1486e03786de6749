// Bad input on the desktop: accepting an offer that timed out meanwhile. The agent clicks Accept
// while the countdown still runs, but the request reaches the platform only after the offer has
// expired (the test holds it back): the platform answers 409 offer-gone, the desktop says the
// offer is gone, and nothing changed (the contact was not assigned through the stale offer).
import { main, newPage, signIn, env, base, check, step } from './lib.mjs';

const admin = async (method, path, body) => {
  const res = await fetch(base() + path, {
    method,
    headers: { Authorization: 'Bearer ' + env('DEMO_KEY'), 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
};

await main(async (browser) => {
  // The vip queue's offers expire after 5 seconds (the floor's shortest).
  let r = await admin('PATCH', '/v1/queues/vip', { offer_timeout_seconds: 5 });
  check(r.status === 200, 'PATCH /v1/queues/vip: ' + r.status + ' ' + JSON.stringify(r.body));

  const agent = await newPage(browser, 'agent');
  await signIn(agent, env('AGENT_USER'), env('AGENT_PASSWORD'));
  await agent.getByTestId('live').filter({ hasText: 'live' }).waitFor();
  await agent.getByRole('button', { name: 'Available' }).click();
  await agent.locator('button.state.available[aria-pressed="true"]').waitFor();

  r = await admin('POST', '/v1/contacts', { channel: 'chat', queue: 'vip', customer_id: 'cust-late' });
  check(r.status === 201, 'POST /v1/contacts: ' + r.status + ' ' + JSON.stringify(r.body));
  const id = r.body.id;
  const offer = agent.locator(`.offer[data-contact="${id}"]`);
  await offer.waitFor();
  const first = (await admin('GET', '/v1/contacts/' + id)).body.offer;
  check(first?.id, 'the contact has no offer');
  step('an offer from vip rings (expires in 5 s)');

  // Hold the accept back until the platform has taken the offer back.
  await agent.route('**/v1/contacts/*/accept', async (route) => {
    for (let i = 0; i < 200; i++) {
      const c = (await admin('GET', '/v1/contacts/' + id)).body;
      if (c.offer?.id !== first.id) break;
      await new Promise((res) => setTimeout(res, 100));
    }
    await route.continue();
  });
  const answered = agent.waitForResponse((res) => res.url().endsWith(`/v1/contacts/${id}/accept`));
  await offer.getByRole('button', { name: 'Accept' }).click();
  const res = await answered;
  check(res.status() === 409, 'accepting the expired offer answered ' + res.status());
  const problem = await res.json();
  check(problem.type.endsWith('offer-gone'), 'problem type ' + problem.type);
  await agent.getByRole('alert').filter({ hasText: 'That offer is gone: it timed out or went to another agent.' }).waitFor();
  step('accepting it after it timed out: 409 offer-gone, and the desktop says the offer is gone');

  const after = (await admin('GET', '/v1/contacts/' + id)).body;
  check(!(after.state === 'assigned' && after.offer?.id === first.id), 'the stale offer assigned the contact');
  check(!(await agent.locator(`article.chat[data-contact="${id}"]`).count()), 'a chat opened for the stale offer');
  step(`nothing changed: the contact is ${after.state}${after.agent_id ? ' (' + after.agent_id + ')' : ''}, no chat opened`);

  await agent.unroute('**/v1/contacts/*/accept');
  await agent.getByRole('button', { name: 'Break' }).click();
  await agent.locator('button.state.break[aria-pressed="true"]').waitFor();
});
