#!/usr/bin/env python3
"""End to end through a stock WebSocket client (Python `websockets`): login, order entry,
fills on two sessions, a book snapshot and updates whose checksums the client verifies, gap
detection by sequence number, an auction run by the operator, refusals that keep the session
usable. Usage: ws_e2e.py ws://HOST:PORT/ws. Exits non-zero with a message on any failure."""

import asyncio
import hashlib
import json
import time
import sys
import zlib
from decimal import Decimal

import websockets

URL = sys.argv[1]
FCS = "LS-FCS-2024"
GEP = "LS-GEP-2025"


def strip(s):
    return s.replace(".", "").lstrip("0")


def kraken_checksum(bids, asks):
    """Kraken v2: ten best asks low to high, then ten best bids high to low."""
    a = sorted(asks.items(), key=lambda kv: Decimal(kv[0]))[:10]
    b = sorted(bids.items(), key=lambda kv: -Decimal(kv[0]))[:10]
    text = "".join(strip(p) + strip(q) for p, q in a + b)
    return zlib.crc32(text.encode()) & 0xFFFFFFFF


class Gap(Exception):
    pass


class Book:
    """A client's copy of one instrument: verified on every message."""

    def __init__(self, snap):
        assert snap["type"] == "book" and snap["action"] == "snapshot", snap
        self.seq = snap["seq"]
        self.bids = {p: q for p, q in snap["bids"]}
        self.asks = {p: q for p, q in snap["asks"]}
        assert kraken_checksum(self.bids, self.asks) == snap["checksum"], snap
        self.phase = snap["phase"]

    def apply(self, m):
        if m["seq"] != self.seq + 1:
            raise Gap(f"expected seq {self.seq + 1}, got {m['seq']}")
        self.seq = m["seq"]
        if m["type"] == "book_update":
            side = self.bids if m["side"] == "buy" else self.asks
            if Decimal(m["qty"]) == 0:
                side.pop(m["price"], None)
            else:
                side[m["price"]] = m["qty"]
            got = kraken_checksum(self.bids, self.asks)
            assert got == m["checksum"], f"checksum {got} != {m['checksum']} after {m}"
        elif m["type"] == "phase":
            self.phase = m["phase"]


class Client:
    def __init__(self, ws, name):
        self.ws, self.name, self.req, self.seen = ws, name, 0, []

    @classmethod
    async def open(cls, name, key=None, **login):
        c = cls(await websockets.connect(URL, max_size=1 << 20), name)
        if key:
            r = await c.call("login", api_key=key, **login)
            assert r["type"] == "login", r
        return c

    async def send(self, op, **fields):
        self.req += 1
        await self.ws.send(json.dumps({"op": op, "req_id": self.req, **fields}))
        return self.req

    async def next(self, timeout=5.0):
        m = json.loads(await asyncio.wait_for(self.ws.recv(), timeout))
        self.seen.append(m)
        return m

    async def until(self, pred, timeout=5.0):
        while True:
            m = await self.next(timeout)
            if pred(m):
                return m

    async def call(self, op, **fields):
        rid = await self.send(op, **fields)
        return await self.until(lambda m: m.get("req_id") == rid)


async def watch(c, inst):
    await c.send("subscribe", channel="market", instrument=inst)
    await c.until(lambda m: m["type"] == "subscribed")
    return Book(await c.until(lambda m: m["type"] == "book"))


async def drain_public(c, book, inst, pred, timeout=5.0):
    """Applies the instrument's public messages to `book` until one matches `pred`."""
    while True:
        m = await c.next(timeout)
        if m.get("instrument") == inst and "seq" in m and m["type"] != "book":
            book.apply(m)
            if pred(m):
                return m


def order(inst, side, price, qty, tif="gtc"):
    return dict(instrument=inst, side=side, type="limit", price=price, qty=qty, tif=tif)


async def trading():
    watcher = await Client.open("watcher")  # anonymous: public data only
    book = await watch(watcher, FCS)
    buyer = await Client.open("zj-cement", "demo-zj-cement")
    seller = await Client.open("lishui-coop", "demo-lishui-coop")

    r = await seller.call("new_order", **order(FCS, "sell", "52.30", "10"), client_order_id="s-1")
    assert r["type"] == "order" and r["status"] == "new" and r["client_order_id"] == "s-1", r
    sell_id = r["order_id"]
    await drain_public(watcher, book, FCS, lambda m: m["type"] == "book_update")
    assert book.asks == {"52.30": "10"}, book.asks

    r = await buyer.call("new_order", **order(FCS, "buy", "52.30", "4", "ioc"))
    assert r["type"] == "order", r
    fill = await buyer.until(lambda m: m["type"] == "fill")
    assert (fill["qty"], fill["liquidity"], fill["status"]) == ("4", "taker", "filled"), fill
    maker = await seller.until(lambda m: m["type"] == "fill")
    assert (maker["order_id"], maker["qty"], maker["liquidity"]) == (sell_id, "4", "maker"), maker
    assert maker["status"] == "partially_filled" and maker["leaves_qty"] == "6", maker
    trade = await drain_public(watcher, book, FCS, lambda m: m["type"] == "trade")
    assert (trade["price"], trade["qty"], trade["aggressor"]) == ("52.30", "4", "buy"), trade
    await drain_public(watcher, book, FCS, lambda m: m["type"] == "book_update")
    assert book.asks == {"52.30": "6"}, book.asks

    # An account never touches another's order; a participant never does operator work.
    r = await buyer.call("cancel_order", order_id=sell_id)
    assert r["type"] == "reject", r
    r = await buyer.call("set_phase", instrument=FCS, phase="halted")
    assert (r["type"], r["code"]) == ("reject", "FORBIDDEN"), r
    # Malformed requests are refused with a code and the session stays usable.
    await buyer.ws.send("{not json")
    r = await buyer.until(lambda m: m["type"] == "reject")
    assert r["code"] == "BAD_JSON", r
    r = await buyer.call("new_order", **order(FCS, "buy", "52.30", "4"), colour="red")
    assert (r["type"], r["code"]) == ("reject", "BAD_REQUEST"), r
    r = await buyer.call("fly_to_the_moon")
    assert (r["type"], r["code"]) == ("reject", "UNKNOWN_OP"), r
    assert (await buyer.call("ping"))["type"] == "pong"
    return watcher, book, seller


