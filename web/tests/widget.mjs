// The chat widget against the bot: a conversation through the widget route, the bot's answers,
// a flow's quick replies, the conversation kept over a reload, ending it, the guessed questions of
// the next one, and a handoff ("Connecting you to a person…").
import { main, newPage, env, check, step } from './lib.mjs';

await main(async (browser) => {
  const cust = await newPage(browser, 'customer', { width: 460, height: 720 });
  await cust.goto(env('WIDGET_URL') + '&lang=en&customer=cust-widget');
  await cust.getByRole('button', { name: 'Start chat' }).click();
  await cust.locator('.m.bot').first().waitFor();
  step('the bot greets: ' + (await cust.locator('.m.bot').first().textContent()));

  const say = async (text) => {
    const n = await cust.locator('.m.bot').count();
    await cust.getByPlaceholder('Type a message…').fill(text);
    await cust.getByRole('button', { name: 'Send' }).click();
    await cust.locator('.m.bot').nth(n).waitFor();
    return (await cust.locator('.m.bot').allTextContents()).slice(n).join(' / ');
  };
  step('lost card: ' + (await say('I lost my card')));
  step('card digits: ' + (await say('1234')));
  const quick = cust.getByRole('group', { name: 'Quick replies' }).or(cust.locator('[aria-label="Quick replies"]')).locator('button');
  await quick.first().waitFor();
  const options = await quick.allTextContents();
  const n = await cust.locator('.m.bot').count();
  await quick.first().click();
  await cust.locator('.m.bot').nth(n).waitFor();
  check((await cust.locator('.m.customer').last().textContent()) === options[0], 'the quick reply was not sent as the customer');
  step(`quick replies [${options.join(', ')}]: tapped "${options[0]}"`);

  await cust.reload();
  await cust.locator('.m.customer').filter({ hasText: '1234' }).waitFor();
  step('a reload keeps the conversation');

  await cust.getByRole('button', { name: 'End chat' }).click();
  await cust.getByText('This chat has ended.').waitFor();
  await cust.getByRole('button', { name: 'New chat' }).click();
  await cust.getByRole('button', { name: 'Start chat' }).click();
  await cust.locator('.m.bot').first().waitFor();
  const guesses = cust.locator('[aria-label="You may want to ask"] button');
  await guesses.first().waitFor();
  const guessed = await guesses.allTextContents();
  const before = await cust.locator('.m.bot').count();
  await guesses.first().click();
  await cust.locator('.m.bot').nth(before).waitFor();
  step(`the next chat guesses [${guessed.join(', ')}]; tapping one gets its answer: ${await cust.locator('.m.bot').nth(before).textContent()}`);

  await cust.getByPlaceholder('Type a message…').fill('I want to talk to a person');
  await cust.getByRole('button', { name: 'Send' }).click();
  await cust.getByText('Connecting you to a person…').waitFor();
  step('asking for a person hands the chat off');

  // The customer leaves before anyone answers: the contact is abandoned, not left waiting.
  await cust.getByRole('button', { name: 'End chat' }).click();
  await cust.getByText('This chat has ended.').waitFor();
  step('the customer ends the chat while waiting');
});
