// Shared by the browser tests: Debian's chromium through playwright-core (no browser download),
// headless, with background networking off; pages only ever reach the local stack on loopback.
// infra/console (go test) starts the stack and runs each script with its addresses and the demo
// people's credentials in the environment; a script exits non-zero with the reason on failure.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

export const env = (name) => {
  const v = process.env[name];
  if (v === undefined) throw new Error(`${name} is not set (run through go test ./infra/console)`);
  return v;
};

export const base = () => env('BASE_URL');

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: [
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-default-apps',
      '--disable-sync',
      '--no-first-run',
      '--no-default-browser-check',
      '--autoplay-policy=no-user-gesture-required',
    ],
  });
}

// newPage opens a page in a fresh context (its own storage: one person each) and fails the test
// on any uncaught error in the page.
export async function newPage(browser, name, viewport = { width: 1360, height: 860 }) {
  const ctx = await browser.newContext({ viewport, locale: 'en-US' });
  const page = await ctx.newPage();
  page.setDefaultTimeout(20000);
  page.on('pageerror', (err) => {
    console.error(`[${name}] page error: ${err.message}`);
    process.exitCode = 1;
  });
  page.on('console', (m) => {
    if (m.type() === 'error') console.error(`[${name}] console: ${m.text()}`);
  });
  return page;
}

export function check(cond, msg) {
  if (!cond) throw new Error(msg);
}

export function step(msg) {
  console.log('ok - ' + msg);
}

// signIn signs in on the console's form and waits for the header that names the person.
export async function signIn(page, username, password) {
  await page.goto(base() + '/console/?tenant=' + env('TENANT'));
  await page.getByLabel('Tenant').fill(env('TENANT'));
  await page.getByLabel('Login name').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('who').waitFor();
}

// shot saves a screenshot into $SCREENSHOTS when it is set (make screenshots: docs/).
export async function shot(page, name) {
  const dir = process.env.SCREENSHOTS;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, name), fullPage: false });
  step('screenshot ' + name);
}

// main runs a test body with a browser and reports its failure.
export async function main(body) {
  const browser = await launch();
  try {
    await body(browser);
  } catch (err) {
    console.error('FAIL: ' + (err?.stack || err));
    process.exitCode = 1;
  } finally {
    await browser.close();
  }
}
