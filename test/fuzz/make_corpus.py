#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Write the committed inputs of fuzz_api into test/fuzz/corpus.

Each input spells one scenario in the input format that run_op() in
fuzz_api.c decodes: seed-<scenario> inputs start the fuzzer from inputs
that already reach the wait queues, gathering, reserves, limits, callbacks,
polls and error paths; crash-<bug> inputs reproduce bugs found earlier and
fail the run if they come back. Run it again after changing the format;
it rewrites every seed-* and crash-* file it knows and leaves other files
alone.
"""

import os
import sys

OP_OPEN, OP_CLOSE, OP_GET, OP_PUT, OP_PUT_BAD, OP_GET_BULK, OP_PUT_BULK, \
    OP_ABORT, OP_FOR_EACH, OP_POLL, OP_MODULE, OP_LIFECYCLE, OP_SCRIBBLE, \
    OP_GET_MULTI, OP_MODULE_EXT = range(15)

# len_from() selectors
LEN_1, LEN_SMALL, LEN_SMALL_1, LEN_LARGE, LEN_0, LEN_LARGE_1, LEN_MAX = range(7)
# entry actions
KEEP, REQUEUE, PUTBACK, ABORT_NEXT = range(4)
NO_ENTRY = 16
# Channels k and k + 4 are two channels of module fuzz<k> (MODEL_CHANNELS 8).
SECOND = 4
# multi_n() selectors beyond a few: the pool's count plus one, n = 0
N_ABOVE_POOL, N_ZERO = 0xc1, 0xff
# do_module_ext()'s priority byte, and its selector's bit that leaves a
# registered module registered (to probe -EEXIST)
PRIO_NORMAL, PRIO_HIGH, PRIO_BAD = 0, 5, 7
EEXIST_PROBE = 0x40
# word 7 of struct iob_entry (lib/iobuf_internal.h): state marker, class, list
WAITING_MAGIC = 0x57a17e5d
AT_QUEUE = 1 << 40


def few(n):
    """multi_n()'s byte for n in 1..64."""
    return n - 1 if n <= 8 else 0x40 | (n - 1)


def reserve(n):
    """reserve_from()'s byte for a small reserve n (below 4 for large)."""
    return 0x80 + n if n else 0


def limit_above(extra):
    """limit_from()'s byte for a limit of the reserve + 1 + extra."""
    return 0x80 | extra


LIMIT_BELOW_RESERVE = 0xc0


def sizes(small_idx, large_idx):
    """do_open's size byte: indexes into its small and large tables."""
    return small_idx | large_idx << 4


class Seed:
    def __init__(self, small_count=0, large_count=0, sizes_byte=0):
        # opts_from(): counts 64 + a, 8 + b; c picks the buffer sizes
        self.data = bytearray([small_count, large_count, sizes_byte])

    def op(self, code, slot, *args):
        self.data += bytes([code, slot, *args])
        return self

    def open(self, slot, small_idx=0, large_idx=0, flags=0):
        return self.op(OP_OPEN, slot, sizes(small_idx, large_idx), flags)

    def close(self, slot):
        return self.op(OP_CLOSE, slot)

    def get(self, slot, lensel, entry=NO_ENTRY, action=KEEP, need=1, no_cb=False):
        e = entry | (0xe0 if no_cb else 0)
        return self.op(OP_GET, slot, lensel, e, action | (need - 1) << 2)

    def put(self, slot, held=0, lensel=LEN_1):
        return self.op(OP_PUT, slot, held, lensel)

    def put_bad(self, slot, kind):
        return self.op(OP_PUT_BAD, slot, kind)

    def get_bulk(self, slot, lensel, n):
        return self.op(OP_GET_BULK, slot, lensel, n)

    def put_bulk(self, slot, start, n, bad=None):
        return self.op(OP_PUT_BULK, slot, start, n,
                       0 if bad is None else 0x80 | bad)

    def abort(self, slot, entry, bad_len=False):
        return self.op(OP_ABORT, slot, entry, 0xf4 if bad_len else 0)

    def for_each(self, slot, stop=23, abort_mask=0):
        return self.op(OP_FOR_EACH, slot, stop, abort_mask)

    def poll(self):
        return self.op(OP_POLL, 0)

    def module(self, slot, what):
        return self.op(OP_MODULE, slot, what)

    def lifecycle(self, what, *opts):
        return self.op(OP_LIFECYCLE, 0, what, *opts)

    def get_multi(self, slot, lensel, nsel, entry=NO_ENTRY, action=KEEP,
                  need=1, no_cb=False, null_bufs=False):
        e = entry | (0xe0 if no_cb else 0)
        a = action | (need - 1) << 2 | (0xe0 if null_bufs else 0)
        return self.op(OP_GET_MULTI, slot, lensel, nsel, e, a)

    def module_ext(self, slot, sel=0, prio=PRIO_NORMAL, rs=0, rl=0, ls=0,
                   ll=0):
        return self.op(OP_MODULE_EXT, slot, sel, prio, rs, rl, ls, ll)

    def scribble(self, entry, word, value):
        return self.op(OP_SCRIBBLE, 0, entry | word << 4,
                       *value.to_bytes(8, "little"))


