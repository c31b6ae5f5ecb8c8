// The ecomatch operator dashboard: plain JavaScript over the public WebSocket protocol
// (docs/PROTOCOL.md). No build step and no dependencies, so it is embedded in the binary as is.
'use strict';

const I18N = {
  en: {
    title: 'ecomatch market operations', connected: 'connected', disconnected: 'disconnected',
    login: 'Log in', logout: 'Log out', instruments: 'Instruments', instrument: 'Instrument',
    family: 'Family', phase: 'Phase', last: 'Last', change: 'Chg vs ref.', volume: 'Volume',
    turnover: 'Turnover (CNY)', sync: 'Book', market: 'Market', reference: 'Reference',
    band: 'Band', unit: 'Unit', ladder: 'Depth ladder', bid_qty: 'Bid qty', price: 'Price',
    ask_qty: 'Ask qty', chart: 'Price chart (trades since this page opened)',
    call_auction: 'Call auction', no_call: 'Not in a call auction.', operator_actions: 'Operator actions',
    halt: 'Halt', resume: 'Resume continuous', open_call: 'Open call auction',
    close_call: 'Close call auction (uncross)', close_market: 'Close market', tape: 'Trade tape',
    time: 'Time', qty: 'Qty', kind: 'Kind', auctions: 'Single-sided auctions',
    no_auctions: 'No single-sided auction seen yet.', raw_command: 'Operator command (JSON)',
    send: 'Send…', gep: 'GEP indicators', county: 'County', target: 'Target', achieved: 'Achieved',
    gap: 'Short (−) / surplus (+)', bought: 'Bought', sold: 'Sold',
    gep_note: 'Targets, achievements and trading from get_gep (log in to see them); refreshed after every GEP fill.',
    alerts: 'Surveillance alerts', accounts: 'Accounts', account: 'Account', status: 'Status',
    fills: 'Fills', rejects: 'Rejects', kill: 'Kill switch', reactivate: 'Reactivate',
    not_logged_in: 'Not logged in: read-only market view.', cancel: 'Cancel', confirm: 'Confirm',
    ok: 'in sync', resync: 'resyncing', indicative: 'Indicative price', surplus: 'Surplus',
    confirm_phase: 'Set {inst} to phase "{phase}"?', confirm_kill: 'Throw the kill switch of {acct}? All its orders are canceled.',
    confirm_reactivate: 'Reactivate {acct}?', confirm_raw: 'Send this operator command?\n{cmd}',
    done: 'Done: {op}', rejected: 'Rejected: {code} {message}', bad_json: 'Not a JSON object',
    bid_to_cover: 'Bid-to-cover', countdown: 'Closes in', closed: 'closed',
    continuous: 'continuous', halted: 'halted', call: 'call', closed_phase: 'closed',
    trade: 'continuous', auction_trade: 'auction', block_trade: 'block', sealed_trade: 'sealed',
    read_only: 'read-only', operator: 'operator', participant: 'participant',
    wash_trade: 'Wash trade (affiliated)', auction_share: 'Auction share near limit',
    price_band_hit: 'Price band hit', far_from_reference: 'Trade far from reference',
    cancel_burst: 'Burst of cancels', gep_beyond_quota: 'GEP beyond shortfall/surplus',
    cash: 'Cash', available: 'available', held: 'held', holdings: 'Holdings',
  },
  zh: {
    title: 'ecomatch 生态产品交易监控', connected: '已连接', disconnected: '未连接',
    login: '登录', logout: '退出', instruments: '交易品种', instrument: '品种', family: '类别',
    phase: '交易阶段', last: '最新价', change: '较基准', volume: '成交量', turnover: '成交额（元）',
    sync: '订单簿', market: '行情', reference: '基准价', band: '涨跌幅区间', unit: '单位',
    ladder: '买卖盘', bid_qty: '买量', price: '价格', ask_qty: '卖量', chart: '价格走势（本页打开后的成交）',
    call_auction: '集合竞价', no_call: '未处于集合竞价。', operator_actions: '运营操作', halt: '暂停交易',
    resume: '恢复连续交易', open_call: '开始集合竞价', close_call: '结束集合竞价（撮合）',
    close_market: '闭市', tape: '逐笔成交', time: '时间', qty: '数量', kind: '方式',
    auctions: '单向竞价', no_auctions: '暂无单向竞价。', raw_command: '运营指令（JSON）', send: '发送…',
    gep: 'GEP 指标', county: '区县', target: '目标', achieved: '实现', gap: '缺口−/盈余+',
    bought: '买入', sold: '卖出',
    gep_note: '目标、实现值与买卖量来自 get_gep（登录后可见），每笔 GEP 成交后刷新。',
    alerts: '市场监控预警', accounts: '账户', account: '账户', status: '状态', fills: '成交',
    rejects: '拒单', kill: '紧急停止', reactivate: '恢复账户', not_logged_in: '未登录：只读行情。',
    cancel: '取消', confirm: '确认', ok: '一致', resync: '重新同步', indicative: '参考价',
    surplus: '未匹配量', confirm_phase: '将 {inst} 设为“{phase}”阶段？',
    confirm_kill: '对 {acct} 执行紧急停止？其全部订单将被撤销。', confirm_reactivate: '恢复账户 {acct}？',
    confirm_raw: '发送以下运营指令？\n{cmd}', done: '已完成：{op}', rejected: '被拒绝：{code} {message}',
    bad_json: '不是 JSON 对象', bid_to_cover: '认购倍数', countdown: '距结束', closed: '已结束',
    continuous: '连续交易', halted: '暂停', call: '集合竞价', closed_phase: '闭市',
    trade: '连续', auction_trade: '集合竞价', block_trade: '大宗', sealed_trade: '单向竞价',
    read_only: '只读', operator: '运营方', participant: '交易参与方',
    wash_trade: '关联账户对敲', auction_share: '竞价份额接近上限', price_band_hit: '触及涨跌幅限制',
    far_from_reference: '成交价偏离基准', cancel_burst: '密集撤单', gep_beyond_quota: 'GEP 超缺口/盈余申报',
    cash: '资金', available: '可用', held: '冻结', holdings: '持仓',
  },
};
const UNIT_ZH = { 'tCO2e': '吨二氧化碳当量', 't/yr': '吨/年', 'tce': '吨标准煤', 'm³': '立方米',
  '10⁴ CNY GEP': '万元 GEP', 'credit point': '积分' };
