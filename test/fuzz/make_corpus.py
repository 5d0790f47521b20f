#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Write the seed inputs of fuzz_api into test/fuzz/corpus/seed-<scenario>.

Each seed spells one scenario in the input format that run_op() in
fuzz_api.c decodes, so the fuzzer starts from inputs that already reach
the wait queues, callbacks, polls and error paths. Run it again after
changing the format; it rewrites only seed-* files (crash-* inputs are
reproducers of bugs and stay as they are).
"""

import os
import sys

OP_OPEN, OP_CLOSE, OP_GET, OP_PUT, OP_PUT_BAD, OP_GET_BULK, OP_PUT_BULK, \
    OP_ABORT, OP_FOR_EACH, OP_POLL, OP_MODULE, OP_LIFECYCLE, OP_SCRIBBLE = range(13)

# len_from() selectors
LEN_1, LEN_SMALL, LEN_SMALL_1, LEN_LARGE, LEN_0, LEN_LARGE_1, LEN_MAX = range(7)
# entry actions
KEEP, REQUEUE, PUTBACK, ABORT_NEXT = range(4)
NO_ENTRY = 16


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
    return s


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "corpus")
    os.makedirs(out, exist_ok=True)
    for name in os.listdir(out):
        if name.startswith("seed-"):
            os.remove(os.path.join(out, name))
    for name, seed in seeds().items():
        with open(os.path.join(out, "seed-" + name), "wb") as f:
            f.write(seed.data)


if __name__ == "__main__":
    main()
