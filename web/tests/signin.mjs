// Sign-in: a wrong password is refused with a clear message; the agent signs in to the desktop
// and stays signed in on reload; a revoked session sends them back to the sign-in page; a
// supervisor lands on the wallboard; signing out ends the session.
import { main, newPage, signIn, env, base, check, step } from './lib.mjs';

await main(async (browser) => {
  const page = await newPage(browser, 'agent');
  await page.goto(base() + '/console/?tenant=' + env('TENANT'));
  check((await page.getByLabel('Tenant').inputValue()) === env('TENANT'), 'the tenant is not taken from the address');
  await page.getByLabel('Login name').fill(env('AGENT_USER'));
  await page.getByLabel('Password').fill('not the password at all');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').filter({ hasText: 'Wrong tenant, login name or password' }).waitFor();
  check((await page.evaluate(() => sessionStorage.getItem('lingxi.session'))) === null, 'a refused sign-in stored a session');
  step('a wrong password is refused and nothing is stored');

  await signIn(page, env('AGENT_USER'), env('AGENT_PASSWORD'));
  const who = await page.getByTestId('who').textContent();
  check(who.includes('agent') && who.includes(env('TENANT')), `header says ${who}`);
  await page.getByRole('region', { name: 'My state' }).waitFor();
  step('the agent signs in to the desktop: ' + who);
  const cfg = await (await fetch(base() + '/console/config.json')).json();
  if (cfg.websocket) {
    await page.getByTestId('live').filter({ hasText: 'live' }).waitFor();
    step('the desktop holds a WebSocket open to ' + cfg.websocket);
  }

  await page.reload();
  await page.getByTestId('who').waitFor();
  step('a reload keeps the session');

  // The session is ended on the server (as an admin would, or an expiry): the console notices.
  const status = await page.evaluate(async () => {
    const s = JSON.parse(sessionStorage.getItem('lingxi.session'));
    const r = await fetch('/v1/sessions/current', { method: 'DELETE', headers: { Authorization: 'Bearer ' + s.token } });
    return r.status;
  });
  check(status === 204 || status === 200, `DELETE /v1/sessions/current answered ${status}`);
  await page.reload();
  await page.getByText('Your session has ended. Sign in again.').waitFor();
  step('a revoked session returns to the sign-in page with a notice');

  const sup = await newPage(browser, 'supervisor');
  await signIn(sup, env('SUPERVISOR_USER'), env('SUPERVISOR_PASSWORD'));
  await sup.getByRole('region', { name: 'Queues' }).waitFor();
  check((await sup.getByTestId('who').textContent()).includes('supervisor'), 'not signed in as a supervisor');
  step('the supervisor lands on the wallboard');

  await sup.getByRole('button', { name: 'Sign out' }).click();
  await sup.getByText('You are signed out.').waitFor();
  step('signing out returns to the sign-in page');
});
