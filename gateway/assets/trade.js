// The participant's trading page (/trade): an enterprise, a county or a cooperative logs in
// with its API key and trades over the public protocol (docs/PROTOCOL.md): its account live
// from the private feed, its GEP quota headroom, order entry with the expected hold before
// sending, its open orders, fills (and their CSV), sealed-bid auctions and block trades.
'use strict';

addI18n({
  en: {
    title: 'ecomatch trading', market: 'Market', new_order: 'New order', limit: 'limit',
    market_order: 'market', post_only: 'post-only', send_order: 'Send order', my_account: 'My account',
    log_in_first: 'Log in with your API key to trade.', locked: 'locked', gep_quota: 'GEP indicator quota',
    gep_rule: 'A county may buy at most its shortfall (target − achieved) and sell at most its surplus (achieved − target), counting its open orders and what it already bought or sold.',
    my_orders: 'My open orders', open_qty: 'Open', filled: 'Filled', side: 'Side', my_fills: 'My fills',
    download_csv: 'Download CSV', sealed_auctions: 'Sealed-bid auctions', no_sealed: 'No auction open.',
    blocks: 'Block trades', counterparty: 'Counterparty', propose: 'Propose', key_hint: 'Your API key',
    target: 'Target', achieved: 'Achieved', shortfall: 'Shortfall', surplus: 'Surplus', bought: 'Bought',
    open_buy: 'Open buys', open_sell: 'Open sells', may_buy: 'May still buy', may_sell: 'May still sell',
    hold_buy: 'Expected hold: {value} + fee {fee} = {total} CNY', hold_sell: 'Locks {qty} {unit} of your holdings',
    hold_market: '(market buy: held at the band\'s upper edge {edge})', not_on_tick: 'Price not on the tick {tick}',
    not_on_lot: 'Quantity not on the lot {lot}', over_quota: 'Beyond your GEP quota: you may still {side} {room}',
    over_cash: 'More than your available cash ({cash} CNY)', over_lots: 'More than your available holdings ({qty})',
    accepted: 'Accepted: order #{id} ({status})', amend: 'Amend', save: 'Save', withdraw: 'Withdraw',
    confirm_cancel: 'Cancel order #{id}?', fee_bps: 'Fee', block_threshold: 'Block threshold',
    modes: 'Modes', place_bid: 'Bid', collateral: 'Collateral held', my_bids: 'My bids',
    my_allocation: 'My allocation', none: 'none', accept: 'Accept', decline: 'Decline',
    proposed: 'proposed', executed: 'executed', declined: 'declined', withdrawn: 'withdrawn',
    won: 'won', partially_won: 'partly won', lost: 'lost', canceled: 'canceled', replaced: 'amended',
    new: 'open', partially_filled: 'partly filled', to_me: 'to me', by_me: 'mine', sent: 'Sent: {op}',
    cleared: 'cleared', sold_at_reserve: 'sold at reserve', pledges: 'Pledges (pledged assets)',
    secured_amount: 'Secured (CNY)', register_pledge: 'Pledge', pledge_rule: 'Pledged lots stay yours but cannot be sold until the bank releases them. From the maturity on, the bank may have them sold in a public disposal auction: it is paid what it is still owed, the rest is yours.',
    pending: 'pending', active: 'active', enforcing: 'in disposal', released: 'released', disposed: 'disposed',
    confirm_pledge: 'Confirm', release: 'Release', enforce: 'Enforce', withdraw_enforcement: 'Withdraw enforcement',
    reserve_price: 'reserve', minutes: 'min', recovered: 'recovered', pledged: 'pledged', matures: 'matures',
    as_pledgee: 'as bank', as_pledgor: 'as pledgor', disposal_of: 'Public disposal of pledged collateral (pledge #{id}), creditor:',
  },
  zh: {
    title: 'ecomatch 生态产品交易', market: '行情', new_order: '委托下单', limit: '限价', market_order: '市价',
    post_only: '只做挂单', send_order: '提交委托', my_account: '我的账户', log_in_first: '请用 API 密钥登录后交易。',
    locked: '冻结', gep_quota: 'GEP 指标额度',
    gep_rule: '区县买入不超过缺口（目标−实现），卖出不超过盈余（实现−目标），挂单与已成交一并计算。',
    my_orders: '我的挂单', open_qty: '未成交', filled: '已成交', side: '方向', my_fills: '我的成交',
    download_csv: '下载 CSV', sealed_auctions: '单向竞价', no_sealed: '暂无进行中的竞价。', blocks: '大宗协议交易',
    counterparty: '对手方', propose: '发起', key_hint: '您的 API 密钥', target: '目标', achieved: '实现',
    shortfall: '缺口', surplus: '盈余', bought: '已买入', sold: '已卖出', open_buy: '买入挂单', open_sell: '卖出挂单',
    may_buy: '尚可买入', may_sell: '尚可卖出', hold_buy: '预计冻结：{value} ＋ 手续费 {fee} ＝ {total} 元',
    hold_sell: '冻结持仓 {qty} {unit}', hold_market: '（市价买单按涨停价 {edge} 冻结）',
    not_on_tick: '价格须为最小价位 {tick} 的整数倍', not_on_lot: '数量须为交易单位 {lot} 的整数倍',
    over_quota: '超出 GEP 额度：尚可{side} {room}', over_cash: '超过可用资金（{cash} 元）',
    over_lots: '超过可用持仓（{qty}）', accepted: '已受理：委托 #{id}（{status}）', amend: '改单', save: '保存',
    withdraw: '撤回', confirm_cancel: '撤销委托 #{id}？', fee_bps: '手续费', block_threshold: '大宗最低数量',
    modes: '交易方式', place_bid: '申报', collateral: '冻结保证金', my_bids: '我的申报', my_allocation: '我的分配',
    none: '无', accept: '接受', decline: '拒绝', proposed: '待确认', executed: '已成交', declined: '已拒绝',
    withdrawn: '已撤回', won: '中标', partially_won: '部分中标', lost: '未中标', canceled: '已撤销',
    replaced: '已改单', new: '未成交', partially_filled: '部分成交', to_me: '发给我', by_me: '我发起',
    sent: '已发送：{op}', cleared: '已成交', sold_at_reserve: '按底价成交', pledges: '生态资产抵质押',
    secured_amount: '担保金额（元）', register_pledge: '申请质押', pledge_rule: '质押期间资产仍归您所有，但在银行解押前不能卖出。贷款到期未还的，银行可申请公开处置拍卖：所得先偿还银行欠款，余额归您。',
    pending: '待确认', active: '有效', enforcing: '处置中', released: '已解押', disposed: '已处置',
    confirm_pledge: '确认', release: '解押', enforce: '申请处置', withdraw_enforcement: '撤回处置',
    reserve_price: '底价', minutes: '分钟', recovered: '已受偿', pledged: '质押', matures: '到期',
    as_pledgee: '质权人', as_pledgor: '出质人', disposal_of: '抵质押物公开处置（质押 #{id}），债权人：',
  },
});

