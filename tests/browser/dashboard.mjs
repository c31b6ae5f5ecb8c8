// The dashboard in a real browser: headless Chromium (Debian's `chromium`, or $CHROMIUM) driven
// by playwright-core. Usage: node dashboard.mjs http://127.0.0.1:PORT [screenshot.png]
//
// It loads the page, logs in as the operator, places orders through the protocol over a second
// WebSocket (a participant's own connection, opened inside the page), and checks that the
// ladder, the tape and a surveillance alert appear, that the books stay in sync (checksums),
// that the language toggle works, and that halting an instrument through the UI (with its
// confirmation) halts it. It saves a screenshot for a person to look at.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const base = process.argv[2];
if (!base) {
  console.error('usage: node dashboard.mjs http://HOST:PORT [screenshot.png]');
  process.exit(2);
}
const shot = process.argv[3] || path.resolve(here, '../../target/dashboard.png');
const INST = 'LS-FCS-2024';
// Whatever happens, never hang the test that runs this script.
setTimeout(() => { console.error('dashboard test: timed out'); process.exit(3); }, 120_000).unref();

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-dev-shm-usage'],
});
const errors = [];
try {
  const page = await browser.newPage({ viewport: { width: 1480, height: 1400 }, locale: 'en-GB' });
  page.setDefaultTimeout(15_000);
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()}`); });

  await page.goto(base);
  expect((await page.textContent('#instruments thead th')).includes('品种'), 'Chinese first');
  await page.click('#lang');
  await page.waitForSelector(`#instruments tr[data-instrument="${INST}"][data-ready="true"]`);
  step('page loaded, anonymous read-only view in sync');

  await page.fill('#apikey', 'demo-operator');
  await page.click('#login');
  await page.waitForSelector('body[data-role="operator"]');
  await page.click(`#instruments tr[data-instrument="${INST}"]`);
  step('logged in as operator');

  const wsUrl = base.replace(/^http/, 'ws') + '/ws';
  const replies = await page.evaluate(participantOrders, { wsUrl, inst: INST });
  const codes = replies.map((r) => `${r.type}:${r.status || r.code || ''}`);
  step(`orders placed: ${codes.join(', ')}`);
  expect(codes.filter((c) => c === 'reject:PRICE_OUTSIDE_BAND').length === 1, `one band reject in ${codes}`);

  await page.waitForSelector('#ladder tr.ask');
  await page.waitForSelector('#ladder tr.bid');
  const ladder = await page.$$eval('#ladder tr.ask, #ladder tr.bid', (rows) => rows.map((r) => r.textContent));
  expect(ladder.some((r) => r.includes('51.00')), `ask 51.00 in the ladder: ${ladder}`);
  expect(ladder.some((r) => r.includes('49.00')), `bid 49.00 in the ladder: ${ladder}`);
  step(`ladder: ${ladder.length} levels`);

  await page.waitForSelector(`#tape tbody tr:has-text("${INST}")`);
  const tape = await page.$$eval('#tape tbody tr', (rows) => rows.map((r) => r.textContent));
  expect(tape.some((r) => r.includes('50.50')), `trade at 50.50 on the tape: ${tape}`);
  step(`tape: ${tape.length} trades`);

  await page.waitForSelector('#alerts li[data-kind="price_band_hit"]');
  const alert = await page.textContent('#alerts li[data-kind="price_band_hit"]');
  const named = await page.$eval('#alerts li[data-kind="price_band_hit"] [data-account]', (e) => [e.dataset.account, e.textContent]);
  expect(alert.includes(INST) && named[0] === 'zj-cement' && named[1] === 'Zhejiang Cement Co.', `alert names the instrument and the account, by its name: ${alert} ${named}`);
  step(`alert: ${alert.trim()}`);

  const last = await page.textContent(`#instruments tr[data-instrument="${INST}"] td.last`);
  expect(last.includes('50.50'), `last price 50.50: ${last}`);
  const ready = await page.$$eval('#instruments tbody tr', (rows) => rows.map((r) => r.dataset.ready));
  expect(ready.every((r) => r === 'true'), `every book in sync (checksums): ${ready}`);

  expect((await page.textContent('#instruments thead th')).includes('Instrument'), 'English labels');
  await page.click('#lang');
  expect((await page.textContent('#instruments thead th')).includes('品种'), 'Chinese labels');
  await page.click('#lang');
  expect((await page.textContent('#instruments thead th')).includes('Instrument'), 'English labels again');
  step('language toggle');

  // Another account's reply with the req_id of one of ours must never be taken for ours.
  const matched = await page.evaluate(() => {
    let got = null;
    S.pending.set(9999, (m) => { got = m; });
    onMessage({ to: 'zj-cement', type: 'reject', req_id: 9999, code: 'INSUFFICIENT_HOLDINGS', message: 'x' });
    onMessage({ to: S.account, type: 'done', req_id: 9999, op: 'set_phase' });
    return got && got.type;
  });
  expect(matched === 'done', `only the session's own reply answers its request: ${matched}`);
  step("another account's reply is not taken for ours");

  await page.click('#op-halt');
  await page.waitForSelector('#confirm[open]');
  const question = await page.textContent('#confirm-text');
  expect(question.includes(INST), `confirmation names the instrument: ${question}`);
  await page.click('#confirm-ok');
  await page.waitForSelector(`#instruments tr[data-instrument="${INST}"][data-phase="halted"]`);
  await page.waitForSelector('#sel-phase[data-phase="halted"]');
  const said = await page.$eval('#notice', (n) => ({ text: n.textContent, error: n.className === 'error' }));
  expect(!said.error && /set_phase/.test(said.text), `the halt's own answer is shown: ${JSON.stringify(said)}`);
  step('halted through the UI after confirmation');

  mkdirSync(path.dirname(shot), { recursive: true });
  await page.screenshot({ path: shot, fullPage: true });
  step(`screenshot: ${shot}`);
  expect(errors.length === 0, `no page errors: ${errors.join('\n')}`);
  console.log('dashboard ok');
} catch (e) {
  console.error(`dashboard test failed: ${e.stack || e}`);
  if (errors.length) console.error(errors.join('\n'));
  process.exitCode = 1;
} finally {
  await browser.close();
}