const PUBLIC_TYPES = new Set(['book_update', 'trade', 'auction', 'auction_trade', 'phase',
  'reference_price', 'block_trade']);
const TRADE_TYPES = new Set(['trade', 'auction_trade', 'block_trade', 'sealed_trade']);
const CHECKSUM_LEVELS = 10;
const TAPE_MAX = 200;
const CHART_MAX = 300;

const S = {
  ws: null, nextReq: 1, pending: new Map(), key: sessionStorage.getItem('ecomatch.key') || '',
  account: null, role: 'anonymous', lang: localStorage.getItem('ecomatch.lang')
    || (navigator.language.startsWith('zh') ? 'zh' : 'en'),
  markets: new Map(), order: [], selected: null, tape: [], alerts: [], auctions: new Map(),
  accounts: new Map(), gep: new Map(), me: null, dirty: false,
};

const $ = (sel) => document.querySelector(sel);
function t(key, vars) {
  let s = (I18N[S.lang] && I18N[S.lang][key]) || I18N.en[key] || key;
  for (const [k, v] of Object.entries(vars || {})) s = s.replace(`{${k}}`, v);
  return s;
}
function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'class') e.className = v; else if (k.startsWith('data-')) e.setAttribute(k, v); else e[k] = v;
  }
  for (const k of kids) e.append(k instanceof Node ? k : document.createTextNode(k ?? ''));
  return e;
}
function notice(text, error) {
  const n = $('#notice');
  n.textContent = text;
  n.className = error ? 'error' : '';
}

// ---- numbers, in each family's unit -------------------------------------------------------
function decimals(step) { const i = String(step).indexOf('.'); return i < 0 ? 0 : String(step).length - i - 1; }
function locale() { return S.lang === 'zh' ? 'zh-CN' : 'en-GB'; }
function fmt(value, places) {
  if (value === null || value === undefined || value === '') return '—';
  const n = Number(value);
  return Number.isFinite(n) ? n.toLocaleString(locale(), { minimumFractionDigits: places, maximumFractionDigits: places }) : String(value);
}
function unitOf(m) { return S.lang === 'zh' ? (UNIT_ZH[m.meta.unit] || m.meta.unit) : m.meta.unit; }
function fmtPx(m, p) { return fmt(p, decimals(m.meta.tick)); }
function fmtQty(m, q) { return fmt(q, decimals(m.meta.lot)); }
function fmtCny(v) { return fmt(v, 2); }
function fmtTime(iso) { return iso ? String(iso).replace('T', ' ').replace(/\.\d+Z$|Z$/, '') : ''; }