const P = { me: null, may: null, gep: new Map(), orders: new Map(), fills: [], auctions: new Map(), pledges: [],
  blocks: new Map(), editing: null, tradeTimes: new Map(), refreshTimer: null };

// ---- what the exchange says about me ----------------------------------------------------------
function refreshMine() {
  if (!S.account) return;
  send({ op: 'get_account' }, (m) => { if (m.type === 'account') { P.me = m; schedule(); } });
  send({ op: 'get_permissions' }, (m) => {
    if (m.type === 'permissions') { P.may = new Map(m.instruments.map((x) => [x.instrument, x])); schedule(); }
  });
  send({ op: 'get_pledges' }, (m) => { if (m.type === 'pledges') { P.pledges = m.pledges; schedule(); } });
  // Open bids and proposals as the exchange holds them, so that a reload loses none.
  send({ op: 'get_bids' }, (m) => {
    if (m.type !== 'bids') return;
    for (const b of m.bids) { const a = auction(b.auction_id, b.instrument); a.bids.set(b.bid_id, b); a.collateral = b.collateral; }
    schedule();
  });
  send({ op: 'get_blocks' }, (m) => {
    if (m.type !== 'blocks') return;
    for (const b of m.blocks) if (!P.blocks.has(b.block_id) || P.blocks.get(b.block_id).status === 'proposed') P.blocks.set(b.block_id, b);
    schedule();
  });
  send({ op: 'get_orders' }, (m) => {
    if (m.type !== 'orders') return;
    P.orders = new Map(m.orders.map((o) => [o.order_id, o]));
    schedule();
  });
  for (const mk of S.markets.values()) {
    if (mk.meta.family !== 'gep_indicator') continue;
    send({ op: 'get_gep', instrument: mk.meta.instrument }, (m) => {
      if (m.type !== 'gep') return;
      const row = m.counties.find((c) => c.account === S.account);
      if (row) P.gep.set(m.instrument, row); else P.gep.delete(m.instrument);
      schedule();
    });
  }
}
/// The fills the server kept (since it started), newest first; live ones are added as they come.
function loadFills() {
  if (!S.account) return;
  send({ op: 'get_fills' }, (m) => {
    if (m.type !== 'fills') return;
    P.fills = m.fills.map((f) => (f.type === 'sealed_fill' ? { ...f, order_id: `#${f.auction_id}`, liquidity: 'sealed' } : f))
      .map((f) => ({ ...f, received: f.time })).reverse();
    schedule();
  });
}
/// Balances, orders and quotas again shortly after a change, once for a burst of messages.
function refreshSoon() { clearTimeout(P.refreshTimer); P.refreshTimer = setTimeout(refreshMine, 150); }

