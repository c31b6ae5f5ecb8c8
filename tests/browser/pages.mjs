// Both pages as their users meet them, in headless Chromium (Debian's `chromium`, or $CHROMIUM)
// driven by playwright-core against a real `ecomatch serve` on the demo market.
// Usage: node pages.mjs http://127.0.0.1:PORT SCREENSHOT_DIR
//
// 1. A county (龙泉市) logs in on /trade, sees its GEP headroom, is warned before sending a bid
//    beyond its shortfall and sees the refusal explained after; a bid within it rests, fills
//    against another county's (庆元县) offer, and the headroom, the fills and their CSV follow.
// 2. The operator opens a sealed-bid auction from the console's form, watches the bid count (never
//    a bid's contents), closes it; the enterprise that bid on /trade sees its allocation.
// 3. The operator console keeps its alert history across a reload, filtered by kind.
// 3a. The cooperative pledges carbon sinks to a bank through the page; the bank confirms and
//     releases part; the console's pledge register follows. A block trade is proposed and
//     accepted through the pages.
// 4. Neither page scrolls sideways at 1366 × 768 or 1920 × 1080; screenshots of both pages at
//    1366 × 768 in Chinese and English go to SCREENSHOT_DIR.
import { chromium } from 'playwright-core';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const base = process.argv[2];
const shots = process.argv[3];
if (!base || !shots) {
  console.error('usage: node pages.mjs http://HOST:PORT SCREENSHOT_DIR');
  process.exit(2);
}
const GEP = 'LS-GEP-2025';
const FCS = 'LS-FCS-2024';
setTimeout(() => { console.error('pages test: timed out'); process.exit(3); }, 150_000).unref();

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-dev-shm-usage'],
});
const errors = [];
try {
  const county = await open('/trade', 'demo-longquan-gov', 'zh');
  await expectText(county, '#gep tr[data-quota="may-buy"]', '200');
  await county.waitForFunction(() => ![...document.querySelectorAll('#o-instrument option')].some((o) => o.value === 'LS-COD-LD-2025'));
  const offered = await county.$$eval('#o-instrument option', (o) => o.map((x) => x.value));
  expect(offered.includes(GEP) && !offered.includes('KH-EC-2024'), `only what the county may trade: ${offered}`);
  step(`county logged in: may still buy 200 of its shortfall; offered ${offered.join(' ')}`);

  await order(county, { inst: GEP, side: 'buy', price: '1000.00', qty: '300' });
  await county.waitForSelector('#preview [data-warn="quota"]');
  const before = await county.textContent('#preview [data-warn="quota"]');
  expect(before.includes('200'), `the warning names the headroom before sending: ${before}`);
  await county.click('#o-send');
  await county.waitForSelector('#order-result.error[data-code="QUOTA_EXCEEDED"]');
  const after = await county.textContent('#order-result');
  expect(after.includes('QUOTA_EXCEEDED') && after.includes('超出额度'), `the refusal is explained in Chinese: ${after}`);
  step(`over quota: warned before ("${before.trim()}") and refused after ("${after.trim()}")`);

  await order(county, { inst: GEP, side: 'buy', price: '1000.00', qty: '100' });
  await county.waitForFunction(() => !document.querySelector('#preview [data-warn="quota"]')); // none within the quota
  await county.click('#o-send');
  await county.waitForSelector('#order-result.ok');
  await county.waitForSelector('#orders tbody tr');
  await expectText(county, '#gep tr[data-quota="may-buy"]', '100');
  step('a bid within the quota rests; the open buy counts against the headroom');

  const seller = await open('/trade', 'demo-qingyuan-gov', 'en');
  await expectText(seller, '#gep tr[data-quota="may-sell"]', '300');
  await order(seller, { inst: GEP, side: 'sell', price: '1000.00', qty: '100' });
  await seller.click('#o-send');
  await seller.waitForSelector('#order-result.ok');
  await county.waitForSelector(`#fills tbody tr:has-text("${GEP}")`);
  await county.waitForSelector('#orders tbody tr', { state: 'detached' });
  await expectText(county, '#gep tr[data-quota="may-buy"]', '100');
  // The headroom read 100 before the fill too (the open bid counted); the fill moves it to bought.
  await county.waitForFunction(() => /已买入\s*100/.test(document.querySelector('#gep').textContent));
  await expectText(county, '#holdings tbody tr[data-instrument="LS-GEP-2025"] .available', '100');
  const [download] = await Promise.all([county.waitForEvent('download'), county.click('#fills-csv')]);
  const csv = readFileSync(await download.path(), 'utf8');
  expect(/^time,instrument,side,price,qty,fee_cny/.test(csv) && csv.includes(`,${GEP},buy,1000.00,100,0.00,`), `the fills CSV: ${csv}`);
  await county.reload();
  await county.waitForSelector(`#fills tbody tr:has-text("${GEP}")`);
  step('filled against another county\'s offer: fills, holdings, headroom and the CSV follow, and the fills survive a reload');

  const op = await open('/', 'demo-operator', 'en');
  await op.waitForSelector('#alerts li[data-kind="gep_beyond_quota"]');
  await op.reload();
  await op.waitForSelector('body[data-role="operator"]');
  await op.waitForSelector('#alerts li[data-kind="gep_beyond_quota"]');
  // The county by its name, once the directory is in.
  await expectText(op, '#alerts li[data-kind="gep_beyond_quota"]', 'Longquan City');
  await op.selectOption('#alert-filter', 'price_band_hit');
  await op.waitForFunction(() => document.querySelectorAll('#alerts li').length === 0); // the filter hides other kinds
  await op.selectOption('#alert-filter', 'gep_beyond_quota');
  await op.waitForSelector('#alerts li[data-kind="gep_beyond_quota"]');
  await op.selectOption('#alert-filter', '');
  step('the operator sees the alert raised before the console opened, after a reload, by kind');

  await expectText(op, '#accounts tr[data-account="longquan-gov"]', 'Longquan City');
  await expectText(op, '#accounts tr[data-account="longquan-gov"]', 'active');
  await op.waitForSelector('#op-resume', { state: 'hidden' });
  await op.waitForSelector('#op-halt', { state: 'visible' });
  expect(await op.isHidden('#op-uncross'), 'only the valid phase buttons');
  step('accounts by name with status and balances; only valid phase buttons');

  const firm = await open('/trade', 'demo-zj-cement', 'en');
  // The hold the page expects before sending is the one the exchange takes: 7 lots at 50.37
  // with a 10 bps fee hold 7 × (50.37 + 0.06) = 353.01 (the fee on one lot rounded up to the fen).
  await firm.waitForSelector('#cash-held');
  await order(firm, { inst: FCS, side: 'buy', price: '50.37', qty: '7' });
  await expectText(firm, '#preview', '353.01');
  await firm.click('#o-send');
  await firm.waitForSelector('#order-result.ok');
  await expectText(firm, '#cash-held', '353.01');
  await firm.click('#orders tbody tr button:has-text("Cancel")');
  await firm.waitForSelector('#confirm[open]');
  await firm.click('#confirm-ok');
  await firm.waitForSelector('#orders tbody tr', { state: 'detached' });
  await expectText(firm, '#cash-held', '0.00');
  step('the expected hold shown before sending is what the exchange held; cancelled from the page');
  await op.selectOption('#a-instrument', FCS);
  await op.selectOption('#a-seller', 'lishui-coop');
  await op.fill('#a-offer', '400');
  await op.fill('#a-reserve', '45.00');
  await op.fill('#a-limit', '100');
  await op.fill('#a-minutes', '0.15');
  await op.click('#a-open');
  await op.waitForSelector('#confirm[open]');
  await op.click('#confirm-ok');
  const card = '#auctions .auction';
  await op.waitForSelector(card);
  await firm.waitForSelector('#sealed .auction .bid-form');
  await firm.fill('#sealed .bid-price', '50.00');
  await firm.fill('#sealed .bid-qty', '400');
  await firm.click('#sealed .bid-form button');
  await firm.waitForSelector('#sealed .my-bids tr[data-status="new"]');
  const collateral = await firm.textContent('#sealed .auction h3');
  expect(collateral.includes('20,020.00'), `collateral of 400 at 50.00 plus fee: ${collateral}`);
  await firm.click('#sealed .my-bids button:has-text("Amend")');
  await firm.fill('#sealed .my-bids .amend-price', '50.50');
  await firm.click('#sealed .my-bids button:has-text("Save")');
  await firm.waitForSelector('#sealed .my-bids tr[data-status="replaced"]');
  await expectText(firm, '#sealed .auction h3', '20,220.20');
  await expectText(op, `${card} .bid-count`, '1');
  const seen = await op.textContent(card);
  expect(!seen.includes('50.50') && !seen.includes('50.00'), `the console shows no bid price before the close: ${seen}`);
  step('operator opened an auction from the form; the enterprise bid; the console counts the bid only');

  await op.waitForSelector(`${card} .close-auction:not([disabled])`, { timeout: 20_000 });
  await op.click(`${card} .close-auction`);
  await op.waitForSelector('#confirm[open]');
  await op.click('#confirm-ok');
  await op.waitForSelector(`${card}[data-status="cleared"]`);
  await firm.waitForSelector('#sealed .sealed-result[data-status="cleared"]');
  const mine = await firm.textContent('#sealed .my-allocation');
  expect(mine.includes('400') && mine.includes('20,200.00'), `the enterprise sees its allocation at its amended price: ${mine}`);
  step(`closed; the enterprise's allocation: ${mine.trim()}`);

  // A pledge through the pages: the cooperative pledges carbon sinks to 丽水农商银行, the bank
  // confirms and releases part, and the console's register shows it.
  const coop = await open('/trade', 'demo-lishui-coop', 'en');
  await coop.selectOption('#p-pledgee', 'ls-rcb');
  await coop.selectOption('#p-instrument', FCS);
  await coop.fill('#p-qty', '1000');
  await coop.fill('#p-secured', '50000.00');
  await coop.fill('#p-maturity', '2099-12-31');
  await coop.click('#p-send');
  await coop.waitForSelector('#pledges tr[data-status="pending"]');
  const bank = await open('/trade', 'demo-ls-rcb', 'zh');
  await bank.waitForSelector('#pledges tr[data-status="pending"]');
  await bank.click('#pledges tr[data-status="pending"] button:has-text("确认")');
  await bank.waitForSelector('#pledges tr[data-status="active"]');
  await coop.waitForSelector('#pledges tr[data-status="active"]');
  await bank.fill('#pledges .release-qty', '400');
  await bank.click('#pledges button:has-text("解押")');
  await expectText(coop, '#pledges tr[data-status="active"]', '600');
  await expectText(coop, `#holdings tr[data-instrument="${FCS}"] .pledged`, '600');
  await op.waitForSelector('#pledges tr[data-status="active"]');
  await expectText(op, '#pledges tr[data-status="active"]', '600');
  step('a pledge registered, confirmed and released in part through the pages; the register shows it');

  // A block trade through the pages: the reserve proposes 10,000,000 m³ of Oujiang water
  // rights to the cement plant at 0.500, which accepts.
  const reserve = await open('/trade', 'demo-lishui-reserve', 'en');
  await reserve.selectOption('#b-instrument', 'OJ-WR-2025');
  await reserve.selectOption('#b-counterparty', 'zj-cement');
  await reserve.selectOption('#b-side', 'sell');
  await reserve.fill('#b-price', '0.500');
  await reserve.fill('#b-qty', '10000000');
  await reserve.click('#b-send');
  await reserve.waitForSelector('#blocks tr[data-status="proposed"]');
  await firm.waitForSelector('#blocks tr[data-status="proposed"] button:has-text("Accept")');
  await firm.click('#blocks tr[data-status="proposed"] button:has-text("Accept")');
  await firm.waitForSelector('#blocks tr[data-status="executed"]');
  await reserve.waitForSelector('#blocks tr[data-status="executed"]');
  await expectText(firm, '#holdings tr[data-instrument="OJ-WR-2025"] .available', '10,000,000');
  step('a block proposed by the reserve and accepted by the cement plant through the pages');

  // A market worth looking at for the screenshots: offers and bids resting on both sides.
  for (const [page, side, price, qty] of [[seller, 'sell', '1010.00', '20'], [seller, 'sell', '1020.00', '30'],
    [seller, 'sell', '1035.00', '40'], [county, 'buy', '985.00', '10'], [county, 'buy', '970.00', '25']]) {
    await order(page, { inst: GEP, side, price, qty });
    await page.click('#o-send');
    await page.waitForSelector('#order-result.ok');
    await page.evaluate(() => { document.querySelector('#order-result').className = 'result'; });
  }
  await county.waitForSelector('#ladder tr.ask');
  const amendRow = '#orders tbody tr:has-text("985.00")';
  await county.click(`${amendRow} button:has-text("改单")`);
  await county.fill('#orders .amend-qty', '12');
  await county.click('#orders button:has-text("保存")');
  await county.waitForSelector('#orders tbody tr:has-text("985.00") td:has-text("12")');
  step('an open order and a sealed bid amended from the page');
  await op.click(`#instruments tr[data-instrument="${GEP}"]`);
  await layouts(county, op);
  mkdirSync(shots, { recursive: true });
  for (const [page, name] of [[county, 'trade'], [op, 'console']]) {
    for (const lang of ['zh', 'en']) {
      await setLang(page, lang);
      await page.setViewportSize({ width: 1366, height: 768 });
      await page.waitForTimeout(200);
      await page.screenshot({ path: path.join(shots, `${name}-${lang}.png`) });
    }
  }
  step(`screenshots in ${shots}`);
  expect(errors.length === 0, `no page errors: ${errors.join('\n')}`);
  console.log('pages ok');
} catch (e) {
  console.error(`pages test failed: ${e.stack || e}`);
  if (errors.length) console.error(errors.join('\n'));
  process.exitCode = 1;
} finally {
  await browser.close();
}

