// What both ecomatch pages share: labels in Chinese and English, every reject code explained
// for a person, exact decimal arithmetic, the WebSocket connection with request/reply
// matching, market data kept in sync by checksum, and the price and depth charts. Plain
// JavaScript with no build step and no dependency, embedded in the binary as is; the operator
// console (app.js) and the trading page (trade.js) load it first.
'use strict';

const I18N = {
  en: {
    connected: 'connected', disconnected: 'disconnected', login: 'Log in', logout: 'Log out',
    instrument: 'Instrument', family: 'Family', phase: 'Phase', last: 'Last', change: 'Chg vs ref.',
    volume: 'Volume', turnover: 'Turnover (CNY)', sync: 'Book', reference: 'Reference', band: 'Band',
    unit: 'Unit', ladder: 'Depth ladder', bid_qty: 'Bid qty', price: 'Price', ask_qty: 'Ask qty',
    chart: 'Price and volume', depth: 'Depth', tape: 'Trade tape', time: 'Time', qty: 'Qty',
    kind: 'Kind', continuous: 'continuous', halted: 'halted', call: 'call auction', closed_phase: 'closed',
    trade: 'continuous', auction_trade: 'auction', block_trade: 'block', sealed_trade: 'sealed',
    ok: 'in sync', resync: 'resyncing', read_only: 'read-only', operator: 'operator',
    participant: 'participant', no_trades: 'No trades yet', spread: 'spread', cash: 'Cash',
    available: 'available', held: 'held', cancel: 'Cancel', confirm: 'Confirm',
    rejected: 'Refused: {code}', indicative: 'Indicative price', surplus_qty: 'Surplus',
    no_call: 'Not in a call auction.', call_auction: 'Call auction', bid: 'bid', ask: 'ask',
    buy: 'Buy', sell: 'Sell', cumulative: 'cumulative', fee: 'Fee', tick: 'Tick', lot: 'Lot',
    account: 'Account', status: 'Status', active: 'active', suspended: 'suspended', killed: 'killed',
    auction_status_new: 'open', offer: 'Offer', reserve: 'Reserve', cap: 'Cap', closes: 'Closes',
    opens: 'Opens', seller: 'Seller', format: 'Format', clearing_price: 'Clearing price', sold: 'Sold', sold_qty: 'Sold',
    bid_to_cover: 'Bid-to-cover', result: 'Result', bids: 'Bids', allocation: 'Allocation',
  },
  zh: {
    connected: '已连接', disconnected: '未连接', login: '登录', logout: '退出', instrument: '品种',
    family: '类别', phase: '交易阶段', last: '最新价', change: '较基准', volume: '成交量',
    turnover: '成交额（元）', sync: '订单簿', reference: '基准价', band: '涨跌幅区间', unit: '单位',
    ladder: '买卖盘', bid_qty: '买量', price: '价格', ask_qty: '卖量', chart: '价格与成交量', depth: '深度图',
    tape: '逐笔成交', time: '时间', qty: '数量', kind: '方式', continuous: '连续交易', halted: '暂停',
    call: '集合竞价', closed_phase: '闭市', trade: '连续', auction_trade: '集合竞价', block_trade: '大宗',
    sealed_trade: '单向竞价', ok: '一致', resync: '重新同步', read_only: '只读', operator: '运营方',
    participant: '交易参与方', no_trades: '暂无成交', spread: '价差', cash: '资金', available: '可用',
    held: '冻结', cancel: '取消', confirm: '确认', rejected: '被拒绝：{code}', indicative: '参考价',
    surplus_qty: '未匹配量', no_call: '未处于集合竞价。', call_auction: '集合竞价', bid: '买', ask: '卖',
    buy: '买入', sell: '卖出', cumulative: '累计', fee: '手续费', tick: '最小价位', lot: '交易单位',
    account: '账户', status: '状态', active: '正常', suspended: '暂停', killed: '紧急停止',
    auction_status_new: '进行中', offer: '出让量', reserve: '底价', cap: '最高价', closes: '截止',
    opens: '开始', seller: '出让方', format: '定价方式', clearing_price: '成交价', sold: '成交量', sold_qty: '成交量',
    bid_to_cover: '认购倍数', result: '结果', bids: '申报', allocation: '分配',
  },
};

