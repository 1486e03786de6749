// The dispatch engine's strategies on the wallboard: the supervisor watches the Strategies panel;
// the test (infra/console) puts a dispatch.strategy "activated" event on the stream, the live
// function folds it and pushes the figures, and the panel shows the strategy with its queue, since,
// reason and source; then a "withdrawn" event of the same activation takes it off.
//
// The script and the Go test take turns over stdin/stdout: the script prints "@@ <what>" when the
// page is ready for the next event and waits for the line "go" that says the event is on the
// stream.
import { createInterface } from 'node:readline';
import { main, newPage, signIn, env, check, step, shot } from './lib.mjs';

const ACTIVATION = env('ACTIVATION_ID');
const QUEUE = env('STRATEGY_QUEUE');
const REASON = env('STRATEGY_REASON');

const rl = createInterface({ input: process.stdin });
const lines = rl[Symbol.asyncIterator]();
async function ask(what) {
  console.log('@@ ' + what);
  const { value, done } = await lines.next();
  check(!done && value.trim() === 'go', `the test did not put the ${what} event on the stream (got ${done ? 'EOF' : value})`);
}

try {
  await main(async (browser) => {
    const sup = await newPage(browser, 'supervisor');
    // Every wallboard push the page receives, to check that the strategy came live.
    const pushed = [];
    sup.on('websocket', (ws) =>
      ws.on('framereceived', ({ payload }) => {
        try {
          const m = JSON.parse(String(payload));
          if (m.type === 'wallboard') pushed.push(m);
        } catch {
          // not JSON: not a wallboard message
        }
      }),
    );
    await signIn(sup, env('SUPERVISOR_USER'), env('SUPERVISOR_PASSWORD'));
    await sup.getByTestId('live').filter({ hasText: 'live' }).waitFor();
    const panel = sup.getByRole('region', { name: 'Strategies' });
    await panel.waitFor();
    // The stack's own engine runs every minute and may have real strategies in force for the
    // contacts the other console tests left waiting: only this test's activation is checked.
    const row = panel.locator(`tr[data-activation="${ACTIVATION}"]`);
    check((await row.count()) === 0, 'the activation is on the panel before its event');
    step('the wallboard shows the Strategies panel, without this activation');

    await ask('activate');
    await row.waitFor();
    check((await row.getAttribute('data-queue')) === QUEUE, 'the row names queue ' + (await row.getAttribute('data-queue')));
    check((await row.getAttribute('data-strategy')) === 'overflow', 'the row names strategy ' + (await row.getAttribute('data-strategy')));
    await row.getByText('Overflow to backup skills').waitFor();
    await row.getByText(REASON).waitFor();
    await row.locator('.pill.engine').waitFor();
    check(
      pushed.some((m) => Array.isArray(m.strategies) && m.strategies.some((s) => s.activation_id === ACTIVATION)),
      'no wallboard push carried the activation',
    );
    step('a dispatch.strategy activated event: the panel lists the overflow on ' + QUEUE + ' (pushed live)');
    await shot(sup, 'console-wallboard-strategies.png');

    await ask('withdraw');
    await row.waitFor({ state: 'detached' });
    step('withdrawn: the strategy leaves the panel');
  });
} finally {
  rl.close();
}