function step(what) { console.log(`- ${what}`); }
function expect(ok, what) { if (!ok) throw new Error(`expected ${what}`); }

async function open(where, key, lang) {
  const page = await browser.newPage({ viewport: { width: 1366, height: 768 }, locale: lang === 'zh' ? 'zh-CN' : 'en-GB', acceptDownloads: true });
  page.setDefaultTimeout(15_000);
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()}`); });
  await page.goto(base + where);
  await setLang(page, lang);
  await page.fill('#apikey', key);
  await page.click('#login');
  await page.waitForSelector('#logout:not([hidden])');
  return page;
}
async function setLang(page, lang) {
  const now = await page.evaluate(() => S.lang);
  if (now !== lang) await page.click('#lang');
}
async function order(page, { inst, side, price, qty }) {
  await page.selectOption('#o-instrument', inst);
  await page.check(`input[name="side"][value="${side}"]`);
  await page.selectOption('#o-type', 'limit');
  await page.fill('#o-price', price);
  await page.fill('#o-qty', qty);
}
async function expectText(page, selector, text) {
  await page.waitForFunction(([s, want]) => {
    const e = document.querySelector(s);
    return e && e.textContent.includes(want);
  }, [selector, text]);
}
/// Neither the page nor any panel scrolls sideways.
async function layouts(...pages) {
  for (const size of [{ width: 1366, height: 768 }, { width: 1920, height: 1080 }]) {
    for (const page of pages) {
      await page.setViewportSize(size);
      await page.waitForTimeout(150);
      const wide = await page.evaluate(() => {
        const over = [...document.querySelectorAll('.panel, table')].filter((p) => p.scrollWidth > p.clientWidth + 1).map((p) => p.id || p.className);
        if (document.documentElement.scrollWidth > innerWidth) over.push('page');
        return over;
      });
      expect(wide.length === 0, `nothing scrolls sideways at ${size.width}×${size.height} on ${page.url()}: ${wide}`);
    }
  }
  step('no sideways scrolling at 1366×768 or 1920×1080');
}