/// Every reject code of docs/PROTOCOL.md in plain words, Chinese then English (a test checks
/// that none is missing).
const REJECTS = {
  BAD_JSON: ['消息不是 JSON 对象', 'the message is not a JSON object'],
  BAD_REQUEST: ['请求格式有误（字段缺失、多余或类型不对）', 'the request is malformed (a field missing, unknown or of the wrong type)'],
  UNKNOWN_OP: ['不支持的操作', 'no such operation'],
  BAD_TIME: ['时间格式不对', 'the time is not RFC 3339 or epoch milliseconds'],
  BAD_DECIMAL: ['数字格式不对', 'not a plain decimal number'],
  PRICE_NOT_ON_TICK: ['价格不是最小价位的整数倍', 'the price is not a whole multiple of the tick'],
  QTY_NOT_ON_LOT: ['数量不是交易单位的整数倍', 'the quantity is not a whole multiple of the lot'],
  AMOUNT_NOT_IN_FEN: ['金额精确到分', 'cash amounts are in whole fen'],
  NEGATIVE_VALUE: ['数值不能为负', 'the value is negative'],
  VALUE_TOO_LARGE: ['数值过大', 'the value is too large'],
  MISSING_PRICE: ['限价单需要价格', 'a limit order needs a price'],
  UNEXPECTED_PRICE: ['市价单不带价格', 'a market order takes no price'],
  BAD_ORDER_ID: ['订单号格式不对', 'a malformed order id'],
  BAD_CLIENT_ORDER_ID: ['自定义订单号格式不对（1–36 个可打印字符）', 'a malformed client order id (1–36 printable ASCII)'],
  BAD_DEPTH: ['档位数须在 1–100 之间', 'the depth must be 1 to 100'],
  UNKNOWN_INSTRUMENT: ['没有这个品种', 'no such instrument'],
  UNKNOWN_ACCOUNT: ['没有这个账户', 'no such account'],
  NOT_AUTHORIZED: ['无权执行此操作', 'not allowed for this account'],
  FORBIDDEN: ['只有运营方可以执行此操作', 'only operators may do this'],
  LOGIN_REQUIRED: ['请先登录', 'log in first'],
  BAD_API_KEY: ['API 密钥无效', 'unknown API key'],
  ALREADY_LOGGED_IN: ['本连接已登录', 'this connection is already logged in'],
  LOGIN_RATE_LIMITED: ['登录失败次数过多，请稍后再试', 'too many failed logins: wait a minute'],
  RATE_LIMITED: ['请求过于频繁，请放慢速度', 'too many requests: slow down'],
  BUSY: ['系统繁忙，未执行，请重试', 'the exchange is busy; nothing was done: try again'],
  NOT_PRIMARY: ['本服务器为备机，请连接主机下单', 'this server is a standby: send commands to the primary'],
  UNKNOWN_SHARD: ['没有这个分区', 'no such shard'],
  UNKNOWN_CHANNEL: ['没有这个频道', 'no such channel'],
  TOO_MANY_SUBSCRIPTIONS: ['订阅数已达上限', 'subscription limit reached'],
  MODE_NOT_ALLOWED: ['该品种不支持这种交易方式', 'the instrument does not trade this way'],
  ACCOUNT_SUSPENDED: ['账户已暂停，只能撤单', 'the account is suspended: it may only cancel'],
  ACCOUNT_KILLED: ['账户已被紧急停止，只能撤单', 'the account is killed: it may only cancel'],
  NOT_ELIGIBLE: ['您的账户类型不能交易该品种的这一方向', 'your kind of account may not trade this side of this product'],
  OUTSIDE_AREA: ['不在该品种的区域、市或流域范围内', 'outside the product\'s region, municipality or basin'],
  NO_APPROVED_NEED: ['没有核定的需求量，不能买入', 'no approved requirement recorded: buying needs one'],
  NO_GEP_RECORD: ['没有该年度 GEP 核算记录', 'no GEP record for this indicator'],
  QUOTA_EXCEEDED: ['超出额度：GEP 缺口/盈余、核定需求或持有上限（挂单＋已成交）', 'beyond your quota: GEP shortfall/surplus, approved need or holding limit (open + filled)'],
  ORDER_TOO_LARGE: ['单笔数量超过上限', 'the order is larger than the per-order limit'],
  NOTIONAL_TOO_LARGE: ['单笔金额超过上限', 'the order\'s value is above the per-order limit'],
  INSUFFICIENT_FUNDS: ['可用资金不足（价格×数量＋手续费）', 'not enough available cash (price × quantity + fee)'],
  INSUFFICIENT_HOLDINGS: ['可用持仓不足', 'not enough available holdings'],
  MARKET_CLOSED: ['已闭市，只能撤单', 'the market is closed: cancels only'],
  MARKET_HALTED: ['交易已暂停，只能撤单', 'trading is halted: cancels only'],
  MARKET_IN_CALL: ['集合竞价期间不能改单，请撤单后重新申报', 'no amendments during a call auction: cancel and enter again'],
  INVALID_QUANTITY: ['数量不能为零', 'the quantity is zero'],
  INVALID_PRICE: ['价格不能为零', 'the price is zero'],
  PRICE_OUTSIDE_BAND: ['价格超出涨跌幅限制', 'the price is outside the band around the reference price'],
  POST_ONLY_WOULD_TAKE: ['只做挂单的订单会立即成交，已拒绝', 'a post-only order that would trade at once'],
  INVALID_ORDER: ['订单参数组合无效', 'an impossible combination of order flags'],
  DUPLICATE_ORDER_ID: ['订单号重复（内部）', 'duplicate order id (internal)'],
  SELF_SETTLEMENT: ['同一账户自成交（内部）', 'a trade with itself (internal)'],
  BOOK_FULL: ['订单簿容量已满', 'the book is full'],
  UNKNOWN_ORDER: ['没有这个订单', 'no such order of yours'],
  ORDER_NOT_OPEN: ['订单已成交、撤销或过期', 'the order is filled, canceled or expired'],
  AMEND_QTY_TOO_LOW: ['新的总量必须大于已成交量', 'the new total must be above what is already filled'],
  ZERO_AMOUNT: ['金额不能为零', 'the amount is zero'],
  OVERFLOW: ['数值溢出', 'the amount would overflow'],
  HOLD_UNDERFLOW: ['冻结金额不足（内部）', 'hold underflow (internal)'],
  BLOCK_TOO_SMALL: ['低于大宗交易最低数量', 'below the block-trade threshold'],
  BLOCK_OUTSIDE_BAND: ['大宗交易价格须在基准价 ±30% 以内', 'a block price must be within ±30 % of the reference'],
  NO_REFERENCE_PRICE: ['该品种尚无基准价', 'the instrument has no reference price'],
  BLOCK_EXPIRED: ['大宗交易申请已过期', 'the block proposal has expired'],
  UNKNOWN_BLOCK: ['没有这笔待处理的大宗交易', 'no such open block proposal for you'],
  BLOCK_SELF: ['不能与自己做大宗交易', 'you cannot be your own counterparty'],
  BLOCK_LIMIT: ['待处理的大宗交易申请过多', 'too many open block proposals'],
  BLOCK_COUNTERPARTY_UNABLE: ['对方目前无法完成交收', 'the proposer cannot settle the block now'],
  BAD_BLOCK_ID: ['大宗交易编号格式不对', 'a malformed block id'],
  UNKNOWN_AUCTION: ['没有这场进行中的竞价', 'no such open auction'],
  UNKNOWN_BID: ['没有您的这笔申报', 'no such open bid of yours'],
  AUCTION_NOT_OPEN: ['竞价尚未开始', 'the auction has not opened yet'],
  AUCTION_CLOSED: ['竞价已截止', 'the auction is past its close'],
  AUCTION_STILL_OPEN: ['未到截止时间，不能结束竞价', 'the auction cannot close before its closing time'],
  BID_BELOW_RESERVE: ['申报价低于底价', 'the bid is below the reserve'],
  BID_ABOVE_CAP: ['申报价高于最高价', 'the bid is above the cap'],
  AUCTION_SELF: ['出让方不能参与自己的竞价', 'the seller may not bid in its own auction'],
  BID_LIMIT: ['本场申报笔数已达上限', 'too many open bids in this auction'],
  BAD_AUCTION_WINDOW: ['竞价时间窗口无效', 'the auction window is invalid'],
  BAD_RESERVE: ['底价或最高价无效', 'the reserve or cap is invalid'],
  BAD_PURCHASE_LIMIT: ['购买上限无效', 'the purchase limit is invalid'],
  BAD_AUCTION_ID: ['竞价编号格式不对', 'a malformed auction id'],
  BAD_BID_ID: ['申报编号格式不对', 'a malformed bid id'],
  BAD_SEED: ['随机种子须为 64 位十六进制', 'the seed must be 64 hexadecimal digits'],
  BAD_PLEDGE_ID: ['质押编号格式不对', 'a malformed pledge id'],
  UNKNOWN_PLEDGE: ['没有您的这笔质押', 'no such pledge of yours'],
  PLEDGE_NOT_ALLOWED: ['该品种不允许质押', 'this product may not be pledged'],
  NOT_A_PLEDGEE: ['质权人须为银行或担保公司账户', 'the pledgee must be a bank or guarantee company'],
  PLEDGE_SELF: ['不能向自己质押', 'you cannot pledge to yourself'],
  ZERO_PLEDGE: ['质押数量和担保金额须大于零', 'the quantity and the secured amount must be positive'],
  MATURITY_PASSED: ['到期日须在将来', 'the maturity must be in the future'],
  PLEDGE_NOT_PENDING: ['该质押已不在待确认状态', 'the pledge is no longer pending'],
  PLEDGE_NOT_ACTIVE: ['该质押不在有效状态', 'the pledge is not active'],
  RELEASE_EXCEEDS_PLEDGED: ['解押数量超过质押数量', 'that is more than the pledge holds'],
  NOT_MATURED: ['贷款未到期，不能处置', 'the loan has not matured: no enforcement yet'],
  ENFORCEMENT_OPEN: ['该质押物正在处置拍卖中', 'a disposal auction of this pledge is open'],
  NO_ENFORCEMENT: ['该质押没有进行中的处置', 'no disposal of this pledge is open'],
  PLEDGE_UNDERFLOW: ['质押数量不足（内部）', 'pledge underflow (internal)'],
};