async def gap_detection(seller):
    """A client that loses a message sees the gap by its sequence number, resubscribes and
    gets a snapshot that matches the book it should have."""
    c = await Client.open("gappy")
    book = await watch(c, FCS)
    for price in ("53.00", "53.10", "53.20"):
        await seller.call("new_order", **order(FCS, "sell", price, "1"))
    first = await c.until(lambda m: m["type"] == "book_update")
    book.apply(first)
    await c.until(lambda m: m["type"] == "book_update")  # lost on the way
    third = await c.until(lambda m: m["type"] == "book_update")
    try:
        book.apply(third)
        raise AssertionError("a lost message went unnoticed")
    except Gap:
        pass
    await c.send("unsubscribe", channel="market", instrument=FCS)
    await c.until(lambda m: m["type"] == "unsubscribed")
    fresh = await watch(c, FCS)
    assert fresh.seq == third["seq"], (fresh.seq, third)
    assert set(fresh.asks) == {"52.30", "53.00", "53.10", "53.20"}, fresh.asks


async def auction():
    """The operator runs the GEP call auction; the public sees the indicative price and the
    uncross."""
    op = await Client.open("operator", "demo-operator")
    watcher = await Client.open("gep-watcher")
    book = await watch(watcher, GEP)
    r = await op.call("set_phase", instrument=GEP, phase="call")
    assert r["type"] == "done", r
    await drain_public(watcher, book, GEP, lambda m: m["type"] == "phase" and m["phase"] == "call")
    buyer = await Client.open("longquan-gov", "demo-longquan-gov")
    seller = await Client.open("qingyuan-gov", "demo-qingyuan-gov")
    r = await buyer.call("new_order", **order(GEP, "buy", "1000.00", "200", "day"))
    assert r["type"] == "order" and r["status"] == "new", r
    r = await seller.call("new_order", **order(GEP, "sell", "990.00", "300", "day"))
    assert r["type"] == "order", r
    ind = await drain_public(
        watcher, book, GEP, lambda m: m["type"] == "auction" and m["indicative_price"] is not None
    )
    assert ind["volume"] == "200", ind
    r = await op.call("set_phase", instrument=GEP, phase="continuous")
    assert r["type"] == "done", r
    t = await drain_public(watcher, book, GEP, lambda m: m["type"] == "auction_trade")
    assert t["qty"] == "200" and t["price"] == ind["indicative_price"], (t, ind)
    fill = await buyer.until(lambda m: m["type"] == "fill")
    assert fill["qty"] == "200", fill


async def sealed_auction():
    """A sealed-bid reserve sale: the public sees the terms and the seed's hash, never a bid;
    after the close the result reveals the seed, which hashes to what was committed."""
    op = await Client.open("operator", "demo-operator")
    watcher = await Client.open("sealed-watcher")
    book = await watch(watcher, FCS)
    now = int(time.time() * 1000)
    seed = "ab" * 32
    r = await op.call("open_sealed_auction", instrument=FCS, seller="lishui-coop", offer="1000",
                      reserve="45.00", format="uniform", tie_break="random", opens_at=now,
                      closes_at=now + 1500, seed=seed)
    assert r["type"] == "done", r
    opened = await drain_public(watcher, book, FCS, lambda m: m["type"] == "sealed_auction")
    assert opened["seed_hash"] == hashlib.sha256(bytes.fromhex(seed)).hexdigest(), opened
    auction_id = opened["auction_id"]
    bidder = await Client.open("zj-cement", "demo-zj-cement")
    r = await bidder.call("sealed_bid", auction_id=auction_id, price="48.00", qty="200")
    assert r["type"] == "bid", r
    await asyncio.sleep(1.6)
    r = await op.call("close_sealed_auction", auction_id=auction_id)
    assert r["type"] == "done", r
    result = await drain_public(watcher, book, FCS, lambda m: m["type"] == "sealed_result")
    assert result["seed"] == seed and result["bidders"] == 1, result
    leaked = [m for m in watcher.seen if m.get("type") == "bid"]
    assert not leaked, leaked


async def main():
    watcher, book, seller = await trading()
    await gap_detection(seller)
    await auction()
    await sealed_auction()
    print("e2e ok: trading, checksums, gap detection, call auction, sealed auction")


asyncio.run(main())