// ---- Kraken v2 book checksum (gateway/src/server/market.rs) -------------------------------
const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xEDB88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();
function crc32(text) {
  let c = 0xFFFFFFFF;
  for (let i = 0; i < text.length; i++) c = CRC_TABLE[(c ^ text.charCodeAt(i)) & 0xFF] ^ (c >>> 8);
  return (c ^ 0xFFFFFFFF) >>> 0;
}
function strip(s) { return s.replace('.', '').replace(/^0+/, ''); }
function sortedLevels(side, best) {
  const levels = [...side.entries()];
  levels.sort((a, b) => (best === 'high' ? Number(b[0]) - Number(a[0]) : Number(a[0]) - Number(b[0])));
  return levels;
}
function bookChecksum(m) {
  let text = '';
  for (const [p, q] of sortedLevels(m.asks, 'low').slice(0, CHECKSUM_LEVELS)) text += strip(p) + strip(q);
  for (const [p, q] of sortedLevels(m.bids, 'high').slice(0, CHECKSUM_LEVELS)) text += strip(p) + strip(q);
  return crc32(text);
}

// ---- connection -----------------------------------------------------------------------------
function send(msg, onReply) {
  if (!S.ws || S.ws.readyState !== WebSocket.OPEN) return;
  const req_id = S.nextReq++;
  if (onReply) S.pending.set(req_id, onReply);
  S.ws.send(JSON.stringify({ ...msg, req_id }));
}
function connect() {
  const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`);
  S.ws = ws;
  ws.onopen = () => {
    setConn(true);
    if (S.key) doLogin(S.key); else startFeeds();
  };
  ws.onmessage = (ev) => { try { onMessage(JSON.parse(ev.data)); } catch (e) { console.error(e); } };
  ws.onclose = () => {
    setConn(false);
    for (const m of S.markets.values()) m.ready = false;
    if (S.ws === ws) setTimeout(connect, 1000);
  };
}
function setConn(on) {
  const c = $('#conn');
  c.textContent = t(on ? 'connected' : 'disconnected');
  c.dataset.i18n = on ? 'connected' : 'disconnected';
  c.className = on ? 'badge' : 'badge off';
}
function doLogin(key) {
  send({ op: 'login', api_key: key }, (m) => {
    if (m.type !== 'login') {
      S.key = ''; sessionStorage.removeItem('ecomatch.key');
      notice(t('rejected', { code: m.code || '', message: m.message || '' }), true);
      startFeeds();
      return;
    }
    S.key = key; sessionStorage.setItem('ecomatch.key', key);
    S.account = m.account; S.role = m.role;
    startFeeds();
    if (S.role === 'operator') send({ op: 'subscribe', channel: 'operator' });
    refreshMe();
    refreshGep();
    renderWho();
  });
}
function startFeeds() {
  send({ op: 'get_instruments' }, (m) => {
    if (m.type !== 'instruments') return;
    for (const meta of m.instruments) {
      if (!S.markets.has(meta.instrument)) {
        S.order.push(meta.instrument);
        S.markets.set(meta.instrument, newMarket(meta));
      }
      subscribe(meta.instrument);
    }
    if (!S.selected) S.selected = S.order[0];
    schedule();
  });
}
function newMarket(meta) {
  return { meta, bids: new Map(), asks: new Map(), seq: 0, ready: false, phase: '—',
    reference: meta.reference_price, band: null, last: null, volume: 0, turnover: 0,
    auction: null, chart: [], resyncs: 0 };
}
function subscribe(inst) {
  const m = S.markets.get(inst);
  if (m) m.ready = false;
  send({ op: 'subscribe', channel: 'market', instrument: inst });
}
function resync(m, why) {
  console.warn(`resubscribing ${m.meta.instrument}: ${why}`);
  m.resyncs++;
  m.ready = false;
  send({ op: 'unsubscribe', channel: 'market', instrument: m.meta.instrument });
  send({ op: 'subscribe', channel: 'market', instrument: m.meta.instrument });
}
// Every county's target, achievement and trading of each GEP indicator (`get_gep`), refreshed
// after a GEP fill; the numbers come from the exchange, not from what this page happened to see.
function refreshGep() {
  if (!S.account) return;
  for (const mk of S.markets.values()) {
    if (mk.meta.family !== 'gep_indicator') continue;
    send({ op: 'get_gep', instrument: mk.meta.instrument }, (m) => {
      if (m.type !== 'gep') return;
      for (const c of m.counties) {
        Object.assign(gepRow(c.account), { target: c.target, achieved: c.achieved,
          bought: Number(c.bought), sold: Number(c.sold), exact: true });
      }
      schedule();
    });
  }
}
function refreshMe() {
  if (!S.account) return;
  send({ op: 'get_account' }, (m) => { if (m.type === 'account') { S.me = m; gepFromAccount(m); schedule(); } });
}

// ---- messages -------------------------------------------------------------------------------
// A reply is this session's own only if it is addressed to this session's account (or, for
// the server's session replies, to no account): the operator channel carries every account's
// messages, and a req_id alone could be anyone's.
function ownReply(m) {
  return m.req_id !== undefined && (m.to === undefined || m.to === S.account);
}
function onMessage(m) {
  if (ownReply(m) && S.pending.has(m.req_id)) {
    const cb = S.pending.get(m.req_id);
    S.pending.delete(m.req_id);
    cb(m);
  }
  if (m.type === 'book' && m.action === 'snapshot') snapshot(m);
  else if (m.type === 'alert') addAlert(m);
  else if (m.to === 'public' && m.instrument && typeof m.seq === 'number') publicMsg(m);
  else if (m.type === 'done') notice(t('done', { op: m.op || '' }));
  else if (m.type === 'reject') {
    countAccount(m.to, 'rejects');
    if (m.to === S.account) notice(t('rejected', { code: m.code, message: m.message }), true);
  }
  else if (m.to && m.to !== 'public') privateMsg(m);
  if (isSealed(m)) sealed(m);
  schedule();
}
function snapshot(m) {
  const mk = S.markets.get(m.instrument);
  if (!mk) return;
  mk.bids = new Map(m.bids.map(([p, q]) => [p, q]));
  mk.asks = new Map(m.asks.map(([p, q]) => [p, q]));
  mk.seq = m.seq; mk.phase = m.phase; mk.reference = m.reference_price; mk.band = m.band || mk.band;
  mk.last = m.last_price; mk.volume = Number(m.volume); mk.turnover = Number(m.turnover);
  mk.auction = m.auction || null;
  mk.ready = bookChecksum(mk) === m.checksum;
  if (!mk.ready) resync(mk, 'snapshot checksum');
}
function publicMsg(m) {
  const mk = S.markets.get(m.instrument);
  if (!mk || !mk.ready || m.seq <= mk.seq) return; // before the snapshot, or seen already
  if (m.seq !== mk.seq + 1) { resync(mk, `gap ${mk.seq} -> ${m.seq}`); return; }
  mk.seq = m.seq;
  switch (m.type) {
    case 'book_update': {
      const side = m.side === 'buy' ? mk.bids : mk.asks;
      if (Number(m.qty) === 0) side.delete(m.price); else side.set(m.price, m.qty);
      if (typeof m.checksum === 'number' && bookChecksum(mk) !== m.checksum) resync(mk, 'checksum');
      break;
    }
    case 'phase': mk.phase = m.phase; if (m.phase !== 'call') mk.auction = null; break;
    case 'reference_price': mk.reference = m.price; mk.band = m.band; break;
    case 'auction': mk.auction = m; break;
    default: break;
  }
  if (TRADE_TYPES.has(m.type) || (m.price && m.qty && m.trade_id)) trade(mk, m);
}
function trade(mk, m) {
  mk.last = m.price;
  mk.volume += Number(m.qty);
  mk.turnover += Number(m.qty) * Number(m.price);
  mk.chart.push({ time: m.time, price: Number(m.price) });
  if (mk.chart.length > CHART_MAX) mk.chart.shift();
  S.tape.unshift({ time: m.time, instrument: m.instrument, price: m.price, qty: m.qty, kind: m.type });
  if (S.tape.length > TAPE_MAX) S.tape.pop();
}
function privateMsg(m) {
  if (m.type === 'fill') {
    countAccount(m.to, 'fills');
    const mk = S.markets.get(m.instrument);
    if (mk && mk.meta.family === 'gep_indicator') {
      const g = gepRow(m.to);
      if (!g.exact) { if (m.side === 'buy') g.bought += Number(m.qty); else g.sold += Number(m.qty); }
      clearTimeout(S.gepTimer);
      S.gepTimer = setTimeout(refreshGep, 300);
    }
    if (m.to === S.account) refreshMe();
  } else if (m.type === 'account_status') {
    accountRow(m.to).status = m.status;
  } else if ((m.type === 'cash' || m.type === 'holding' || m.type === 'order') && m.to === S.account) {
    refreshMe();
  }
  if (m.type !== 'account_status') accountRow(m.to);
}
function accountRow(name) {
  if (!S.accounts.has(name)) S.accounts.set(name, { status: 'active', fills: 0, rejects: 0 });
  return S.accounts.get(name);
}
function countAccount(name, what) { if (name && name !== 'public') accountRow(name)[what]++; }
function gepRow(county) {
  if (!S.gep.has(county)) S.gep.set(county, { target: null, achieved: null, bought: 0, sold: 0 });
  return S.gep.get(county);
}
function gepFromAccount(a) {
  if (a.kind !== 'county_government') return;
  gepRow(a.account);
}
function addAlert(m) {
  S.alerts.unshift(m);
  for (const a of m.accounts || []) accountRow(a);
  if (m.kind === 'gep_beyond_quota' && m.evidence && m.accounts && m.accounts[0]) {
    const g = gepRow(m.accounts[0]);
    if (m.evidence.target !== undefined) g.target = m.evidence.target;
    if (m.evidence.achieved !== undefined) g.achieved = m.evidence.achieved;
  }
}

// ---- single-sided auctions: rendered from whatever fields their messages carry ------------
function isSealed(m) {
  return typeof m.type === 'string' && (m.type.startsWith('sealed_') || m.type === 'allocation'
    || m.type === 'auction_opened' || m.type === 'auction_result' || m.type === 'auction_closed');
}
function sealed(m) {
  const id = m.auction_id ?? `${m.instrument || ''}`;
  if (!S.auctions.has(id)) S.auctions.set(id, { id, instrument: m.instrument, fields: {}, allocations: [], last: m.type });
  const a = S.auctions.get(id);
  a.last = m.type;
  if (m.type === 'allocation') a.allocations.push(m);
  else if (m.type === 'sealed_trade') a.trades = (a.trades || 0) + 1;
  else for (const [k, v] of Object.entries(m)) if (!['type', 'to', 'req_id', 'seq'].includes(k)) a.fields[k] = v;
}

// ---- rendering ------------------------------------------------------------------------------
function schedule() {
  if (S.dirty) return;
  S.dirty = true;
  requestAnimationFrame(() => { S.dirty = false; render(); });
}
function render() {
  renderInstruments(); renderMarket(); renderTape(); renderAuctions(); renderGep();
  renderAlerts(); renderAccounts();
}
function phaseName(p) { return p === 'closed' ? t('closed_phase') : t(p); }
function renderInstruments() {
  const body = $('#instruments tbody');
  body.replaceChildren(...S.order.map((id) => {
    const m = S.markets.get(id);
    const change = m.last && m.reference ? (Number(m.last) / Number(m.reference) - 1) * 100 : null;
    const cls = change > 0 ? 'num up' : change < 0 ? 'num down' : 'num';
    const row = el('tr', { 'data-instrument': id, 'data-ready': String(m.ready), 'data-phase': m.phase,
      class: id === S.selected ? 'selected' : '' },
      el('td', {}, el('b', {}, id), ' ', el('span', { class: 'muted' }, m.meta.name)),
      el('td', {}, S.lang === 'zh' ? m.meta.family_zh : m.meta.family.replaceAll('_', ' ')),
      el('td', { class: `phase phase-${m.phase}` }, phaseName(m.phase)),
      el('td', { class: 'num last' }, fmtPx(m, m.last)),
      el('td', { class: cls }, change === null ? '—' : `${change > 0 ? '+' : ''}${change.toFixed(2)}%`),
      el('td', { class: 'num' }, `${fmtQty(m, m.volume)} ${unitOf(m)}`),
      el('td', { class: 'num' }, fmtCny(m.turnover)),
      el('td', { class: 'sync' }, m.ready ? t('ok') : t('resync')));
    row.onclick = () => { S.selected = id; schedule(); };
    return row;
  }));
}
function renderMarket() {
  const m = S.markets.get(S.selected);
  if (!m) return;
  $('#sel-name').textContent = `${m.meta.instrument} ${m.meta.name}`;
  const phase = $('#sel-phase');
  phase.textContent = phaseName(m.phase);
  phase.dataset.phase = m.phase;
  $('#sel-ref').textContent = `${fmtPx(m, m.reference)} CNY/${unitOf(m)}`;
  $('#sel-band').textContent = m.band ? `${fmtPx(m, m.band[0])} – ${fmtPx(m, m.band[1])}` : '—';
  $('#sel-unit').textContent = `${unitOf(m)} (${t('price')}: CNY, tick ${m.meta.tick}, lot ${m.meta.lot})`;
  renderLadder(m);
  drawChart(m);
  const ca = $('#call-auction');
  if (m.auction) {
    const a = m.auction;
    ca.className = '';
    ca.textContent = `${t('indicative')}: ${fmtPx(m, a.indicative_price)} · ${t('volume')}: ${fmtQty(m, a.volume)} · `
      + `${t('surplus')}: ${fmtQty(m, a.surplus)}${a.surplus_side ? ` (${a.surplus_side})` : ''}`;
  } else {
    ca.className = 'muted';
    ca.textContent = t('no_call');
  }
}
function renderLadder(m) {
  const asks = sortedLevels(m.asks, 'low').slice(0, CHECKSUM_LEVELS).reverse();
  const bids = sortedLevels(m.bids, 'high').slice(0, CHECKSUM_LEVELS);
  const max = Math.max(1, ...asks.concat(bids).map(([, q]) => Number(q)));
  const bar = (q) => el('span', { class: 'bar', style: '' });
  const qtyCell = (cls, q) => {
    const td = el('td', { class: `num ${cls}` }, q ? fmtQty(m, q) : '');
    if (q) { const b = bar(q); b.style.width = `${(100 * Number(q)) / max}%`; td.prepend(b); }
    return td;
  };
  const rows = asks.map(([p, q]) => el('tr', { class: 'ask' }, qtyCell('bid-qty', null), el('td', { class: 'num px' }, fmtPx(m, p)), qtyCell('ask-qty', q)));
  const spread = asks.length && bids.length ? fmtPx(m, Number(asks[asks.length - 1][0]) - Number(bids[0][0])) : '—';
  rows.push(el('tr', { class: 'spread' }, el('td', { colSpan: 3 }, `spread ${spread}`)));
  for (const [p, q] of bids) rows.push(el('tr', { class: 'bid' }, qtyCell('bid-qty', q), el('td', { class: 'num px' }, fmtPx(m, p)), qtyCell('ask-qty', null)));
  $('#ladder tbody').replaceChildren(...rows);
}
function drawChart(m) {
  const c = $('#chart');
  const g = c.getContext('2d');
  g.clearRect(0, 0, c.width, c.height);
  const pts = m.chart;
  const ref = Number(m.reference);
  const values = pts.map((p) => p.price).concat(Number.isFinite(ref) && m.reference ? [ref] : []);
  if (!values.length) return;
  let lo = Math.min(...values), hi = Math.max(...values);
  if (hi === lo) { hi += 1; lo -= 1; }
  const pad = 24, w = c.width - 2 * pad, h = c.height - 2 * pad;
  const y = (v) => pad + h - ((v - lo) / (hi - lo)) * h;
  g.font = '11px sans-serif'; g.fillStyle = '#6b776f';
  g.fillText(fmtPx(m, hi), 2, pad - 6); g.fillText(fmtPx(m, lo), 2, c.height - 6);
  if (m.reference) {
    g.strokeStyle = '#9aa59d'; g.setLineDash([4, 4]); g.beginPath();
    g.moveTo(pad, y(ref)); g.lineTo(pad + w, y(ref)); g.stroke(); g.setLineDash([]);
  }
  if (!pts.length) return;
  g.strokeStyle = '#17402b'; g.lineWidth = 2; g.beginPath();
  pts.forEach((p, i) => {
    const x = pad + (pts.length === 1 ? w / 2 : (i / (pts.length - 1)) * w);
    if (i === 0) g.moveTo(x, y(p.price)); else g.lineTo(x, y(p.price));
  });
  g.stroke();
  const lastY = y(pts[pts.length - 1].price);
  g.fillStyle = '#17402b'; g.beginPath(); g.arc(pad + (pts.length === 1 ? w / 2 : w), lastY, 3, 0, 7); g.fill();
}
function renderTape() {
  $('#tape tbody').replaceChildren(...S.tape.slice(0, 60).map((r) => {
    const m = S.markets.get(r.instrument);
    return el('tr', { class: 'trade' }, el('td', {}, fmtTime(r.time)), el('td', {}, r.instrument),
      el('td', { class: 'num' }, m ? fmtPx(m, r.price) : r.price),
      el('td', { class: 'num' }, m ? `${fmtQty(m, r.qty)} ${unitOf(m)}` : r.qty), el('td', {}, t(r.kind)));
  }));
}
function renderAuctions() {
  const box = $('#auctions');
  if (!S.auctions.size) return;
  const now = Date.now();
  box.replaceChildren(...[...S.auctions.values()].map((a) => {
    const f = a.fields;
    const dl = el('dl');
    const add = (k, v) => { dl.append(el('dt', {}, k), el('dd', {}, typeof v === 'object' ? JSON.stringify(v) : String(v))); };
    for (const [k, v] of Object.entries(f)) add(k, v);
    const closes = Date.parse(f.closes || f.closes_at || '');
    if (Number.isFinite(closes)) add(t('countdown'), closes > now ? `${Math.ceil((closes - now) / 1000)} s` : t('closed'));
    if (f.bid_to_cover === undefined && f.total_bid !== undefined && Number(f.offer) > 0) add(t('bid_to_cover'), (Number(f.total_bid) / Number(f.offer)).toFixed(2));
    for (const al of a.allocations) add(`→ ${al.bidder}`, `${al.qty}${al.value ? ` (${al.value} CNY)` : ''}`);
    const card = el('div', { class: 'auction', 'data-auction': String(a.id) },
      el('b', {}, `#${a.id} ${a.instrument || ''}`), ' ', el('span', { class: 'muted' }, a.last), dl);
    if (S.role === 'operator' && a.fields.auction_id !== undefined && !a.fields.status) {
      const b = el('button', { type: 'button', class: 'danger' }, `close_sealed_auction #${a.id}`);
      b.onclick = () => confirmThen(t('confirm_raw', { cmd: `close_sealed_auction ${a.id}` }), () => command({ op: 'close_sealed_auction', auction_id: String(a.id) }));
      card.append(b);
    }
    return card;
  }));
}
function renderGep() {
  const rows = [...S.gep.entries()].sort((a, b) => a[0].localeCompare(b[0])).map(([county, g]) => {
    const gap = g.target !== null && g.achieved !== null ? Number(g.achieved) - Number(g.target) : null;
    return el('tr', {}, el('td', {}, county), el('td', { class: 'num' }, fmt(g.target, 0)),
      el('td', { class: 'num' }, fmt(g.achieved, 0)),
      el('td', { class: `num ${gap < 0 ? 'down' : gap > 0 ? 'up' : ''}` }, gap === null ? '—' : `${gap > 0 ? '+' : ''}${fmt(gap, 0)}`),
      el('td', { class: 'num' }, fmt(g.bought, 0)), el('td', { class: 'num' }, fmt(g.sold, 0)));
  });
  $('#gep tbody').replaceChildren(...rows);
}
function renderAlerts() {
  $('#alerts').replaceChildren(...S.alerts.slice(0, 100).map((a) => el('li', { class: 'alert', 'data-kind': a.kind },
    el('span', { class: 'kind' }, t(a.kind)), ' ', fmtTime(a.time), ' ', a.instrument || '', ' ',
    (a.accounts || []).join(' ↔ '),
    el('div', { class: 'ev' }, Object.entries(a.evidence || {}).map(([k, v]) => `${k}=${v}`).join(' · ')))));
}
function renderAccounts() {
  const me = $('#me');
  if (S.me) {
    const holdings = S.me.holdings.map((h) => `${h.instrument} ${h.available}/${h.held}`).join(' · ');
    me.textContent = `${S.me.account} (${S.me.kind}, ${S.me.status}) — ${t('cash')}: ${fmtCny(S.me.cash.available)} ${t('available')}, `
      + `${fmtCny(S.me.cash.held)} ${t('held')}; ${t('holdings')}: ${holdings || '—'}`;
  }
  if (S.role !== 'operator') return;
  $('#accounts tbody').replaceChildren(...[...S.accounts.entries()].sort((a, b) => a[0].localeCompare(b[0])).map(([name, a]) => {
    const kill = el('button', { type: 'button', class: 'danger' }, t('kill'));
    kill.onclick = () => killAccount(name);
    return el('tr', { 'data-account': name }, el('td', {}, name), el('td', {}, a.status),
      el('td', { class: 'num' }, String(a.fills)), el('td', { class: 'num' }, String(a.rejects)), el('td', {}, kill));
  }));
}
function renderWho() {
  document.body.dataset.role = S.role;
  $('#who').textContent = S.account ? `${S.account} · ${t(S.role)}` : t('read_only');
  $('#logout').hidden = !S.account;
  $('#login-form').hidden = Boolean(S.account);
}
function applyLang() {
  document.documentElement.lang = S.lang === 'zh' ? 'zh-CN' : 'en';
  for (const e of document.querySelectorAll('[data-i18n]')) e.textContent = t(e.dataset.i18n);
  $('#lang').textContent = S.lang === 'zh' ? 'English' : '中文';
  document.title = t('title');
  renderWho();
  schedule();
}

