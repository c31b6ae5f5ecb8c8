// The ecomatch operator console (/): every market live, surveillance alerts with their history,
// every account with its balances and status, the GEP indicators, and the operator's actions
// (phases, kill switch, sealed-bid auctions), each behind a confirmation. Plain JavaScript over
// the public protocol (docs/PROTOCOL.md), on top of common.js.
'use strict';

addI18n({
  en: {
    title: 'ecomatch market operations', to_trade: 'Trading page', instruments: 'Instruments',
    market: 'Market', halt: 'Halt', resume: 'Resume continuous', open_call: 'Open call auction',
    close_call: 'Uncross, then continuous', close_market: 'Close market', alerts: 'Surveillance alerts',
    all_kinds: 'all kinds', accounts: 'Accounts', cash_available: 'Cash available', cash_held: 'held',
    kill: 'Kill', reactivate: 'Reactivate', gep: 'GEP indicators', county: 'County', target: 'Target',
    achieved: 'Achieved', gap: 'Short/surplus', bought: 'Bought', may_buy: 'May buy', may_sell: 'May sell',
    gep_note: 'From get_gep, refreshed after every GEP fill. "May buy/sell" is the headroom the quota gate applies.',
    auctions: 'Sealed-bid auctions', no_auctions: 'No sealed-bid auction seen yet.', tie_break: 'Ties',
    minutes: 'Minutes open', bidder_limit: 'Bidder limit %', undersubscribed: 'If undersubscribed', open_auction: 'Open auction…', raw_command: 'Operator command (JSON)',
    send: 'Send…', close_auction: 'Close and clear', bid_count: 'Open bids', bidders: 'Bidders',
    countdown: 'Closes in', closed: 'past close', confirm_phase: 'Set {inst} to phase "{phase}"?',
    confirm_kill: 'Throw the kill switch of {acct}? All its orders are canceled.',
    confirm_reactivate: 'Reactivate {acct}?', confirm_raw: 'Send this operator command?\n{cmd}',
    confirm_open: 'Open a sealed-bid auction of {offer} {inst} sold by {seller}, reserve {reserve}, for {minutes} minutes?',
    confirm_close: 'Close auction #{id} and publish its result?', done: 'Done: {op}', bad_json: 'Not a JSON object',
    wash_trade: 'Wash trade (affiliated)', auction_share: 'Auction share near limit', price_band_hit: 'Price band hit',
    far_from_reference: 'Trade far from reference', cancel_burst: 'Burst of cancels',
    gep_beyond_quota: 'GEP beyond shortfall/surplus', cleared: 'cleared', sold_at_reserve: 'sold at reserve',
    canceled: 'canceled', kind_label: 'Kind', pledges: 'Pledge register', pledgor: 'Pledgor',
    pledgee: 'Pledgee', secured: 'Secured (CNY)', pending: 'pending', active: 'active', enforcing: 'in disposal',
    released: 'released', disposed: 'disposed', declined: 'declined', withdrawn: 'withdrawn', recovered: 'recovered',
    pledge_enforced: 'Pledge enforced (disposal opened)',
  },
  zh: {
    title: 'ecomatch 生态产品交易监控', to_trade: '交易页面', instruments: '交易品种', market: '行情',
    halt: '暂停交易', resume: '恢复连续交易', open_call: '开始集合竞价', close_call: '撮合后恢复连续交易',
    close_market: '闭市', alerts: '市场监控预警', all_kinds: '全部类型', accounts: '账户', cash_available: '可用资金',
    cash_held: '冻结', kill: '急停', reactivate: '恢复', gep: 'GEP 指标', county: '区县', target: '目标',
    achieved: '实现', gap: '缺口−/盈余+', bought: '买入', may_buy: '尚可买', may_sell: '尚可卖',
    gep_note: '数据来自 get_gep，每笔 GEP 成交后刷新。“尚可买/卖”即额度校验所用的剩余额度。',
    auctions: '单向竞价', no_auctions: '暂无单向竞价。', tie_break: '同价规则', minutes: '持续分钟', bidder_limit: '单户上限 %', undersubscribed: '认购不足时',
    open_auction: '发起竞价…', raw_command: '运营指令（JSON）', send: '发送…', close_auction: '截止并出清',
    bid_count: '有效申报', bidders: '竞买人', countdown: '距截止', closed: '已到截止时间',
    confirm_phase: '将 {inst} 设为“{phase}”阶段？', confirm_kill: '对 {acct} 执行紧急停止？其全部订单将被撤销。',
    confirm_reactivate: '恢复账户 {acct}？', confirm_raw: '发送以下运营指令？\n{cmd}',
    confirm_open: '发起单向竞价：{seller} 出让 {inst} {offer}，底价 {reserve}，持续 {minutes} 分钟？',
    confirm_close: '截止竞价 #{id} 并公布结果？', done: '已完成：{op}', bad_json: '不是 JSON 对象',
    wash_trade: '关联账户对敲', auction_share: '竞价份额接近上限', price_band_hit: '触及涨跌幅限制',
    far_from_reference: '成交价偏离基准', cancel_burst: '密集撤单', gep_beyond_quota: 'GEP 超缺口/盈余申报',
    cleared: '已出清', sold_at_reserve: '按底价成交', canceled: '已取消', kind_label: '类型', pledges: '抵质押登记簿',
    pledgor: '出质人', pledgee: '质权人', secured: '担保金额（元）', pending: '待确认', active: '有效', enforcing: '处置中',
    released: '已解押', disposed: '已处置', declined: '已拒绝', withdrawn: '已撤回', recovered: '已受偿',
    pledge_enforced: '质押物进入处置',
  },
});
const ALERT_KINDS = ['wash_trade', 'auction_share', 'price_band_hit', 'far_from_reference', 'cancel_burst', 'gep_beyond_quota',
  'pledge_enforced'];