function step(what) { console.log(`- ${what}`); }
function expect(ok, what) { if (!ok) throw new Error(`expected ${what}`); }

// Runs inside the page: two participants' own sessions, one request at a time, each waiting
// for its direct reply (matched by req_id). Returns the replies.
async function participantOrders({ wsUrl, inst }) {
  const session = (key, requests) => new Promise((resolve, reject) => {
    const ws = new WebSocket(wsUrl);
    const replies = [];
    let next = 0;
    const sendNext = () => {
      if (next === requests.length) { ws.close(); resolve(replies); return; }
      next += 1;
      ws.send(JSON.stringify({ ...requests[next - 1], req_id: next }));
    };
    ws.onopen = () => ws.send(JSON.stringify({ op: 'login', req_id: 0, api_key: key }));
    ws.onmessage = (ev) => {
      const m = JSON.parse(ev.data);
      if (m.req_id === undefined) return;
      if (m.req_id === 0 && m.type !== 'login') { reject(new Error(`login: ${ev.data}`)); return; }
      if (m.req_id !== 0) replies.push(m);
      sendNext();
    };
    ws.onerror = () => reject(new Error('websocket error'));
  });
  const order = (side, price, qty) => ({ op: 'new_order', instrument: inst, side, type: 'limit', price, qty, tif: 'gtc' });
  const sells = await session('demo-lishui-coop', [order('sell', '50.50', '10'), order('sell', '51.00', '5')]);
  const buys = await session('demo-zj-cement', [
    order('buy', '50.50', '4'), order('buy', '49.00', '3'), order('buy', '60.00', '1'),
  ]);
  return sells.concat(buys);
}