function onPrivate(m) {
  switch (m.type) {
    case 'order':
      if (['new', 'partially_filled', 'replaced'].includes(m.status)) P.orders.set(m.order_id, m);
      else P.orders.delete(m.order_id);
      refreshSoon();
      break;
    case 'fill':
      P.fills.unshift({ ...m, received: new Date().toISOString() });
      refreshSoon();
      break;
    case 'sealed_fill':
      P.fills.unshift({ ...m, order_id: `#${m.auction_id}`, liquidity: 'sealed', received: new Date().toISOString() });
      auction(m.auction_id, m.instrument).fills.push(m);
      refreshSoon();
      break;
    case 'bid': {
      const a = auction(m.auction_id, m.instrument);
      a.bids.set(m.bid_id, m);
      a.collateral = m.collateral;
      refreshSoon();
      break;
    }
    case 'block': P.blocks.set(m.block_id, m); refreshSoon(); break;
    case 'pledge': refreshSoon(); break;
    case 'cash': case 'holding': case 'account_status': refreshSoon(); break;
    default: break;
  }
}
function auction(id, instrument) {
  if (!P.auctions.has(id)) P.auctions.set(id, { id, instrument, notice: null, bids: new Map(), collateral: '0.00', allocations: [], result: null, fills: [] });
  return P.auctions.get(id);
}
function onPublic(m) {
  if (m.type === 'trade' || m.type === 'auction_trade' || m.type === 'block_trade' || m.type === 'sealed_trade') {
    P.tradeTimes.set(m.trade_id, m.time);
  }
  if (m.type === 'allocation') auction(m.auction_id, m.instrument).allocations.push(m);
  if (m.type === 'disposal') auction(m.auction_id, m.instrument).disposal = m;
  if (m.type === 'sealed_result') { auction(m.auction_id, m.instrument).result = m; refreshSoon(); }
  if (m.type === 'phase' || m.type === 'reference_price') refreshPreview();
}
S.hooks.sealed = (m) => { auction(m.auction_id, m.instrument).notice = m; };
S.hooks.login = () => { P.orders.clear(); P.fills = []; refreshMine(); loadFills(); };
S.hooks.instruments = refreshMine;
S.hooks.message = (m) => {
  if (m.to === 'public') onPublic(m);
  else if (m.to && m.to === S.account) onPrivate(m);
};