const ALERTS_MAX = 1000;

const O = { alerts: [], accounts: new Map(), gep: new Map(), auctions: new Map(), pledges: [], accountsTimer: null,
  gepTimer: null, pledgesTimer: null };

// ---- what the exchange says -------------------------------------------------------------------
function refreshAccounts() {
  if (S.role !== 'operator') return;
  send({ op: 'get_accounts' }, (m) => {
    if (m.type !== 'accounts') return;
    O.accounts = new Map(m.accounts.map((a) => [a.account, a]));
    schedule();
  });
}
function refreshPledges() {
  if (S.role !== 'operator') return;
  send({ op: 'get_pledges' }, (m) => { if (m.type === 'pledges') { O.pledges = m.pledges; schedule(); } });
}
function refreshGep() {
  if (!S.account) return;
  for (const mk of S.markets.values()) {
    if (mk.meta.family !== 'gep_indicator') continue;
    send({ op: 'get_gep', instrument: mk.meta.instrument }, (m) => {
      if (m.type !== 'gep') return;
      O.gep.set(m.instrument, m.counties);
      schedule();
    });
  }
}
/// At most one refresh a second, however many messages change balances.
function later(timer, fn) { if (!O[timer]) O[timer] = setTimeout(() => { O[timer] = null; fn(); }, 1000); }

function auction(id, instrument) {
  if (!O.auctions.has(id)) O.auctions.set(id, { id, instrument, notice: null, open: new Set(), bidders: new Set(), allocations: [], result: null });
  return O.auctions.get(id);
}
// Bids reach the operator channel in full; the console counts them and never shows one before
// the close, as the auction's rules promise the bidders.
function onBid(m) {
  const a = auction(m.auction_id, m.instrument);
  if (m.status === 'new' || m.status === 'replaced') { a.open.add(m.bid_id); a.bidders.add(m.to); } else a.open.delete(m.bid_id);
}
S.hooks.sealed = (m) => { auction(m.auction_id, m.instrument).notice = m; };
S.hooks.login = () => {
  if (S.role === 'operator') send({ op: 'subscribe', channel: 'operator' });
  refreshAccounts();
  refreshPledges();
};
S.hooks.instruments = refreshGep;
S.hooks.message = (m) => {
  if (m.type === 'subscribed' && m.channel === 'operator') O.alerts = []; // the history follows
  if (m.type === 'alert') { O.alerts.unshift(m); if (O.alerts.length > ALERTS_MAX) O.alerts.pop(); }
  if (m.type === 'bid') onBid(m);
  if (m.type === 'allocation') auction(m.auction_id, m.instrument).allocations.push(m);
  if (m.type === 'sealed_result') auction(m.auction_id, m.instrument).result = m;
  if (m.type === 'done') notice(t('done', { op: m.op || '' }));
  if (m.to && m.to !== 'public' && ['cash', 'account_status', 'fill', 'sealed_fill', 'holding'].includes(m.type)) later('accountsTimer', refreshAccounts);
  if (m.type === 'fill' && S.markets.get(m.instrument)?.meta.family === 'gep_indicator') later('gepTimer', refreshGep);
  if (m.type === 'pledge') later('pledgesTimer', refreshPledges);
};