def seeds():
    s = {}
    s["get-put-cached"] = (Seed().open(0, 5, 2)
        .get(0, LEN_1).get(0, LEN_LARGE).get(0, LEN_SMALL_1)
        .put(0, 0).put(0, 0).put(0, 0).close(0))
    s["exhaust-then-wait-fifo"] = (Seed().open(0)
        .get_bulk(0, LEN_1, 64)
        .get(0, LEN_1, 0).get(0, LEN_1, 1, REQUEUE, 3).get(0, LEN_1, 2)
        .put(0, 0).put(0, 1).put(0, 2).put(0, 3).put(0, 4).put(0, 5)
        .close(0))
    s["poll-after-other-module-closes"] = (Seed().open(0, 8).open(1)
        .get_bulk(1, LEN_1, 32)
        .get(1, LEN_1, 0).get(1, LEN_1, 1).get(1, LEN_1, 2, REQUEUE, 4)
        .close(0).poll().for_each(1).poll().close(1))
    s["putback-chain"] = (Seed().open(0).open(2)
        .get_bulk(0, LEN_LARGE, 8)
        .get(2, LEN_LARGE, 3, PUTBACK).get(2, LEN_LARGE, 4, PUTBACK)
        .get(0, LEN_LARGE, 5, KEEP).get(2, LEN_LARGE, 6, REQUEUE, 2)
        .put(0, 0, LEN_1).put(0, 1).put(0, 2).close(2).close(0))
    s["for-each-abort"] = (Seed().open(0).open(1)
        .get_bulk(0, LEN_1, 64).get_bulk(1, LEN_LARGE, 8)
        .get(0, LEN_1, 0).get(1, LEN_1, 1).get(0, LEN_LARGE, 2)
        .get(0, LEN_1, 3).get(1, LEN_LARGE, 4)
        .for_each(0, 23, 0b101).for_each(1, 0).for_each(1, 0xff)
        .abort(1, 1).abort(0, 1).abort(1, 4, bad_len=True).abort(1, 4)
        .put(0, 0).put(1, 1).close(1).close(0))
    s["poll-callback-aborts-next"] = (Seed().open(0, 8).open(1)
        .get_bulk(1, LEN_1, 32)
        .get(1, LEN_1, 0, ABORT_NEXT).get(1, LEN_1, 1).get(1, LEN_1, 2)
        .close(0).poll().poll().close(1))
    s["put-bulk-to-waiters"] = (Seed().open(0, 3, 1)
        .get_bulk(0, LEN_1, 64).get_bulk(0, LEN_LARGE, 8)
        .get(0, LEN_1, 0).get(0, LEN_LARGE, 1, REQUEUE, 2)
        .get(0, LEN_1, 2, PUTBACK).get(0, LEN_LARGE, 3)
        .put_bulk(0, 0, 20).put_bulk(0, 5, 40).close(0))
    s["bad-pointers"] = (Seed().open(0, 2, 1).get(0, LEN_1).get(0, LEN_LARGE)
        .put_bad(0, 0).put_bad(0, 1).put_bad(0, 2).put_bad(0, 3)
        .put_bad(0, 4).put_bad(0, 5).put_bad(0, 6)
        .put_bulk(0, 0, 2, 1).put_bulk(0, 0, 2, 0)
        .get(0, LEN_0).get(0, LEN_LARGE_1).get(0, LEN_MAX)
        .get_bulk(0, LEN_1, 0).put_bulk(0, 0, 2).close(0))
    # 8 KiB small and 20 KiB large buffers, 69 x 8 KiB before a gap: every
    # page inside a held buffer and the gap page, refused in every build.
    s["interior-pages"] = (Seed(5, 3, 0x0a).open(0, 2, 1).get(0, LEN_1)
        .get(0, LEN_LARGE).get(0, LEN_SMALL).get(0, LEN_LARGE)
        .put_bad(0, 4).put_bad(0, 11).put_bad(0, 18).put_bad(0, 25)
        .put_bad(0, 32).put_bad(0, 39).put_bulk(0, 0, 4, 2)
        .put_bulk(0, 0, 4).close(0))
    s["lifecycle-busy-then-reinit"] = (Seed().open(0).get(0, LEN_1)
        .lifecycle(0).lifecycle(1).lifecycle(2, 1, 2, 3).close(0)
        .lifecycle(0).open(1).put(1, 0).close(1).lifecycle(0)
        .open(0).lifecycle(1, 7, 5, 0x1e).open(0, 10, 4)
        .get(0, LEN_SMALL_1).get(0, LEN_LARGE).lifecycle(3).lifecycle(4)
        .close(0))
    s["modules"] = (Seed().open(2).module(2, 0).get(2, LEN_1).close(2)
        .module(2, 0).open(2).module(2, 1).module(2, 1).module(0, 2)
        .module(0, 3).module(0, 4).module(0, 5).open(2, 3)
        .open(0, 0, 0, 0xff).open(0, 0, 0, 0xfe).open(2, 15, 15)
        .put(0, 0).close(2))
    s["requeue-both-classes-poll"] = (Seed(5, 3, 0x0c).open(0, 6, 1).open(3)
        .get_bulk(3, LEN_1, 53).get_bulk(3, LEN_LARGE, 10)
        .get(3, LEN_1, 7, REQUEUE, 8).get(3, LEN_LARGE, 8, REQUEUE, 3)
        .get(3, LEN_1, 9, PUTBACK).close(0).poll()
        .put_bulk(3, 0, 30).poll().close(3))
    s["scribbled-entries"] = (Seed().open(1).scribble(5, 0, 0xdeadbeef)
        .scribble(5, 4, 0x1234).abort(1, 5).get_bulk(1, LEN_1, 64)
        .get(1, LEN_1, 5).get(1, LEN_1, 5).get(1, LEN_1, 6, no_cb=True)
        .put(1, 0).close(1))
    s["zero-cache-and-oversize"] = (Seed(63, 15, 0x1f).open(0, 0, 0)
        .open(1, 15, 15).open(1, 11, 6).get(0, LEN_LARGE).put(0, 0)
        .get(1, LEN_SMALL).get(1, LEN_SMALL_1).get_bulk(0, LEN_LARGE, 30)
        .close(1).close(0))
    # 8 large buffers, drained; multi entries queue behind each other and a
    # single one; the first gathers, is aborted half-gathered, and its
    # buffers go to the next, whose callback puts them back.
    s["multi-gather"] = (Seed().open(0).open(1).open(2)
        .get_bulk(0, LEN_LARGE, 8)
        .get_multi(1, LEN_LARGE, N_ABOVE_POOL, 0)
        .get_multi(1, LEN_LARGE, N_ZERO, 0)
        .get_multi(1, LEN_LARGE, few(5), 0)
        .get_multi(2, LEN_LARGE, few(4), 1, PUTBACK)
        .get(1, LEN_LARGE, 2)
        .get_multi(2, LEN_LARGE, few(2))
        .put(0, 0).put(0, 0).for_each(1).abort(1, 0)
        .put(0, 0).put(0, 0).poll()
        .get_multi(1, LEN_LARGE, few(3), 3, REQUEUE, 2)
        .put_bulk(0, 0, 4).poll().close(2).close(1).close(0))
    # A closing channel's cache is handed to another channel's entries,
    # which then wait for their callbacks: visited, one aborted, one
    # called back by a poll.
    s["ready-not-called-back"] = (Seed().open(0, 0, 4).open(1)
        .get_bulk(1, LEN_LARGE, 4)
        .get_multi(1, LEN_LARGE, few(3), 0).get(1, LEN_LARGE, 1)
        .close(0).for_each(1).abort(1, 0).get(1, LEN_LARGE, 2)
        .poll().put_bulk(1, 0, 8).close(1))
    # fuzz1 reserves 2 large buffers and may hold 4: its gets take the
    # reserve once fuzz0 drained the ring, then queue, then wait at the
    # limit for its own returns; options the library must refuse.
    s["reserve-limit"] = (Seed()
        .module_ext(1, rl=reserve(2), ll=limit_above(1))
        .open(0).open(1).get_bulk(0, LEN_LARGE, 6)
        .get(1, LEN_LARGE).get(1, LEN_LARGE, 0).get(1, LEN_LARGE, 1)
        .get_multi(1, LEN_LARGE, few(5))
        .get_multi(1, LEN_LARGE, few(2), 2)
        .put(0, 0).put(0, 0).put(0, 0).poll()
        .open(SECOND + 1, 0, 1).get(1, LEN_LARGE, 3).poll()
        .put_bulk(1, 0, 4).for_each(1).poll().close(SECOND + 1)
        .module_ext(3, sel=0x38).module_ext(3, prio=PRIO_BAD)
        .module_ext(3, rs=0xff).module_ext(3, rl=reserve(2),
                                           ll=LIMIT_BELOW_RESERVE)
        .module_ext(3, sel=0xff).module_ext(3, sel=0xfb)
        .module_ext(3, sel=0xfe).module_ext(3, sel=0xfd)
        .module_ext(3, sel=0xfc).module_ext(2, sel=EEXIST_PROBE)
        .module_ext(3, sel=6, ls=limit_above(3))
        .module_ext(3, sel=3, prio=PRIO_HIGH, rs=reserve(2))
        .put_bulk(0, 0, 8).close(1).close(0))
    # fuzz2 is high priority: its entries go first, except past a multi
    # entry that has started gathering.
    s["priority"] = (Seed().module_ext(2, prio=PRIO_HIGH)
        .open(0).open(1).open(2).get_bulk(0, LEN_LARGE, 8)
        .get(1, LEN_LARGE, 0).get(1, LEN_LARGE, 1)
        .get(2, LEN_LARGE, 2).get(2, LEN_LARGE, 3)
        .get_multi(1, LEN_LARGE, few(2), 4)
        .put(0, 0).put(0, 0).put(0, 0).put(0, 0).put(0, 0).put(0, 0)
        .get_multi(1, LEN_LARGE, few(3), 5).put(0, 0)
        .get(2, LEN_LARGE, 6).put(0, 0).put(0, 0).put(0, 0)
        .for_each(2).put_bulk(0, 0, 8).close(2).close(1).close(0))
    # Two channels of fuzz0: either one gets, aborts and walks the
    # module's entries; closing one drops only its own.
    s["two-channels-one-module"] = (Seed().open(0, 2, 1)
        .open(SECOND, 3, 1).open(1).get_bulk(1, LEN_LARGE, 6)
        .get(0, LEN_LARGE).get(0, LEN_LARGE, 0)
        .get(SECOND, LEN_LARGE).get(SECOND, LEN_LARGE, 2)
        .get(SECOND, LEN_LARGE, 3, REQUEUE, 2)
        .for_each(0).abort(SECOND, 0).close(SECOND).put(1, 0)
        .for_each(0).put(0, 1).put(0, 2).close(0).close(1))
    # Reserves registered before initialize are set aside by it, or make
    # it fail when they do not fit.
    s["register-before-initialize"] = (Seed().lifecycle(0)
        .module_ext(1, rs=reserve(10), rl=reserve(3))
        .module_ext(2, rl=0xff).module_ext(3, rl=0xfb)
        .lifecycle(1, 0, 0, 0).module(3, 0).lifecycle(1, 0, 4, 0)
        .open(1).get_bulk(1, LEN_LARGE, 12).get(1, LEN_LARGE)
        .get(1, LEN_LARGE, 0).put(1, 0).close(1))
    return s