// ---- order entry ------------------------------------------------------------------------------
function entryMarket() { return S.markets.get($('#o-instrument').value); }
function orderFromForm() {
  const side = document.querySelector('input[name="side"]:checked').value;
  const type = $('#o-type').value;
  const msg = { op: 'new_order', instrument: $('#o-instrument').value, side, type, qty: $('#o-qty').value.trim() };
  if (type === 'limit') { msg.price = $('#o-price').value.trim(); msg.tif = $('#o-tif').value; }
  else if ($('#o-tif').value === 'fok') msg.tif = 'fok';
  if ($('#o-post').checked) msg.post_only = true;
  return msg;
}
/// What the gate will see, before sending: the hold, and the quota, cash and lots it needs.
function preview() {
  const m = entryMarket();
  if (!m) return { lines: [], warn: [] };
  const o = orderFromForm();
  const lines = [], warn = [];
  const price = o.type === 'market' ? (o.side === 'buy' && m.band ? m.band[1] : null) : o.price;
  if (o.type === 'limit' && o.price && steps(o.price, m.meta.tick) === null) warn.push(['tick', t('not_on_tick', { tick: m.meta.tick })]);
  if (o.qty && steps(o.qty, m.meta.lot) === null) warn.push(['lot', t('not_on_lot', { lot: m.meta.lot })]);
  if (o.side === 'buy' && price && o.qty) {
    const h = expectedHold(m.meta, price, o.qty);
    if (h) {
      lines.push(t('hold_buy', { value: fmtCny(fen(h.value)), fee: fmtCny(fen(h.fee)), total: fmtCny(fen(h.fen)) }));
      if (o.type === 'market') lines.push(t('hold_market', { edge: fmtPx(m, price) }));
      if (P.me && h.fen > scaled(P.me.cash.available, 2)) warn.push(['cash', t('over_cash', { cash: fmtCny(P.me.cash.available) })]);
    }
  } else if (o.side === 'sell' && o.qty && steps(o.qty, m.meta.lot) !== null) {
    lines.push(t('hold_sell', { qty: fmtQty(m, o.qty), unit: unitOf(m) }));
    const h = P.me && P.me.holdings.find((x) => x.instrument === m.meta.instrument);
    const have = h ? h.available : '0';
    if (P.me && steps(o.qty, m.meta.lot) > (steps(have, m.meta.lot) ?? 0n)) warn.push(['lots', t('over_lots', { qty: fmtQty(m, have) })]);
  }
  const g = P.gep.get(m.meta.instrument);
  if (g && o.qty && steps(o.qty, m.meta.lot) !== null) {
    const room = o.side === 'buy' ? g.may_buy : g.may_sell;
    if (steps(o.qty, m.meta.lot) > steps(room, m.meta.lot)) {
      warn.push(['quota', `${t('over_quota', { side: t(o.side), room: `${fmtQty(m, room)} ${unitOf(m)}` })} — ${REJECTS.QUOTA_EXCEEDED[S.lang === 'zh' ? 0 : 1]}`]);
    }
  }
  return { lines, warn };
}
function refreshPreview() {
  const { lines, warn } = preview();
  $('#preview').replaceChildren(...lines.map((l) => el('div', {}, l)),
    ...warn.map(([kind, text]) => el('div', { class: 'warn', 'data-warn': kind }, `⚠ ${text}`)));
  renderTerms();
}
function renderTerms() {
  const m = entryMarket();
  if (!m) return;
  const add = (k, v) => [el('dt', {}, t(k)), el('dd', {}, v)];
  $('#terms').replaceChildren(
    ...add('unit', unitOf(m)), ...add('tick', `${m.meta.tick} CNY`), ...add('lot', `${m.meta.lot} ${unitOf(m)}`),
    ...add('band', m.band ? `${fmtPx(m, m.band[0])} – ${fmtPx(m, m.band[1])} (±${m.meta.band_bps / 100}%)` : `±${m.meta.band_bps / 100}%`),
    ...add('fee_bps', `${m.meta.fee_bps / 100}%`), ...add('phase', phaseName(m.phase)));
  $('#o-price').disabled = $('#o-type').value === 'market';
}
function sendOrder(e) {
  e.preventDefault();
  const msg = orderFromForm();
  const out = $('#order-result');
  send(msg, (r) => {
    if (r.type === 'reject') {
      out.className = 'result error'; out.dataset.code = r.code;
      out.textContent = explain(r.code, r.message);
    } else {
      out.className = 'result ok'; out.dataset.code = '';
      out.textContent = t('accepted', { id: r.order_id, status: t(r.status) });
    }
    refreshSoon();
  });
}