// ---- rendering ----------------------------------------------------------------------------------
function render() {
  renderInstruments(); renderMarket(); renderTape($('#tape tbody'), null, 60); renderAlerts();
  renderAccounts(); renderGep(); renderAuctionForm(); renderAuctions(); renderPledges();
}
function renderPledges() {
  if (S.role !== 'operator') return;
  $('#pledges tbody').replaceChildren(...O.pledges.map((p) => {
    const m = S.markets.get(p.instrument);
    return el('tr', { 'data-pledge': p.pledge_id, 'data-status': p.status }, el('td', {}, p.pledge_id),
      el('td', { class: 'ellipsis' }, who(p.pledgor)), el('td', { class: 'ellipsis' }, who(p.pledgee)),
      el('td', { title: fmtTime(p.maturity) }, p.instrument), el('td', { class: 'num' }, m ? fmtQty(m, p.qty) : p.qty),
      el('td', { class: 'num' }, fmtCny(p.secured_amount)),
      el('td', {}, t(p.status), p.recovered !== '0.00' ? ` · ${t('recovered')} ${fmtCny(p.recovered)}` : ''));
  }));
}
function renderInstruments() {
  $('#instruments tbody').replaceChildren(...S.order.map((id) => {
    const m = S.markets.get(id);
    const change = m.last && m.reference ? (Number(m.last) / Number(m.reference) - 1) * 100 : null;
    const cls = change > 0 ? 'num up' : change < 0 ? 'num down' : 'num';
    const row = el('tr', { 'data-instrument': id, 'data-ready': String(m.ready), 'data-phase': m.phase,
      class: id === S.selected ? 'selected' : '' },
      el('td', { class: 'ellipsis' }, instLabel(id)),
      el('td', { class: `phase phase-${m.phase}` }, phaseName(m.phase)),
      el('td', { class: 'num last' }, fmtPx(m, m.last)),
      el('td', { class: cls }, change === null ? '—' : `${change > 0 ? '+' : ''}${change.toFixed(2)}%`),
      el('td', { class: 'num', title: unitOf(m) }, fmtQty(m, m.volume)),
      el('td', { class: 'sync', title: m.ready ? t('ok') : t('resync') }, m.ready ? '✓' : '⟳'));
    row.onclick = () => { S.selected = id; schedule(); };
    return row;
  }));
}
/// The phases an operator may move an instrument to from where it is: never the one it is in;
/// out of a call the uncross runs first, so its buttons say so.
function validTargets(phase) {
  return { continuous: ['halted', 'call', 'closed'], halted: ['continuous', 'call', 'closed'],
    call: ['continuous', 'halted', 'closed'], closed: ['continuous', 'call'] }[phase] || [];
}
function renderMarket() {
  const m = S.markets.get(S.selected);
  if (!m) return;
  $('#sel-name').replaceChildren(instLabel(m.meta.instrument));
  const phase = $('#sel-phase');
  phase.textContent = phaseName(m.phase);
  phase.dataset.phase = m.phase;
  $('#sel-ref').textContent = `${fmtPx(m, m.reference)} CNY/${unitOf(m)}`;
  $('#sel-band').textContent = m.band ? `${fmtPx(m, m.band[0])} – ${fmtPx(m, m.band[1])}` : '—';
  $('#sel-unit').textContent = `${unitOf(m)} · tick ${m.meta.tick} · lot ${m.meta.lot}`;
  $('#sel-turnover').textContent = fmtCny(m.turnover);
  const targets = validTargets(m.phase);
  const inCall = m.phase === 'call';
  $('#op-halt').hidden = !targets.includes('halted');
  $('#op-resume').hidden = inCall || !targets.includes('continuous');
  $('#op-uncross').hidden = !inCall;
  $('#op-call').hidden = !targets.includes('call') || !m.meta.modes.includes('call_auction');
  $('#op-close').hidden = !targets.includes('closed');
  renderLadder($('#ladder tbody'), m);
  drawPriceChart($('#chart'), m);
  drawDepthChart($('#depth'), m);
  const ca = $('#call-auction');
  if (m.auction) {
    const a = m.auction;
    ca.className = '';
    ca.textContent = `${t('indicative')}: ${fmtPx(m, a.indicative_price)} · ${t('volume')}: ${fmtQty(m, a.volume)} · `
      + `${t('surplus_qty')}: ${fmtQty(m, a.surplus)}${a.surplus_side ? ` (${t(a.surplus_side === 'buy' ? 'bid' : 'ask')})` : ''}`;
  } else {
    ca.className = 'muted small';
    ca.textContent = t('no_call');
  }
}
function renderAlerts() {
  const sel = $('#alert-filter');
  const want = ['', ...ALERT_KINDS].map((k) => `${k}:${k ? t(k) : t('all_kinds')}`).join('|');
  if (sel.dataset.built !== `${S.lang}:${want}`) {
    const keep = sel.value;
    sel.replaceChildren(...['', ...ALERT_KINDS].map((k) => el('option', { value: k }, k ? t(k) : t('all_kinds'))));
    sel.value = keep; sel.dataset.built = `${S.lang}:${want}`;
  }
  const kind = sel.value;
  const shown = O.alerts.filter((a) => !kind || a.kind === kind);
  $('#alert-count').textContent = `${shown.length} / ${O.alerts.length}`;
  $('#alerts').replaceChildren(...shown.slice(0, 200).map((a) => el('li', { class: 'alert', 'data-kind': a.kind },
    el('span', { class: 'kind' }, t(a.kind)), ' ', fmtTime(a.time), ' ', a.instrument || '', ' ',
    ...(a.accounts || []).flatMap((x, i) => (i ? [' ↔ ', who(x)] : [who(x)])),
    el('div', { class: 'ev' }, Object.entries(a.evidence || {}).map(([k, v]) => `${k}=${v}`).join(' · ')))));
}
function renderAccounts() {
  if (S.role !== 'operator' || busy($('#accounts'))) return;
  $('#accounts tbody').replaceChildren(...[...O.accounts.values()].map((a) => {
    const act = el('td');
    if (a.kind !== 'operator') {
      const b = el('button', { type: 'button', class: `small${a.status === 'active' ? ' danger' : ''}` }, t(a.status === 'active' ? 'kill' : 'reactivate'));
      b.onclick = () => (a.status === 'active' ? killAccount(a.account) : reactivate(a.account));
      act.append(b);
    }
    return el('tr', { 'data-account': a.account, 'data-status': a.status }, el('td', { class: 'ellipsis' }, who(a.account)),
      el('td', { class: `status-${a.status}` }, t(a.status)), el('td', { class: 'num' }, fmtCny(a.cash.available)),
      el('td', { class: 'num' }, fmtCny(a.cash.held)), act);
  }));
}
function renderGep() {
  const rows = [];
  for (const [inst, counties] of O.gep) {
    const m = S.markets.get(inst);
    for (const c of counties) {
      const gap = Number(c.achieved) - Number(c.target);
      rows.push(el('tr', { 'data-county': c.account }, el('td', { class: 'ellipsis' }, who(c.account)),
        el('td', { class: 'num' }, fmtQty(m, c.target)), el('td', { class: 'num' }, fmtQty(m, c.achieved)),
        el('td', { class: `num ${gap < 0 ? 'down' : gap > 0 ? 'up' : ''}` }, `${gap > 0 ? '+' : ''}${fmt(gap, 0)}`),
        el('td', { class: 'num' }, fmtQty(m, c.bought)), el('td', { class: 'num' }, fmtQty(m, c.sold)),
        el('td', { class: 'num may-buy' }, fmtQty(m, c.may_buy)), el('td', { class: 'num may-sell' }, fmtQty(m, c.may_sell))));
    }
  }
  $('#gep tbody').replaceChildren(...rows);
}
function renderAuctionForm() {
  if (S.role !== 'operator') return;
  const insts = S.order.filter((id) => S.markets.get(id).meta.modes.includes('single_sided_auction'))
    .map((id) => [id, `${id} ${instName(S.markets.get(id))}`]);
  const sellers = [...S.names.values()].filter((a) => a.kind !== 'operator')
    .map((a) => [a.account, S.lang === 'zh' ? a.name_zh : a.name_en]);
  for (const [sel, items] of [[$('#a-instrument'), insts], [$('#a-seller'), sellers]]) {
    const want = items.map((x) => x.join(':')).join('|');
    if (sel.dataset.built === want) continue;
    const keep = sel.value;
    sel.replaceChildren(...items.map(([v, l]) => el('option', { value: v }, l)));
    if (keep) sel.value = keep;
    sel.dataset.built = want;
  }
}
function renderAuctions() {
  if (busy($('#auctions'))) return;
  const list = [...O.auctions.values()].filter((a) => a.notice || a.result);
  if (!list.length) return;
  const now = Date.now();
  $('#auctions').replaceChildren(...list.reverse().map((a) => {
    const n = a.notice || {}, m = S.markets.get(a.instrument);
    const dl = el('dl');
    const add = (k, v) => dl.append(el('dt', {}, t(k)), el('dd', {}, v));
    if (a.notice) {
      add('seller', who(n.seller)); add('offer', `${fmtQty(m, n.offer)} ${unitOf(m)}`); add('reserve', fmtPx(m, n.reserve));
      add('format', `${n.format} / ${n.tie_break}`); add('closes', fmtTime(n.closes_at));
    }
    const card = el('div', { class: 'auction', 'data-auction': String(a.id) }, el('b', {}, `#${a.id} `), instLabel(a.instrument), dl);
    if (a.result) {
      const r = a.result;
      add('result', t(r.status)); add('clearing_price', fmtPx(m, r.clearing_price));
      add('sold_qty', `${fmtQty(m, r.sold)} / ${fmtQty(m, r.offer)}`); add('bid_to_cover', r.bid_to_cover);
      for (const x of a.allocations) add('allocation', el('span', {}, who(x.bidder), ` ${fmtQty(m, x.qty)} (${fmtCny(x.value)} CNY)`));
      card.dataset.status = r.status;
    } else {
      add('bid_count', el('span', { class: 'bid-count' }, String(a.open.size)));
      add('bidders', String(a.bidders.size));
      const closes = Date.parse(n.closes_at || '');
      add('countdown', closes > now ? `${Math.ceil((closes - now) / 1000)} s` : t('closed'));
      if (S.role === 'operator') {
        const b = el('button', { type: 'button', class: 'danger close-auction', disabled: closes > now }, t('close_auction'));
        b.onclick = () => confirmThen(t('confirm_close', { id: a.id }), () => command({ op: 'close_sealed_auction', auction_id: String(a.id) }));
        card.append(b);
      }
    }
    return card;
  }));
}

