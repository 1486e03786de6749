// The supervisor steers the floor from the wallboard: puts an agent on a break (the agent's desktop
// follows live), moves a waiting contact to another queue, and puts the agent back to work, who
// then gets the contact from its new queue and wraps it up.
import { main, newPage, signIn, env, base, check, step } from './lib.mjs';

const CUSTOMER = 'cust-moved';

await main(async (browser) => {
  const agent = await newPage(browser, 'agent');
  await signIn(agent, env('AGENT_USER'), env('AGENT_PASSWORD'));
  await agent.getByTestId('live').filter({ hasText: 'live' }).waitFor();

  const sup = await newPage(browser, 'supervisor');
  await signIn(sup, env('SUPERVISOR_USER'), env('SUPERVISOR_PASSWORD'));
  await sup.getByTestId('live').filter({ hasText: 'live' }).waitFor();
  const row = sup.getByTestId('agents').locator('tr', { hasText: 'Agent One' });
  await row.waitFor();
  await row.getByRole('combobox').selectOption('break');
  await agent.locator('button.state.break[aria-pressed="true"]').waitFor();
  await row.locator('.pill.break').waitFor();
  step('the supervisor puts the agent on a break; the desktop shows it at once');

  // The demo tenant's forecasts were published at start: the wallboard draws today's beside the
  // arrivals.
  const line = sup.getByTestId('forecast');
  await line.waitFor();
  check(Number(await line.getAttribute('data-total')) > 0, "today's forecast on the wallboard is empty");
  step("today's forecast is drawn beside the arrivals");

  // A partner's system hands over a contact (POST /v1/contacts, the tenant's key).
  const res = await fetch(base() + '/v1/contacts', {
    method: 'POST',
    headers: { Authorization: 'Bearer ' + env('DEMO_KEY'), 'Content-Type': 'application/json' },
    body: JSON.stringify({ channel: 'chat', queue: 'general', customer_id: CUSTOMER, intent: 'lost_card' }),
  });
  const text = await res.text();
  check(res.status === 201, 'POST /v1/contacts answered ' + res.status + ' ' + text);
  const contact = JSON.parse(text);
  await sup.getByTestId('waiting-contacts').locator('tr', { hasText: CUSTOMER }).waitFor();
  step('a partner hands a contact over; it waits in general');

  await row.getByRole('combobox').selectOption('available');
  await agent.locator('button.state.available[aria-pressed="true"]').waitFor();
  let offer = agent.locator(`.offer[data-contact="${contact.id}"]`);
  await offer.getByRole('button', { name: 'Accept' }).click();
  let chat = agent.locator(`article.chat[data-contact="${contact.id}"]`);
  await chat.getByTestId('profile').getByText(CUSTOMER).first().waitFor();
  step('back to work, the agent is offered the contact and accepts it');

  const handled = sup.getByTestId('handled-contacts').locator('tr', { hasText: CUSTOMER });
  await handled.filter({ hasText: 'assigned' }).waitFor();
  await handled.getByRole('combobox').selectOption('q:cards');
  await handled.getByRole('button', { name: 'Move' }).click();
  await chat.waitFor({ state: 'detached' });
  step('the supervisor moves it to the cards queue: it leaves the desktop');

  offer = agent.locator(`.offer[data-contact="${contact.id}"]`, { hasText: 'queue cards' });
  await offer.getByRole('button', { name: 'Accept' }).click();
  chat = agent.locator(`article.chat[data-contact="${contact.id}"]`);
  await chat.getByText('queue cards').waitFor();
  step('the agent, who has the cards skill, is offered it from cards and accepts');

  await chat.getByRole('button', { name: 'End chat' }).click();
  await chat.getByLabel('Disposition').selectOption('follow_up');
  await chat.getByRole('button', { name: 'Wrap up' }).click();
  await chat.waitFor({ state: 'detached' });
  step('wrapped up (follow-up needed)');

  // The satisfaction figures (GET /v1/voc/satisfaction) per queue, then per resolution.
  const panel = sup.getByRole('region', { name: 'Satisfaction' });
  await panel.locator('[data-by="queue"]').waitFor();
  await panel.getByLabel('Satisfaction by').selectOption('resolution');
  await panel.locator('[data-by="resolution"]').waitFor();
  step('the satisfaction panel reads the figures per queue and per resolution');
});