const UNIT_ZH = { 'tCO2e': '吨二氧化碳当量', 't/yr': '吨/年', 'tce': '吨标准煤', 'm³': '立方米',
  '10⁴ CNY GEP': '万元 GEP', 'credit point': '积分' };
const TRADE_TYPES = new Set(['trade', 'auction_trade', 'block_trade', 'sealed_trade']);
const CHECKSUM_LEVELS = 10;
const TAPE_MAX = 300;
const CHART_MAX = 500;

const S = {
  ws: null, nextReq: 1, pending: new Map(), key: '', keyStore: 'ecomatch.key',
  // Chinese first, whatever the browser says; the choice of English is remembered.
  account: null, role: 'anonymous', lang: localStorage.getItem('ecomatch.lang') || 'zh',
  markets: new Map(), order: [], selected: null, tape: [], names: new Map(), dirty: false,
  hooks: { login() {}, instruments() {}, message() {}, render() {}, sealed() {} },
};

const $ = (sel) => document.querySelector(sel);
function t(key, vars) {
  let s = (I18N[S.lang] && I18N[S.lang][key]) || I18N.en[key] || key;
  for (const [k, v] of Object.entries(vars || {})) s = s.replace(`{${k}}`, v);
  return s;
}
function addI18n(extra) { for (const lang of Object.keys(extra)) Object.assign(I18N[lang], extra[lang]); }
function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'class') e.className = v; else if (k.startsWith('data-') || k === 'title') e.setAttribute(k, v); else e[k] = v;
  }
  for (const k of kids.flat()) e.append(k instanceof Node ? k : document.createTextNode(k ?? ''));
  return e;
}
function notice(text, error) {
  const n = $('#notice');
  n.textContent = text;
  n.className = error ? 'error' : '';
}
/// A refusal for a person: its code and what it means, in the page's language.
function explain(code, message) {
  const r = REJECTS[code];
  const plain = r ? r[S.lang === 'zh' ? 0 : 1] : '';
  return `${t('rejected', { code })}${plain ? ` — ${plain}` : ''}${message ? ` (${message})` : ''}`;
}