// ---- operator actions, each behind a confirmation -------------------------------------------
let pendingConfirm = null;
function confirmThen(text, action) {
  pendingConfirm = action;
  $('#confirm-text').textContent = text;
  $('#confirm').showModal();
}
function command(msg) {
  send(msg, (m) => {
    if (m.type === 'reject') notice(t('rejected', { code: m.code, message: m.message }), true);
    else notice(t('done', { op: msg.op }));
  });
}
function setPhase(phase) {
  const inst = S.selected;
  if (!inst) return;
  confirmThen(t('confirm_phase', { inst, phase: phaseName(phase) }), () => command({ op: 'set_phase', instrument: inst, phase }));
}
function killAccount(acct) {
  if (!acct) return;
  confirmThen(t('confirm_kill', { acct }), () => command({ op: 'kill', account: acct }));
}

function init() {
  $('#confirm').addEventListener('close', () => {
    const action = pendingConfirm;
    pendingConfirm = null;
    if ($('#confirm').returnValue === 'ok' && action) action();
  });
  for (const b of document.querySelectorAll('#operator-market button')) b.onclick = () => setPhase(b.dataset.phase);
  $('#login-form').onsubmit = (e) => { e.preventDefault(); const k = $('#apikey').value.trim(); if (k) doLogin(k); };
  $('#logout').onclick = () => {
    S.key = ''; S.account = null; S.role = 'anonymous'; S.me = null;
    sessionStorage.removeItem('ecomatch.key');
    renderWho();
    const old = S.ws; S.ws = null; old.close(); connect();
  };
  $('#lang').onclick = () => { S.lang = S.lang === 'zh' ? 'en' : 'zh'; localStorage.setItem('ecomatch.lang', S.lang); applyLang(); };
  $('#kill-form').onsubmit = (e) => { e.preventDefault(); killAccount($('#kill-account').value.trim()); };
  $('#reactivate').onclick = () => {
    const acct = $('#kill-account').value.trim();
    if (acct) confirmThen(t('confirm_reactivate', { acct }), () => command({ op: 'set_account_status', account: acct, status: 'active' }));
  };
  $('#raw-send').onclick = () => {
    let msg;
    try { msg = JSON.parse($('#raw').value); } catch { msg = null; }
    if (!msg || typeof msg !== 'object' || !msg.op) { notice(t('bad_json'), true); return; }
    confirmThen(t('confirm_raw', { cmd: JSON.stringify(msg) }), () => command(msg));
  };
  setInterval(() => { if (S.auctions.size) schedule(); }, 1000);
  applyLang();
  connect();
}
init();
