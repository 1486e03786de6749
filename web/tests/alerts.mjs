// The wallboard's Alerts panel (docs/voc.md): the supervisor watches it; the test (infra/console)
// raises a spike alert of the demo tenant as the feedback function does (alert.raised through the
// outbox), the feedback function pushes it, and the panel shows it live with its name, size and
// examples; the supervisor acknowledges it, assigns it to themself and resolves it, each step
// shown, and the resolved alert leaves the panel.
//
// The script and the Go test take turns over stdin/stdout: the script prints "@@ <what>" when the
// page is ready and waits for the line "go" that says the alert is raised.
import { createInterface } from 'node:readline';
import { main, newPage, signIn, env, check, step, shot } from './lib.mjs';

const KEY = env('ALERT_KEY');
const NAME = env('ALERT_NAME');
const EXAMPLE = env('ALERT_EXAMPLE');

const rl = createInterface({ input: process.stdin });
const lines = rl[Symbol.asyncIterator]();
async function ask(what) {
  console.log('@@ ' + what);
  const { value, done } = await lines.next();
  check(!done && value.trim() === 'go', `the test did not ${what} (got ${done ? 'EOF' : value})`);
}

try {
  await main(async (browser) => {
    const sup = await newPage(browser, 'supervisor');
    const pushed = [];
    sup.on('websocket', (ws) =>
      ws.on('framereceived', ({ payload }) => {
        try {
          const m = JSON.parse(String(payload));
          if (m.type === 'alert') pushed.push(m);
        } catch {
          // not JSON: not an alert message
        }
      }),
    );
    await signIn(sup, env('SUPERVISOR_USER'), env('SUPERVISOR_PASSWORD'));
    await sup.getByTestId('live').filter({ hasText: 'live' }).waitFor();
    const panel = sup.getByRole('region', { name: 'Alerts', exact: true });
    await panel.waitFor();
    const row = panel.locator(`tr[data-key="${KEY}"]`);
    check((await row.count()) === 0, 'the alert is on the panel before it is raised');
    step('the wallboard shows the Alerts panel, without this alert');

    await ask('raise');
    await row.waitFor();
    await row.getByText(NAME).waitFor();
    await row.getByText(EXAMPLE).first().waitFor();
    check((await row.getAttribute('data-state')) === 'open', 'the new alert is ' + (await row.getAttribute('data-state')));
    check(
      pushed.some((m) => m.alert && m.alert.key === KEY),
      'no alert push carried the alert',
    );
    step('alert.raised: the panel lists the alert on ' + KEY + ' (pushed live), with its examples');
    await shot(sup, 'console-wallboard-alerts.png');

    await row.getByRole('button', { name: 'Acknowledge' }).click();
    await panel.locator(`tr[data-key="${KEY}"][data-state="acknowledged"]`).waitFor();
    step('acknowledged');
    await row.getByRole('button', { name: 'Assign to me' }).click();
    await panel.locator(`tr[data-key="${KEY}"][data-state="assigned"]`).waitFor();
    await row.getByText('you').waitFor();
    step('assigned to the supervisor');
    await row.getByRole('button', { name: 'Resolve' }).click();
    await row.waitFor({ state: 'detached' });
    step('resolved: the alert leaves the panel');
  });
} finally {
  rl.close();
}