// ---- names ------------------------------------------------------------------------------------
/// An account's display name in the page's language, or its id.
function nameOf(account) {
  const n = S.names.get(account);
  return n ? (S.lang === 'zh' ? n.name_zh : n.name_en) : account;
}
/// An account shown by name with its id on hover.
function who(account) { return el('span', { class: 'name', title: account, 'data-account': account }, nameOf(account)); }
function instName(m) { return S.lang === 'zh' ? m.meta.name : (m.meta.name_en || m.meta.name); }
/// An instrument shown by id and name, the other language on hover.
function instLabel(id) {
  const m = S.markets.get(id);
  if (!m) return el('span', {}, id);
  return el('span', { title: S.lang === 'zh' ? m.meta.name_en : m.meta.name }, el('b', {}, id), ' ', el('span', { class: 'muted' }, instName(m)));
}

// ---- numbers: exact decimals as scaled BigInts, shown in each family's unit --------------------
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
/// A decimal string as an integer number of 10^-places, or null if it has more places or is
/// not a plain non-negative number.
function scaled(text, places) {
  const s = String(text ?? '').trim();
  if (!/^\d+(\.\d+)?$/.test(s)) return null;
  const [int, frac = ''] = s.split('.');
  if (frac.replace(/0+$/, '').length > places) return null;
  return BigInt(int + frac.padEnd(places, '0'));
}
function unscale(n, places) {
  const neg = n < 0n; let s = (neg ? -n : n).toString().padStart(places + 1, '0');
  if (places) s = `${s.slice(0, -places)}.${s.slice(-places)}`;
  return (neg ? '-' : '') + s;
}
/// Whole steps of `step` in `text` (a tick or a lot), or null when it is not on the step.
function steps(text, step) {
  const places = Math.max(decimals(step), decimals(text));
  const v = scaled(text, places), st = scaled(step, places);
  if (v === null || st === null || st === 0n || v % st !== 0n) return null;
  return v / st;
}
/// What an order holds (docs/PROTOCOL.md, Holds): a buy holds per lot its limit's value plus
/// the fee on one lot rounded up to the fen; a sell locks its lots. Returns fen for a buy.
function expectedHold(meta, price, qty) {
  const ticks = steps(price, meta.tick), lots = steps(qty, meta.lot);
  if (ticks === null || lots === null) return null;
  const perTickLot = scaled(meta.tick, 8) * scaled(meta.lot, 8) * 100n; // fen × 10^16
  const scale = 10n ** 16n;
  if (perTickLot % scale !== 0n) return null;
  const lotValue = ticks * (perTickLot / scale);
  const feeLot = (lotValue * BigInt(meta.fee_bps) + 9999n) / 10000n;
  return { fen: lots * (lotValue + feeLot), lots, value: lots * lotValue, fee: lots * feeLot };
}
function fen(n) { return unscale(n, 2); }