// ---- rendering --------------------------------------------------------------------------------
function render() {
  renderSelectors(); renderMarket(); renderMe(); renderOrders(); renderFills(); renderSealed();
  renderBlocks(); renderPledges(); refreshPreview();
}
function fillSelect(sel, items, keep) {
  const now = [...sel.options].map((o) => `${o.value}:${o.textContent}`).join('|');
  const want = items.map(([v, label]) => `${v}:${label}`).join('|');
  if (now === want) return;
  const prev = sel.value;
  sel.replaceChildren(...items.map(([v, label]) => el('option', { value: v }, label)));
  if (keep && items.some(([v]) => v === prev)) sel.value = prev;
}
function renderSelectors() {
  const insts = S.order.map((id) => [id, `${id} ${instName(S.markets.get(id))}`]);
  fillSelect($('#market-select'), insts, true);
  if (S.selected) $('#market-select').value = S.selected;
  // Only what the account may trade (every instrument until it is known, or when logged out).
  const may = (id) => !P.may || (P.may.get(id)?.buy || P.may.get(id)?.sell);
  fillSelect($('#o-instrument'), insts.filter(([id]) => may(id) && S.markets.get(id).meta.modes.includes('continuous')), true);
  fillSelect($('#b-instrument'), insts.filter(([id]) => may(id) && S.markets.get(id).meta.modes.includes('block')), true);
  const sides = P.may && P.may.get($('#o-instrument').value);
  for (const side of ['buy', 'sell']) {
    const radio = document.querySelector(`input[name="side"][value="${side}"]`);
    radio.disabled = Boolean(sides && !sides[side]);
    if (radio.disabled && radio.checked) document.querySelector(`input[name="side"]:not([value="${side}"])`).checked = true;
  }
  const parties = [...S.names.values()].filter((a) => a.account !== S.account && a.kind !== 'operator')
    .map((a) => [a.account, `${S.lang === 'zh' ? a.name_zh : a.name_en} (${a.account})`]);
  fillSelect($('#b-counterparty'), parties, true);
  const banks = [...S.names.values()].filter((a) => a.kind === 'pledgee')
    .map((a) => [a.account, `${S.lang === 'zh' ? a.name_zh : a.name_en} (${a.account})`]);
  fillSelect($('#p-pledgee'), banks, true);
  fillSelect($('#p-instrument'), insts, true);
  document.body.dataset.kind = P.me ? P.me.kind : '';
}
function renderMarket() {
  const m = S.markets.get(S.selected);
  if (!m) return;
  const phase = $('#sel-phase');
  phase.textContent = phaseName(m.phase); phase.dataset.phase = m.phase;
  $('#sel-last').textContent = fmtPx(m, m.last);
  $('#sel-ref').textContent = `${fmtPx(m, m.reference)} CNY/${unitOf(m)}`;
  $('#sel-band').textContent = m.band ? `${fmtPx(m, m.band[0])} – ${fmtPx(m, m.band[1])}` : '—';
  $('#call-auction').textContent = m.auction ? `${t('call_auction')} · ${t('indicative')}: ${fmtPx(m, m.auction.indicative_price)} · ${t('volume')}: ${fmtQty(m, m.auction.volume)}` : '';
  renderLadder($('#ladder tbody'), m);
  drawPriceChart($('#chart'), m);
  drawDepthChart($('#depth'), m);
  renderTape($('#tape tbody'), S.selected, 30);
}
function renderMe() {
  const me = $('#me');
  if (!P.me) { me.className = 'muted'; me.textContent = t('log_in_first'); $('#holdings tbody').replaceChildren(); $('#gep-box').hidden = true; return; }
  me.className = 'cash';
  me.replaceChildren(who(P.me.account), ` · ${t(P.me.status)} · ${t('cash')}: `,
    el('b', { id: 'cash-available' }, fmtCny(P.me.cash.available)), ` ${t('available')}, `,
    el('b', { id: 'cash-held' }, fmtCny(P.me.cash.held)), ` ${t('held')} (CNY)`);
  $('#holdings tbody').replaceChildren(...P.me.holdings.map((h) => {
    const m = S.markets.get(h.instrument);
    return el('tr', { 'data-instrument': h.instrument }, el('td', {}, instLabel(h.instrument)),
      el('td', { class: 'num available' }, m ? fmtQty(m, h.available) : h.available),
      el('td', { class: 'num held' }, m ? fmtQty(m, h.held) : h.held),
      el('td', {}, m ? unitOf(m) : '', h.pledged ? el('span', { class: 'pledged muted' }, ` · ${t('pledged')} ${fmtQty(m, h.pledged)}`) : ''));
  }));
  $('#gep-box').hidden = P.gep.size === 0;
  const rows = [];
  for (const [inst, g] of P.gep) {
    const m = S.markets.get(inst);
    const q = (v) => `${fmtQty(m, v)}`;
    rows.push(el('tr', {}, el('th', { colSpan: 2 }, instLabel(inst))));
    for (const [k, v, id] of [['target', g.target], ['achieved', g.achieved], ['shortfall', g.shortfall], ['surplus', g.surplus],
      ['bought', g.bought], ['sold', g.sold], ['open_buy', g.open_buy], ['open_sell', g.open_sell],
      ['may_buy', g.may_buy, 'may-buy'], ['may_sell', g.may_sell, 'may-sell']]) {
      rows.push(el('tr', id ? { class: 'headroom', 'data-quota': id } : {}, el('td', {}, t(k)), el('td', { class: 'num' }, `${q(v)} ${unitOf(m)}`)));
    }
  }
  $('#gep tbody').replaceChildren(...rows);
}
function renderOrders() {
  if (busy($('#orders'))) return;
  $('#orders tbody').replaceChildren(...[...P.orders.values()].map((o) => {
    const m = S.markets.get(o.instrument);
    const cancel = el('button', { type: 'button', class: 'small danger' }, t('cancel'));
    cancel.onclick = () => confirmThen(t('confirm_cancel', { id: o.order_id }), () => command({ op: 'cancel_order', order_id: o.order_id }));
    const amend = el('button', { type: 'button', class: 'small' }, t('amend'));
    amend.onclick = () => { P.editing = o.order_id; amend.blur(); schedule(); };
    let priceCell = el('td', { class: 'num' }, fmtPx(m, o.price));
    let qtyCell = el('td', { class: 'num' }, fmtQty(m, o.leaves_qty));
    let actions = el('td', {}, amend, ' ', cancel);
    if (P.editing === o.order_id) {
      const p = el('input', { value: o.price, size: 6, class: 'amend-price' });
      const q = el('input', { value: o.qty, size: 6, class: 'amend-qty' });
      const save = el('button', { type: 'button', class: 'small' }, t('save'));
      save.onclick = () => { P.editing = null; command({ op: 'amend_order', order_id: o.order_id, price: p.value.trim(), qty: q.value.trim() }); };
      priceCell = el('td', {}, p); qtyCell = el('td', {}, q); actions = el('td', {}, save);
    }
    return el('tr', { 'data-order': o.order_id }, el('td', {}, o.order_id), el('td', {}, o.instrument),
      el('td', { class: o.side === 'buy' ? 'up' : 'down' }, t(o.side)), priceCell, qtyCell,
      el('td', { class: 'num' }, fmtQty(m, o.filled_qty)), actions);
  }));
}
function fillTime(f) { return P.tradeTimes.get(f.trade_id) || f.received; }
function renderFills() {
  $('#fills tbody').replaceChildren(...P.fills.slice(0, 50).map((f) => {
    const m = S.markets.get(f.instrument);
    return el('tr', { 'data-trade': f.trade_id }, el('td', { title: fmtTime(fillTime(f)) }, fmtTime(fillTime(f)).slice(11)), el('td', {}, f.instrument),
      el('td', { class: f.side === 'buy' ? 'up' : 'down' }, t(f.side)), el('td', { class: 'num' }, fmtPx(m, f.price)),
      el('td', { class: 'num' }, fmtQty(m, f.qty)), el('td', { class: 'num' }, fmtCny(f.fee)));
  }));
}
function fillsCsv() {
  const head = 'time,instrument,side,price,qty,fee_cny,trade_id,order_id,liquidity';
  const rows = P.fills.slice().reverse().map((f) => [fillTime(f), f.instrument, f.side, f.price, f.qty, f.fee, f.trade_id, f.order_id, f.liquidity || ''].join(','));
  const blob = new Blob([[head, ...rows].join('\n') + '\n'], { type: 'text/csv' });
  const a = el('a', { href: URL.createObjectURL(blob), download: `fills-${S.account}.csv` });
  document.body.append(a); a.click(); a.remove();
}
function renderSealed() {
  if (busy($('#sealed'))) return;
  const list = [...P.auctions.values()].filter((a) => a.notice);
  if (!list.length) { $('#sealed').replaceChildren(el('p', { class: 'muted' }, t('no_sealed'))); return; }
  $('#sealed').replaceChildren(...list.map(sealedCard));
}
function sealedCard(a) {
  const n = a.notice, m = S.markets.get(n.instrument);
  const dl = el('dl');
  const add = (k, v) => dl.append(el('dt', {}, t(k)), el('dd', {}, v));
  add('seller', who(n.seller)); add('offer', `${fmtQty(m, n.offer)} ${unitOf(m)}`);
  add('reserve', fmtPx(m, n.reserve)); if (n.cap) add('cap', fmtPx(m, n.cap));
  add('format', n.format); add('opens', fmtTime(n.opens_at)); add('closes', fmtTime(n.closes_at));
  const card = el('div', { class: 'auction', 'data-auction': n.auction_id }, el('b', {}, `#${n.auction_id} `), instLabel(n.instrument), dl);
  if (a.disposal) card.prepend(el('div', { class: 'disposal' }, t('disposal_of', { id: a.disposal.pledge_id }), ' ', who(a.disposal.pledgee)));
  const bids = [...a.bids.values()];
  if (bids.length) {
    card.append(el('h3', {}, `${t('my_bids')} · ${t('collateral')}: ${fmtCny(a.collateral)} CNY`));
    card.append(el('table', { class: 'compact my-bids' }, el('tbody', {}, bids.map((b) => {
      const open = (b.status === 'new' || b.status === 'replaced') && !a.result;
      const wd = el('button', { type: 'button', class: 'small danger' }, t('withdraw'));
      wd.onclick = () => command({ op: 'withdraw_bid', bid_id: b.bid_id });
      const am = el('button', { type: 'button', class: 'small' }, t('amend'));
      am.onclick = () => { P.editing = `bid-${b.bid_id}`; am.blur(); schedule(); };
      let price = el('td', { class: 'num' }, fmtPx(m, b.price)), qty = el('td', { class: 'num' }, fmtQty(m, b.qty));
      let acts = el('td', {}, open ? [am, ' ', wd] : '');
      if (open && P.editing === `bid-${b.bid_id}`) {
        const p = el('input', { value: b.price, size: 6, class: 'amend-price' }), q = el('input', { value: b.qty, size: 6, class: 'amend-qty' });
        const save = el('button', { type: 'button', class: 'small' }, t('save'));
        save.onclick = () => { P.editing = null; command({ op: 'amend_bid', bid_id: b.bid_id, price: p.value.trim(), qty: q.value.trim() }); };
        price = el('td', {}, p); qty = el('td', {}, q); acts = el('td', {}, save);
      }
      return el('tr', { 'data-bid': b.bid_id, 'data-status': b.status }, el('td', {}, `#${b.bid_id}`), price, qty, el('td', {}, t(b.status)), acts);
    }))));
  }
  if (a.result) {
    const r = a.result;
    const mine = a.allocations.filter((x) => x.bidder === S.account);
    card.append(el('div', { class: 'sealed-result', 'data-status': r.status },
      `${t('result')}: ${t(r.status)} · ${t('clearing_price')}: ${fmtPx(m, r.clearing_price)} · ${t('sold_qty')}: ${fmtQty(m, r.sold)} · ${t('bid_to_cover')}: ${r.bid_to_cover}`));
    card.append(el('div', { class: 'my-allocation' }, `${t('my_allocation')}: `,
      mine.length ? mine.map((x) => `${fmtQty(m, x.qty)} ${unitOf(m)} (${fmtCny(x.value)} CNY)`).join(', ') : t('none')));
  } else if (S.account && n.seller !== S.account && (!P.may || P.may.get(n.instrument)?.buy)) {
    const p = el('input', { placeholder: t('price'), size: 7, class: 'bid-price', inputMode: 'decimal' });
    const q = el('input', { placeholder: t('qty'), size: 7, class: 'bid-qty', inputMode: 'decimal' });
    const b = el('button', { type: 'submit' }, t('place_bid'));
    const f = el('form', { class: 'row bid-form' }, p, q, b);
    f.onsubmit = (e) => { e.preventDefault(); command({ op: 'sealed_bid', auction_id: n.auction_id, price: p.value.trim(), qty: q.value.trim() }); };
    card.append(f);
  }
  return card;
}
function renderBlocks() {
  if (busy($('#blocks'))) return;
  $('#blocks tbody').replaceChildren(...[...P.blocks.values()].reverse().map((b) => {
    const m = S.markets.get(b.instrument);
    const mine = b.proposer === S.account;
    const acts = el('td');
    if (b.status === 'proposed') {
      if (!mine) {
        const ok = el('button', { type: 'button', class: 'small' }, t('accept'));
        ok.onclick = () => command({ op: 'accept_block', block_id: b.block_id });
        acts.append(ok, ' ');
      }
      const no = el('button', { type: 'button', class: 'small danger' }, t(mine ? 'withdraw' : 'decline'));
      no.onclick = () => command({ op: 'decline_block', block_id: b.block_id });
      acts.append(no);
    }
    return el('tr', { 'data-block': b.block_id, 'data-status': b.status }, el('td', {}, `${b.block_id} ${t(mine ? 'by_me' : 'to_me')}`),
      el('td', {}, b.instrument), el('td', {}, who(b.counterparty)), el('td', {}, t(b.side)),
      el('td', { class: 'num' }, fmtPx(m, b.price)), el('td', { class: 'num' }, fmtQty(m, b.qty)), el('td', {}, t(b.status)), acts);
  }));
}
/// My pledges, as pledgor or as bank, with what each may do now.
function renderPledges() {
  if (busy($('#pledges'))) return;
  const now = Date.now();
  $('#pledges tbody').replaceChildren(...P.pledges.map((p) => {
    const m = S.markets.get(p.instrument);
    const bank = p.pledgee === S.account;
    const acts = el('td');
    const button = (label, msg, cls) => {
      const b = el('button', { type: 'button', class: `small ${cls || ''}` }, t(label));
      b.onclick = () => command(msg());
      acts.append(b, ' ');
    };
    const input = (cls, size, value) => el('input', { class: cls, size, value: value || '' });
    if (bank && p.status === 'pending') {
      button('confirm_pledge', () => ({ op: 'confirm_pledge', pledge_id: p.pledge_id }));
      button('decline', () => ({ op: 'decline_pledge', pledge_id: p.pledge_id }), 'danger');
    } else if (!bank && p.status === 'pending') {
      button('withdraw', () => ({ op: 'decline_pledge', pledge_id: p.pledge_id }), 'danger');
    } else if (bank && p.status === 'active') {
      const q = input('release-qty', 5, p.qty);
      acts.append(q);
      button('release', () => ({ op: 'release_pledge', pledge_id: p.pledge_id, qty: q.value.trim() }));
      if (Date.parse(p.maturity) <= now) {
        const r = input('enforce-reserve', 5), mins = input('enforce-minutes', 3, '60');
        acts.append(el('br'), `${t('reserve_price')} `, r, ` ${t('minutes')} `, mins);
        button('enforce', () => ({ op: 'enforce_pledge', pledge_id: p.pledge_id, reserve: r.value.trim(),
          closes_at: new Date(Date.now() + Math.max(0.05, Number(mins.value) || 60) * 60_000).toISOString() }), 'danger');
      }
    } else if (bank && p.status === 'enforcing') {
      button('withdraw_enforcement', () => ({ op: 'withdraw_enforcement', pledge_id: p.pledge_id }));
    }
    const other = bank ? p.pledgor : p.pledgee;
    return el('tr', { 'data-pledge': p.pledge_id, 'data-status': p.status },
      el('td', { title: t(bank ? 'as_pledgee' : 'as_pledgor') }, p.pledge_id), el('td', { class: 'ellipsis' }, who(other)),
      el('td', { title: `${t('matures')} ${fmtTime(p.maturity)}` }, p.instrument),
      el('td', { class: 'num' }, m ? fmtQty(m, p.qty) : p.qty),
      el('td', { class: 'num', title: `${t('recovered')} ${fmtCny(p.recovered)}` }, fmtCny(p.secured_amount)),
      el('td', { class: 'pledge-status' }, t(p.status), p.recovered !== '0.00' ? ` · ${t('recovered')} ${fmtCny(p.recovered)}` : ''), acts);
  }));
}
function registerPledge(e) {
  e.preventDefault();
  const day = $('#p-maturity').value;
  const msg = { op: 'register_pledge', pledgee: $('#p-pledgee').value, instrument: $('#p-instrument').value,
    qty: $('#p-qty').value.trim(), secured_amount: $('#p-secured').value.trim(),
    maturity: day ? `${day}T00:00:00Z` : '' };
  command(msg);
}
function proposeBlock(e) {
  e.preventDefault();
  const expires = new Date(Date.now() + Number($('#b-expiry').value) * 60_000).toISOString();
  const msg = { op: 'propose_block', instrument: $('#b-instrument').value, counterparty: $('#b-counterparty').value,
    side: $('#b-side').value, price: $('#b-price').value.trim(), qty: $('#b-qty').value.trim(), expires_at: expires };
  send(msg, (r) => {
    if (r.type === 'block') { P.blocks.set(r.block_id, r); notice(t('sent', { op: msg.op })); }
    else if (r.type === 'reject') notice(explain(r.code, r.message), true);
    schedule();
  });
}
function command(msg) {
  document.activeElement?.blur?.(); // the section clicked in may be rebuilt again
  send(msg, (m) => {
    if (m.type === 'reject') notice(explain(m.code, m.message), true);
    else notice(t('sent', { op: msg.op }));
    refreshSoon();
  });
}

function init() {
  S.keyStore = 'ecomatch.key.trade';
  S.hooks.render = render;
  initCommon();
  $('#market-select').onchange = () => { S.selected = $('#market-select').value; $('#o-instrument').value = S.selected; schedule(); };
  $('#o-instrument').onchange = () => { S.selected = $('#o-instrument').value; schedule(); };
  $('#order-form').onsubmit = sendOrder;
  $('#order-form').oninput = refreshPreview;
  $('#order-form').onchange = refreshPreview;
  $('#fills-csv').onclick = fillsCsv;
  $('#block-form').onsubmit = proposeBlock;
  $('#pledge-form').onsubmit = registerPledge;
  $('#logout').onclick = () => { P.me = null; P.may = null; P.gep.clear(); P.orders.clear(); P.fills = []; logout(); schedule(); };
  applyLang();
  connect();
}
init();
