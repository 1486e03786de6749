// The human path end to end: a customer in the widget talks to the bot, then asks for a person;
// the supervisor's wallboard shows the contact waiting; the agent goes available, hears the offer,
// accepts it, sees the transcript and the customer's profile, clicks a suggested reply and sends
// it; the customer sees it live; the wallboard shows the contact answered; the agent wraps up.
import { main, newPage, signIn, env, check, step, shot } from './lib.mjs';

const CUSTOMER = env('CUSTOMER_ID');

await main(async (browser) => {
  const sup = await newPage(browser, 'supervisor');
  await signIn(sup, env('SUPERVISOR_USER'), env('SUPERVISOR_PASSWORD'));
  await sup.getByRole('region', { name: 'Queues' }).waitFor();
  await sup.getByTestId('live').filter({ hasText: 'live' }).waitFor();
  step('the supervisor watches the wallboard, live');

  const agent = await newPage(browser, 'agent');
  await signIn(agent, env('AGENT_USER'), env('AGENT_PASSWORD'));
  await agent.getByTestId('live').filter({ hasText: 'live' }).waitFor();
  await agent.getByRole('button', { name: 'Break' }).click();
  await agent.locator('button.state.break[aria-pressed="true"]').waitFor();
  step('the agent signs in and takes a break');

  // The customer: the bot first, then a person.
  const cust = await newPage(browser, 'customer', { width: 460, height: 720 });
  await cust.goto(env('WIDGET_URL') + '&lang=en&customer=' + encodeURIComponent(CUSTOMER));
  await cust.getByRole('button', { name: 'Start chat' }).click();
  await cust.locator('.m.bot').first().waitFor();
  step('the widget starts a conversation; the bot greets: ' + (await cust.locator('.m.bot').first().textContent()));
  const say = async (text) => {
    await cust.getByPlaceholder('Type a message…').fill(text);
    await cust.getByRole('button', { name: 'Send' }).click();
  };
  const said = async (text) => {
    const n = await cust.locator('.m.bot').count();
    await say(text);
    await cust.locator('.m.bot').nth(n).waitFor();
  };
  await said('I lost my card');
  await said('1234');
  step('the bot runs the lost-card flow and collects the card digits');
  await say('I want to talk to a person');
  await cust.getByText('Connecting you to a person…').waitFor();
  step('the customer asks for a person: handed off');

  // The wallboard shows the contact waiting.
  await sup.waitForFunction(() => [...document.querySelectorAll('[data-testid=queues] [data-testid=waiting]')].some((td) => Number(td.textContent) >= 1));
  await sup.getByTestId('waiting-contacts').getByText(CUSTOMER).waitFor();
  step('the wallboard shows the contact waiting');
  await shot(sup, 'console-wallboard-waiting.png');

  // The agent goes available: an offer rings.
  await agent.getByRole('button', { name: 'Available' }).click();
  const offer = agent.locator('.offer');
  await offer.waitFor();
  check((await offer.textContent()).includes('I want to talk to a person'), "the offer does not preview the customer's last message");
  const beeps = await agent.evaluate(() => window.__lingxiBeeps || 0);
  check(beeps >= 1, 'the offer made no sound');
  step('the offer rings with a countdown of ' + (await offer.getByTestId('countdown').textContent()));
  await offer.getByRole('button', { name: 'Accept' }).click();
  const chat = agent.locator('article.chat:not([hidden])');
  await chat.getByTestId('transcript').getByText('I want to talk to a person').waitFor();
  await chat.getByTestId('transcript').locator('.msg.bot').first().waitFor();
  await chat.getByTestId('profile').getByText(CUSTOMER).first().waitFor();
  step('accepted: the desktop shows the transcript (bot and customer) and the profile (the id the visitor claimed, unverified)');
  await chat.getByTestId('intent').getByText('lost_card').waitFor();
  // The slots: a handoff ends the bot's flow and with it the slots it held (shared/conversation's
  // handoff drops the running flow), so GET /v1/contacts/{id} has none to show here yet.
  const slots = (await chat.getByTestId('intent').textContent()).includes('1234') ? ' and the slots (card_last4 1234)' : ' (the handoff left no slots)';
  step('the desktop shows the intent the bot recognised' + slots);

  // The customer asks something the knowledge base answers; the desktop suggests the answer.
  await say('how do I reset my online banking password');
  await chat.getByTestId('transcript').getByText('how do I reset my online banking password').waitFor();
  step("the customer's message reaches the desktop live");
  // Suggestions follow the customer's last message: wait for those of this one.
  const suggestion = chat.locator('[data-testid=suggestions][data-for="how do I reset my online banking password"] button.suggestion').filter({ hasText: 'Forgot password' }).first();
  await suggestion.waitFor();
  await suggestion.click();
  const reply = await chat.locator('textarea[name=reply]').inputValue();
  check(reply.includes('Forgot password'), 'the suggested reply is not in the reply box: ' + reply);
  step('a suggested reply from the knowledge base goes into the reply box');
  await chat.getByRole('button', { name: 'Canned responses' }).click();
  await chat.getByRole('dialog', { name: 'Canned responses' }).getByText('Anything else?').waitFor();
  await chat.getByRole('button', { name: 'Canned responses' }).click();
  step("the tenant's canned responses are at hand");
  await shot(agent, 'console-desktop.png');
  await chat.getByRole('button', { name: 'Send', exact: true }).click();
  await chat.getByTestId('transcript').locator('.msg.agent').filter({ hasText: 'Forgot password' }).waitFor();

  await cust.locator('.m.agent').filter({ hasText: 'Forgot password' }).waitFor();
  step('the customer sees the reply in the widget, live');
  await shot(cust, 'widget.png');

  // The wallboard shows the contact answered.
  await sup.waitForFunction(() => [...document.querySelectorAll('[data-testid=queues] [data-testid=answered]')].some((td) => Number(td.textContent) >= 1));
  await sup.getByText('Nobody is waiting.').waitFor();
  step('the wallboard shows the contact answered and nobody waiting');
  await shot(sup, 'console-wallboard.png');

  // Wrap-up.
  await chat.getByRole('button', { name: 'End chat' }).click();
  await chat.getByLabel('Disposition').selectOption('resolved');
  await chat.getByRole('button', { name: 'Wrap up' }).click();
  await agent.locator('article.chat').waitFor({ state: 'detached' });
  step('the agent wraps up with a disposition; the chat leaves the desktop');

  // The wrap-up ended the conversation: the customer's next message finds it ended.
  await cust.getByPlaceholder('Type a message…').fill('thanks!');
  await cust.getByRole('button', { name: 'Send' }).click();
  await cust.getByText('This chat has ended.').waitFor();
  step('the widget shows the chat ended');
});