def reproducers():
    """Bugs found earlier; word 7 is where struct iob_entry keeps the
    marker that says "waiting" and the list it waits in."""
    r = {}
    r["abort-follows-link-of-unqueued-entry"] = (Seed(5, 3, 0x0c)
        .open(0, 6, 1).open(1).open(3).get_bulk(3, LEN_1, 53)
        .get(1, LEN_1, 0, PUTBACK, 2).put_bulk(0, 0, 10)
        .scribble(0, 7, WAITING_MAGIC | AT_QUEUE).scribble(0, 1, 0xdead0000)
        .abort(1, 0))
    r["abort-of-unqueued-entry-corrupts-queue"] = (Seed(5, 3, 0x0c)
        .open(0, 6, 1).open(1).open(3).get_bulk(3, LEN_1, 53)
        .get(1, LEN_1, 0, PUTBACK, 2).put_bulk(0, 0, 10)
        .scribble(0, 7, WAITING_MAGIC | AT_QUEUE).abort(1, 0))
    r["fresh-entry-holding-waiting-magic"] = (Seed().open(0)
        .get_bulk(0, LEN_1, 64).scribble(0, 7, WAITING_MAGIC | AT_QUEUE)
        .get(0, LEN_1, 0).put(0, 0))
    r["get-entry-without-cb-refused"] = (Seed().open(SECOND)
        .get(SECOND, LEN_1, 12, no_cb=True))
    # fuzz1 (large limit 4) takes back a buffer fuzz0 took: it holds -1,
    # so a get of 2 with 7 free must succeed, not meet the limit.
    r["limit-module-returns-foreign-buffer"] = (Seed()
        .module_ext(1, ll=limit_above(3)).open(0).open(1)
        .get(0, LEN_LARGE).put(1, 0).get_multi(1, LEN_LARGE, few(2))
        .get_multi(1, LEN_LARGE, few(2), 0).poll())
    return r


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "corpus")
    os.makedirs(out, exist_ok=True)
    for name in os.listdir(out):
        if name.startswith("seed-"):
            os.remove(os.path.join(out, name))
    for prefix, inputs in (("seed-", seeds()), ("crash-", reproducers())):
        for name, seed in inputs.items():
            with open(os.path.join(out, prefix + name), "wb") as f:
                f.write(seed.data)


if __name__ == "__main__":
    main()
