#!/usr/bin/env python3
"""An independent reference for ecomatch's sealed-bid clearing and its seeded draw.

Anyone given an auction's terms, its bids and the seed revealed with its result can run this
(Python 3, standard library only) and get the same allocation the exchange published: it
follows docs/PROTOCOL.md ("The seeded draw" and the sealed-bid auction rules), not the Rust
code. A test of the project feeds it hundreds of random auctions and compares its answers with
the engine's, so the two cannot drift apart.

Input, one JSON object per line on stdin:
  {"seed": "<64 hex digits>", "offer": LOTS, "reserve": TICKS, "tie_break": "time" | "random" |
   "pro_rata", "bidder_limit": LOTS, "group_limit": LOTS, "undersubscribed": "cancel" |
   "sell_at_reserve", "bids": [[id, bidder, group or null, price TICKS, qty LOTS, seq], ...]}
Output, one JSON object per line:
  {"status": "cleared" | "sold_at_reserve" | "canceled", "clearing_price": TICKS or null,
   "fills": [[bid id, lots won], ...]}   (bids that win, in input order)

`python3 docs/draw.py --vectors` prints the test vectors of docs/PROTOCOL.md.
"""

import json
import sys

MASK = (1 << 64) - 1
GOLDEN = 0x9E3779B97F4A7C15


def fold(seed: bytes) -> int:
    """The seed's four little-endian 64-bit words mixed in turn into one 64-bit state."""
    acc = 0
    for i in range(0, 32, 8):
        word = int.from_bytes(seed[i:i + 8], "little")
        acc = ((acc ^ word) * GOLDEN) & MASK
        acc = ((acc << 31) | (acc >> 33)) & MASK  # rotate left by 31
    return acc


class SplitMix64:
    """Vigna's splitmix64."""

    def __init__(self, state: int):
        self.state = state & MASK

    def next_u64(self) -> int:
        self.state = (self.state + GOLDEN) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)

    def below(self, n: int) -> int:
        """Uniform in range(n), by rejection: draws at or above the largest multiple of n that
        fits in 64 bits are drawn again."""
        zone = MASK - (MASK % n)
        while True:
            x = self.next_u64()
            if x < zone:
                return x % n


def shuffle(level: list, rng: SplitMix64) -> None:
    """Fisher-Yates, from the last position down: position i swaps with rng.below(i + 1)."""
    for i in range(len(level) - 1, 0, -1):
        j = rng.below(i + 1)
        level[i], level[j] = level[j], level[i]


def pro_rata(qtys: list, left: int, state: int) -> list:
    """Each share floor(q * left / total); the residual lots one each to the first positions
    of a partial Fisher-Yates permutation drawn from a fresh generator at `state`."""
    total = sum(qtys)
    shares = [q * left // total for q in qtys]
    residual = left - sum(shares)
    rng = SplitMix64(state)
    order = list(range(len(qtys)))
    for i in range(residual):
        j = i + rng.below(len(order) - i)
        order[i], order[j] = order[j], order[i]
        shares[order[i]] += 1
    return shares


def clear(case: dict) -> dict:
    seed = bytes.fromhex(case["seed"])
    offer, tie = case["offer"], case["tie_break"]
    bids = [dict(zip(("id", "bidder", "group", "price", "qty", "seq"), b)) for b in case["bids"]]
    # Highest price first; within a price by arrival (seq), then id.
    order = sorted(range(len(bids)), key=lambda i: (-bids[i]["price"], bids[i]["seq"], bids[i]["id"]))
    alloc = [0] * len(bids)
    left = offer
    bidder_left, group_left = {}, {}
    rng = SplitMix64(fold(seed))
    marginal = None
    start = 0
    while start < len(order):
        price = bids[order[start]]["price"]
        end = start
        while end < len(order) and bids[order[end]]["price"] == price:
            end += 1
        level = order[start:end]
        if tie == "random":
            shuffle(level, rng)
        eligible = []
        for i in level:
            b = bids[i]
            mine = bidder_left.setdefault(b["bidder"], case["bidder_limit"])
            q = min(b["qty"], mine)
            if b["group"] is not None:
                ours = group_left.setdefault(b["group"], case["group_limit"])
                q = min(q, ours)
                group_left[b["group"]] = ours - q
            bidder_left[b["bidder"]] = mine - q
            eligible.append(q)
        if sum(eligible) > left:
            if tie == "pro_rata":
                idx = [k for k, q in enumerate(eligible) if q > 0]
                shares = pro_rata([eligible[k] for k in idx], left, fold(seed))
                for k, s in zip(idx, shares):
                    eligible[k] = s
            else:
                for k, q in enumerate(eligible):
                    take = min(q, left)
                    left -= take
                    eligible[k] = take
            for i, q in zip(level, eligible):
                alloc[i] = q
            left, marginal = 0, price
            break
        for i, q in zip(level, eligible):
            alloc[i] = q
        left -= sum(eligible)
        if left == 0:
            marginal = price
            break
        start = end
    if marginal is not None:
        status, price = "cleared", marginal
    elif case["undersubscribed"] == "sell_at_reserve" and left < offer:
        status, price = "sold_at_reserve", case["reserve"]
    else:
        status, price, alloc = "canceled", None, [0] * len(bids)
    fills = [[b["id"], q] for b, q in zip(bids, alloc) if q > 0]
    return {"status": status, "clearing_price": price, "fills": fills}


def vectors() -> None:
    for seed in (bytes(32), bytes(range(32))):
        state = fold(seed)
        rng = SplitMix64(state)
        draws = [rng.next_u64() for _ in range(3)]
        level = list(range(5))
        shuffle(level, SplitMix64(state))
        print(json.dumps({"seed": seed.hex(), "fold": state, "first_draws": draws,
                          "shuffle_of_5": level,
                          "pro_rata_7_of_[3,3,3]": pro_rata([3, 3, 3], 7, state)}))


def main() -> None:
    if sys.argv[1:] == ["--vectors"]:
        vectors()
        return
    for line in sys.stdin:
        if line.strip():
            print(json.dumps(clear(json.loads(line))), flush=False)


if __name__ == "__main__":
    main()