// ---- operator actions, each behind a confirmation ------------------------------------------------
function command(msg, then) {
  document.activeElement?.blur?.(); // the section clicked in may be rebuilt again
  send(msg, (m) => {
    if (m.type === 'reject') notice(explain(m.code, m.message), true);
    else notice(t('done', { op: msg.op }));
    refreshAccounts();
    if (then) then(m);
  });
}
function setPhase(phase) {
  const inst = S.selected;
  if (!inst) return;
  confirmThen(t('confirm_phase', { inst, phase: phaseName(phase) }), () => command({ op: 'set_phase', instrument: inst, phase }));
}
function killAccount(acct) { confirmThen(t('confirm_kill', { acct: `${nameOf(acct)} (${acct})` }), () => command({ op: 'kill', account: acct })); }
function reactivate(acct) {
  confirmThen(t('confirm_reactivate', { acct: `${nameOf(acct)} (${acct})` }), () => command({ op: 'set_account_status', account: acct, status: 'active' }));
}
function openAuction(e) {
  e.preventDefault();
  const seed = [...crypto.getRandomValues(new Uint8Array(32))].map((b) => b.toString(16).padStart(2, '0')).join('');
  const minutes = Math.max(0.05, Number($('#a-minutes').value) || 30);
  const now = Date.now();
  const msg = { op: 'open_sealed_auction', instrument: $('#a-instrument').value, seller: $('#a-seller').value,
    offer: $('#a-offer').value.trim(), reserve: $('#a-reserve').value.trim(), format: $('#a-format').value,
    tie_break: $('#a-tie').value, bidder_limit: $('#a-limit').value.trim(), group_limit: $('#a-limit').value.trim(),
    undersubscribed: $('#a-under').value, opens_at: new Date(now).toISOString(),
    closes_at: new Date(now + Math.round(minutes * 60_000)).toISOString(), seed };
  if ($('#a-cap').value.trim()) msg.cap = $('#a-cap').value.trim();
  confirmThen(t('confirm_open', { offer: msg.offer, inst: msg.instrument, seller: nameOf(msg.seller), reserve: msg.reserve, minutes }),
    () => command(msg));
}

function init() {
  S.keyStore = 'ecomatch.key.console';
  S.hooks.render = render;
  initCommon();
  for (const b of document.querySelectorAll('#operator-market button')) b.onclick = () => setPhase(b.dataset.phase);
  $('#alert-filter').onchange = schedule;
  $('#open-auction').onsubmit = openAuction;
  $('#raw-send').onclick = () => {
    let msg;
    try { msg = JSON.parse($('#raw').value); } catch { msg = null; }
    if (!msg || typeof msg !== 'object' || !msg.op) { notice(t('bad_json'), true); return; }
    confirmThen(t('confirm_raw', { cmd: JSON.stringify(msg) }), () => command(msg));
  };
  $('#logout').onclick = () => { O.accounts.clear(); O.alerts = []; logout(); };
  setInterval(() => { if (O.auctions.size) schedule(); }, 1000);
  applyLang();
  connect();
}
init();
