// The wallboard's Quality alerts panel (docs/quality.md): the supervisor watches it; the test
// (infra/console) pushes a qa_violation of the demo tenant to supervisors as the feedback
// function's inspector does when a running contact breaks a live rule; the panel lists it with its
// rule, agent, contact, detail and time, and its Score button reads GET /v1/qa/contacts/{id}
// (not scored while the contact runs).
//
// The script and the Go test take turns over stdin/stdout: the script prints "@@ <what>" when the
// page is ready and waits for the line "go" that says the violation is pushed.
import { createInterface } from 'node:readline';
import { main, newPage, signIn, env, check, step } from './lib.mjs';

const CONTACT = env('QA_CONTACT');
const RULE = env('QA_RULE_NAME');
const AGENT = env('QA_AGENT');
const DETAIL = env('QA_DETAIL');

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
    await signIn(sup, env('SUPERVISOR_USER'), env('SUPERVISOR_PASSWORD'));
    await sup.getByTestId('live').filter({ hasText: 'live' }).waitFor();
    const panel = sup.getByRole('region', { name: 'Quality alerts' });
    await panel.waitFor();
    const row = panel.locator(`tr[data-contact="${CONTACT}"]`);
    check((await row.count()) === 0, 'the violation is on the panel before it is pushed');
    step('the wallboard shows the Quality alerts panel, without this violation');

    await ask('push');
    await row.waitFor();
    await row.getByText(RULE).waitFor();
    await row.getByText(AGENT).waitFor();
    await row.getByText(CONTACT).waitFor();
    await row.getByText(DETAIL).waitFor();
    check((await row.getAttribute('data-rule')) === 'forbidden-words', 'the row is of rule ' + (await row.getAttribute('data-rule')));
    step('qa_violation: the panel lists the violation with its rule, agent, contact and detail');

    await row.getByRole('button', { name: 'Score' }).click();
    await row.getByTestId('qa-score').filter({ hasText: 'not scored yet' }).waitFor();
    step('Score: the running contact is not scored yet (GET /v1/qa/contacts/{id} is 404)');
  });
} finally {
  rl.close();
}