// ---- Kraken v2 book checksum (gateway/src/server/market.rs) ----------------------------------
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

// ---- connection ---------------------------------------------------------------------------------
function send(msg, onReply) {
  if (!S.ws || S.ws.readyState !== WebSocket.OPEN) { notice(t('disconnected'), true); return; }
  const req_id = S.nextReq++;
  if (onReply) S.pending.set(req_id, onReply);
  S.ws.send(JSON.stringify({ ...msg, req_id }));
}
function connect() {
  S.key = sessionStorage.getItem(S.keyStore) || S.key;
  const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`);
  S.ws = ws;
  ws.onopen = () => { setConn(true); if (S.key) doLogin(S.key); else startFeeds(); };
  ws.onmessage = (ev) => { try { onMessage(JSON.parse(ev.data)); } catch (e) { console.error(e); } };
  ws.onclose = () => {
    setConn(false);
    for (const m of S.markets.values()) m.ready = false;
    if (S.ws === ws) setTimeout(connect, 1000);
  };
}
function setConn(on) {
  const c = $('#conn');
  c.dataset.i18n = on ? 'connected' : 'disconnected';
  c.textContent = t(c.dataset.i18n);
  c.className = on ? 'badge' : 'badge off';
}
function doLogin(key) {
  send({ op: 'login', api_key: key }, (m) => {
    if (m.type !== 'login') {
      S.key = ''; sessionStorage.removeItem(S.keyStore);
      notice(explain(m.code, m.message), true);
      startFeeds();
      renderWho();
      return;
    }
    S.key = key; sessionStorage.setItem(S.keyStore, key);
    S.account = m.account; S.role = m.role;
    send({ op: 'get_directory' }, (d) => {
      if (d.type !== 'directory') return;
      for (const a of d.accounts) S.names.set(a.account, a);
      renderWho(); schedule();
    });
    startFeeds();
    S.hooks.login();
    renderWho();
  });
}
function logout() {
  S.key = ''; S.account = null; S.role = 'anonymous';
  sessionStorage.removeItem(S.keyStore);
  renderWho();
  const old = S.ws; S.ws = null; old.close(); connect();
}
function startFeeds() {
  send({ op: 'get_instruments' }, (m) => {
    if (m.type !== 'instruments') return;
    for (const meta of m.instruments) {
      if (!S.markets.has(meta.instrument)) {
        S.order.push(meta.instrument);
        S.markets.set(meta.instrument, newMarket(meta));
      } else S.markets.get(meta.instrument).meta = meta;
      subscribe(meta.instrument);
    }
    if (!S.selected) S.selected = S.order[0];
    S.hooks.instruments();
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

// ---- messages -----------------------------------------------------------------------------------
// A reply is this session's own only if it is addressed to this session's account (or, for the
// server's session replies, to no account): the operator channel carries every account's
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
  else if (m.to === 'public' && m.instrument && typeof m.seq === 'number') publicMsg(m);
  S.hooks.message(m);
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
  mk.chart = (m.trades || []).map(([time, price, qty]) => ({ time: Date.parse(time), price: Number(price), qty: Number(qty) }));
  S.tape = S.tape.filter((r) => r.instrument !== m.instrument)
    .concat((m.trades || []).map(([time, price, qty]) => ({ time, instrument: m.instrument, price, qty, kind: 'trade' })))
    .sort((a, b) => (a.time < b.time ? 1 : -1)).slice(0, TAPE_MAX);
  for (const a of m.sealed_auctions || []) S.hooks.sealed(a);
  for (const d of m.disposals || []) S.hooks.message(d);
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
    case 'sealed_auction': S.hooks.sealed(m); break;
    default: break;
  }
  if (TRADE_TYPES.has(m.type)) trade(mk, m);
}
function trade(mk, m) {
  mk.last = m.price;
  mk.volume += Number(m.qty);
  mk.turnover += Number(m.qty) * Number(m.price);
  mk.chart.push({ time: Date.parse(m.time), price: Number(m.price), qty: Number(m.qty) });
  if (mk.chart.length > CHART_MAX) mk.chart.shift();
  S.tape.unshift({ time: m.time, instrument: m.instrument, price: m.price, qty: m.qty, kind: m.type });
  if (S.tape.length > TAPE_MAX) S.tape.pop();
}

// ---- rendering shared by both pages -------------------------------------------------------------
function schedule() {
  if (S.dirty) return;
  S.dirty = true;
  requestAnimationFrame(() => { S.dirty = false; S.hooks.render(); });
}
/// Whether someone is typing or clicking inside `container`: it is then not rebuilt, so that a
/// market data message never takes the text out of an input or the button from under a click.
function busy(container) {
  const a = document.activeElement;
  return Boolean(a && a !== document.body && container.contains(a) && /^(INPUT|SELECT|TEXTAREA|BUTTON)$/.test(a.tagName));
}
function phaseName(p) { return p === 'closed' ? t('closed_phase') : t(p); }
function renderLadder(body, m) {
  const asks = sortedLevels(m.asks, 'low').slice(0, CHECKSUM_LEVELS).reverse();
  const bids = sortedLevels(m.bids, 'high').slice(0, CHECKSUM_LEVELS);
  const max = Math.max(1, ...asks.concat(bids).map(([, q]) => Number(q)));
  const qtyCell = (cls, q) => {
    const td = el('td', { class: `num ${cls}` }, q ? fmtQty(m, q) : '');
    if (q) { const b = el('span', { class: 'bar' }); b.style.width = `${(100 * Number(q)) / max}%`; td.prepend(b); }
    return td;
  };
  const row = (cls, p, bq, aq) => el('tr', { class: cls, 'data-price': p }, qtyCell('bid-qty', bq), el('td', { class: 'num px' }, fmtPx(m, p)), qtyCell('ask-qty', aq));
  const rows = asks.map(([p, q]) => row('ask', p, null, q));
  const spread = asks.length && bids.length ? fmtPx(m, Number(asks[asks.length - 1][0]) - Number(bids[0][0])) : '—';
  rows.push(el('tr', { class: 'spread' }, el('td', { colSpan: 3 }, `${t('spread')} ${spread}`)));
  for (const [p, q] of bids) rows.push(row('bid', p, q, null));
  body.replaceChildren(...rows);
}
function renderTape(body, only, limit) {
  const rows = S.tape.filter((r) => !only || r.instrument === only).slice(0, limit || 60);
  body.replaceChildren(...rows.map((r) => {
    const m = S.markets.get(r.instrument);
    return el('tr', { class: 'trade' }, el('td', {}, fmtTime(r.time).slice(11)), el('td', { title: m ? instName(m) : '' }, r.instrument),
      el('td', { class: 'num' }, m ? fmtPx(m, r.price) : r.price),
      el('td', { class: 'num' }, m ? fmtQty(m, r.qty) : r.qty), el('td', {}, t(r.kind)));
  }));
}
function renderWho() {
  document.body.dataset.role = S.role;
  $('#who').textContent = S.account ? `${nameOf(S.account)} · ${t(S.role)}` : t('read_only');
  $('#who').title = S.account || '';
  $('#logout').hidden = !S.account;
  $('#login-form').hidden = Boolean(S.account);
}
function applyLang() {
  document.documentElement.lang = S.lang === 'zh' ? 'zh-CN' : 'en';
  for (const e of document.querySelectorAll('[data-i18n]')) e.textContent = t(e.dataset.i18n);
  for (const e of document.querySelectorAll('[data-i18n-title]')) e.title = t(e.dataset.i18nTitle);
  $('#lang').textContent = S.lang === 'zh' ? 'English' : '中文';
  document.title = t('title');
  renderWho();
  schedule();
}
function toggleLang() {
  S.lang = S.lang === 'zh' ? 'en' : 'zh';
  localStorage.setItem('ecomatch.lang', S.lang);
  // What was said in the other language is not said again in this one.
  for (const said of document.querySelectorAll('#notice, #order-result')) said.textContent = '';
  applyLang();
}

// ---- charts ---------------------------------------------------------------------------------------
/// A canvas sized to its box at the screen's pixel density; returns the context and its size.
function canvas2d(c) {
  const r = c.getBoundingClientRect(), dpr = window.devicePixelRatio || 1;
  const w = Math.max(200, Math.round(r.width)), h = Math.max(120, Math.round(r.height));
  if (c.width !== w * dpr || c.height !== h * dpr) { c.width = w * dpr; c.height = h * dpr; }
  const g = c.getContext('2d');
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  g.clearRect(0, 0, w, h);
  g.font = '11px system-ui, sans-serif';
  return { g, w, h };
}
/// About `n` round values spanning lo..hi (1, 2 or 5 times a power of ten apart).
function niceTicks(lo, hi, n) {
  const span = hi - lo || 1, raw = span / n, mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((k) => k * mag).find((s) => s >= raw);
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toFixed(10)));
  return out;
}
function hhmmss(ms) { return new Date(ms).toISOString().slice(11, 19); }
/// Trades as a line over a time axis, with a price axis, the reference and the band dashed,
/// and each trade's volume as a bar underneath.
function drawPriceChart(c, m) {
  const { g, w, h } = canvas2d(c);
  const pts = m.chart.filter((p) => Number.isFinite(p.time));
  const padL = 56, padR = 10, padT = 10, padB = 22, volH = Math.round((h - padT - padB) * 0.22);
  const plotH = h - padT - padB - volH - 6;
  const ref = m.reference ? Number(m.reference) : null;
  const band = m.band ? m.band.map(Number) : [];
  const values = pts.map((p) => p.price).concat(ref ? [ref] : []);
  g.fillStyle = '#6b776f';
  if (!values.length) { g.fillText(t('no_trades'), padL, padT + 14); return; }
  let lo = Math.min(...values), hi = Math.max(...values);
  if (hi === lo) { hi += Math.max(1, hi * 0.01); lo -= Math.max(1, lo * 0.01); }
  const padV = (hi - lo) * 0.08; lo -= padV; hi += padV;
  const t0 = pts.length ? pts[0].time : 0, t1 = pts.length ? pts[pts.length - 1].time : 1;
  const span = Math.max(1000, t1 - t0);
  const x = (tm) => padL + ((tm - t0) / span) * (w - padL - padR);
  const y = (v) => padT + plotH - ((v - lo) / (hi - lo)) * plotH;
  g.strokeStyle = '#e6ebe6'; g.lineWidth = 1; g.textAlign = 'right'; g.textBaseline = 'middle';
  for (const v of niceTicks(lo, hi, 5)) {
    g.beginPath(); g.moveTo(padL, y(v)); g.lineTo(w - padR, y(v)); g.stroke();
    g.fillText(fmtPx(m, v), padL - 4, y(v));
  }
  g.textAlign = 'center'; g.textBaseline = 'top';
  const ticks = Math.max(2, Math.floor((w - padL - padR) / 90));
  for (let i = 0; i <= ticks && pts.length; i++) {
    const tm = t0 + (span * i) / ticks;
    g.fillText(hhmmss(tm), Math.min(w - padR - 24, Math.max(padL + 24, x(tm))), h - padB + 6);
  }
  g.setLineDash([4, 4]); g.strokeStyle = '#9aa59d';
  for (const v of [ref, ...band]) {
    if (v === null || v < lo || v > hi) continue;
    g.beginPath(); g.moveTo(padL, y(v)); g.lineTo(w - padR, y(v)); g.stroke();
  }
  g.setLineDash([]);
  const maxQ = Math.max(1, ...pts.map((p) => p.qty));
  const volTop = padT + plotH + 6;
  g.fillStyle = 'rgba(23, 64, 43, 0.35)';
  for (const p of pts) {
    const bh = (p.qty / maxQ) * volH;
    g.fillRect(x(p.time) - 1.5, volTop + volH - bh, 3, bh);
  }
  if (!pts.length) return;
  g.strokeStyle = '#17402b'; g.lineWidth = 1.8; g.beginPath();
  pts.forEach((p, i) => { if (i === 0) g.moveTo(x(p.time), y(p.price)); else g.lineTo(x(p.time), y(p.price)); });
  g.stroke();
  const lp = pts[pts.length - 1];
  g.fillStyle = '#17402b'; g.beginPath(); g.arc(x(lp.time), y(lp.price), 3, 0, 7); g.fill();
}
/// Cumulative quantity on each side of the book against price: bids stepping down to the left
/// of the spread, asks up to the right.
function drawDepthChart(c, m) {
  const { g, w, h } = canvas2d(c);
  const padL = 56, padR = 10, padT = 10, padB = 22;
  const bids = sortedLevels(m.bids, 'high').map(([p, q]) => [Number(p), Number(q)]);
  const asks = sortedLevels(m.asks, 'low').map(([p, q]) => [Number(p), Number(q)]);
  g.fillStyle = '#6b776f';
  if (!bids.length && !asks.length) { g.fillText('—', padL, padT + 14); return; }
  const cum = (levels) => { let s = 0; return levels.map(([p, q]) => [p, (s += q)]); };
  const cb = cum(bids), ca = cum(asks);
  const prices = cb.concat(ca).map(([p]) => p);
  let lo = Math.min(...prices), hi = Math.max(...prices);
  if (hi === lo) { hi += 1; lo -= 1; }
  // Room beyond the deepest level on each side, so that its step has a width.
  const room = (hi - lo) * 0.08; lo -= room; hi += room;
  const maxQ = Math.max(...cb.concat(ca).map(([, q]) => q));
  const x = (p) => padL + ((p - lo) / (hi - lo)) * (w - padL - padR);
  const y = (q) => padT + (h - padT - padB) - (q / maxQ) * (h - padT - padB);
  g.strokeStyle = '#e6ebe6'; g.textAlign = 'right'; g.textBaseline = 'middle';
  for (const q of niceTicks(0, maxQ, 4)) {
    g.beginPath(); g.moveTo(padL, y(q)); g.lineTo(w - padR, y(q)); g.stroke();
    g.fillText(fmtQty(m, q), padL - 4, y(q));
  }
  g.textAlign = 'center'; g.textBaseline = 'top';
  for (const p of niceTicks(lo, hi, Math.max(2, Math.floor((w - padL) / 80)))) {
    if (p >= lo && p <= hi) g.fillText(fmtPx(m, p), x(p), h - padB + 6);
  }
  const area = (points, edge, colour, fill) => {
    if (!points.length) return;
    g.beginPath(); g.moveTo(x(points[0][0]), y(0));
    let prev = 0;
    for (const [p, q] of points) { g.lineTo(x(p), y(prev)); g.lineTo(x(p), y(q)); prev = q; }
    g.lineTo(x(edge), y(prev)); g.lineTo(x(edge), y(0));
    g.closePath(); g.fillStyle = fill; g.fill(); g.strokeStyle = colour; g.lineWidth = 1.5; g.stroke();
  };
  area(cb, lo, '#1f7a45', 'rgba(31, 122, 69, 0.18)');
  area(ca, hi, '#b3342f', 'rgba(179, 52, 47, 0.18)');
}

// ---- confirmations --------------------------------------------------------------------------------
let pendingConfirm = null;
function confirmThen(text, action) {
  pendingConfirm = action;
  $('#confirm-text').textContent = text;
  $('#confirm').showModal();
}
function initCommon() {
  $('#confirm').addEventListener('close', () => {
    const action = pendingConfirm;
    pendingConfirm = null;
    if ($('#confirm').returnValue === 'ok' && action) action();
    document.activeElement?.blur?.(); // the dialog hands focus back to the button that opened it
  });
  $('#login-form').onsubmit = (e) => { e.preventDefault(); const k = $('#apikey').value.trim(); if (k) doLogin(k); };
  $('#logout').onclick = logout;
  $('#lang').onclick = toggleLang;
  window.addEventListener('resize', schedule);
}
