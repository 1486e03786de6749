// The weekly VOC report in the console: the supervisor opens Reports, builds last week's report,
// and reads its HTML in the page: the charts are drawn (inline SVG with bars) and the figures are
// there — the contacts and transactions the test imported for WEEK (CONTACTS, TRANSACTIONS) and
// the contact rate per 10,000 transactions computed from them (RATE). The PDF link downloads a PDF.
import { main, newPage, signIn, env, check, step, shot } from './lib.mjs';

const WEEK = env('WEEK');
const TRANSACTIONS = env('TRANSACTIONS');
const CONTACTS = env('CONTACTS');
const RATE = env('RATE');

await main(async (browser) => {
  const sup = await newPage(browser, 'supervisor');
  await signIn(sup, env('SUPERVISOR_USER'), env('SUPERVISOR_PASSWORD'));
  await sup.getByRole('link', { name: 'Reports' }).click();
  const panel = sup.getByRole('region', { name: 'Reports' });
  await panel.waitFor();
  await panel.getByRole('button', { name: "Build last week's report" }).click();
  const row = panel.locator(`tr[data-week="${WEEK}"]`);
  await row.waitFor();
  const rate = (await row.locator('td').nth(3).innerText()).trim();
  check(rate === RATE, `the list shows the contact rate ${rate}, want ${RATE}`);
  step(`the supervisor builds ${WEEK}'s report; the list shows it with its contact rate ${rate}`);

  await row.getByRole('button', { name: 'HTML' }).click();
  const report = sup.frameLocator(`iframe[title="Report ${WEEK}"]`);
  await report.locator('#headline').waitFor();
  const charts = report.locator('svg.chart');
  check((await charts.count()) >= 3, `${await charts.count()} charts in the report`);
  const bars = report.locator('svg.chart').first().locator('rect > title');
  check((await bars.count()) === 7, `the contacts chart has ${await bars.count()} bars, want one a day`);
  const headline = await report.locator('#headline').innerText();
  check(headline.includes(TRANSACTIONS), `the headline lacks the ${TRANSACTIONS} transactions imported: ${headline}`);
  check(headline.includes(CONTACTS), `the headline lacks the ${CONTACTS} contacts: ${headline}`);
  check(headline.includes('万求率') && headline.includes(rate), `the headline lacks the rate ${rate}: ${headline}`);
  check((await report.locator('#subtitle').innerText()).includes(WEEK), 'the subtitle names another week');
  step('the HTML report opens in the page with its charts, the imported transactions and the rate');
  await shot(sup, 'console-reports.png');

  const [download] = await Promise.all([sup.waitForEvent('download'), row.getByRole('button', { name: 'PDF' }).click()]);
  check(download.suggestedFilename() === `voc-${WEEK}.pdf`, 'the PDF is named ' + download.suggestedFilename());
  const path = await download.path();
  const { readFileSync } = await import('node:fs');
  check(readFileSync(path).subarray(0, 5).toString() === '%PDF-', 'the download is not a PDF');
  step('the PDF link downloads the PDF');
});
