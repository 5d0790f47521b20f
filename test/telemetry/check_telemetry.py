#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Ask a running iobuf process through DPDK's own telemetry client.

Usage: check_telemetry.py TELEMETRY_APP

Starts TELEMETRY_APP (test/telemetry/telemetry_app.c) three times:

- with IOBUF_TELEMETRY=1: at three quiescent points (modules registered
  before iobuf_initialize(); buffers out and an entry waiting; after
  iobuf_finish()) it runs dpdk-telemetry.py
  (Debian's dpdk-dev) with /iobuf/stats, /iobuf/modules,
  /iobuf/module,<name> for every module, an unknown module and no module,
  and requires every reply to equal the app's own iobuf_get_stats();
- without IOBUF_TELEMETRY: the EAL has no telemetry socket;
- with IOBUF_TELEMETRY=yes: iobuf_env_init() fails with -EINVAL.

Each app's file prefix is unique (iobuf_<pid>_<n>), so runs in parallel
do not meet. Every wait has a deadline; the app is killed on any failure.
"""
import errno
import json
import os
import queue
import shutil
import subprocess
import sys
import threading

CLIENT = "dpdk-telemetry.py"
STEP_SECONDS = 30


class Failure(Exception):
    pass


class App:
    """The app, its protocol lines on stdout read with a deadline."""

    def __init__(self, path, telemetry):
        env = dict(os.environ)
        env.pop("IOBUF_EAL_ARGS", None)
        env.pop("IOBUF_TELEMETRY", None)
        if telemetry is not None:
            env["IOBUF_TELEMETRY"] = telemetry
        self.proc = subprocess.Popen([path], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, env=env,
                                     text=True)
        self.lines = queue.Queue()
        self.runtime_dir = None
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def event(self, name):
        """The next protocol line, which must be event `name`."""
        try:
            line = self.lines.get(timeout=STEP_SECONDS)
        except queue.Empty:
            raise Failure(f"the app printed no '{name}' line in "
                          f"{STEP_SECONDS} s")
        if line is None:
            raise Failure(f"the app ended (status {self.proc.wait()}) "
                          f"before its '{name}' line")
        msg = json.loads(line)
        if msg.get("event") != name:
            raise Failure(f"expected the app's '{name}' line, got {line!r}")
        self.runtime_dir = msg.get("runtime_dir", self.runtime_dir)
        return msg

    def send(self, word):
        self.proc.stdin.write(word + "\n")
        self.proc.stdin.flush()

    def finish(self):
        """Close its input and require a clean exit."""
        self.proc.stdin.close()
        try:
            status = self.proc.wait(timeout=STEP_SECONDS)
        except subprocess.TimeoutExpired:
            raise Failure(f"the app did not exit within {STEP_SECONDS} s")
        if status != 0:
            raise Failure(f"the app exited with status {status}")

    def kill(self):
        """End the app if it runs; remove the run directory it left."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        # iobuf_env_fini() removes it; an app that failed did not get there.
        if self.runtime_dir and os.path.isdir(self.runtime_dir):
            for name in os.listdir(self.runtime_dir):
                os.unlink(os.path.join(self.runtime_dir, name))
            os.rmdir(self.runtime_dir)


def find_client():
    path = shutil.which(CLIENT) or shutil.which(CLIENT, path="/usr/bin")
    if path is None:
        raise Failure(f"{CLIENT} not found: install Debian's dpdk-dev "
                      "(scripts/setup.sh does)")
    return path


def ask(client, runtime_dir, commands):
    """Run the real client on the app's socket; one JSON reply a command."""
    base, prefix = os.path.split(runtime_dir.rstrip("/"))
    if os.path.basename(base) != "dpdk":
        raise Failure(f"runtime directory {runtime_dir} is not "
                      "<base>/dpdk/<prefix>, where the client looks")
    env = dict(os.environ, RUNTIME_DIRECTORY=os.path.dirname(base))
    try:
        done = subprocess.run([client, "-f", prefix],
                              input="".join(c + "\n" for c in commands),
                              capture_output=True, text=True, env=env,
                              timeout=STEP_SECONDS)
    except subprocess.TimeoutExpired:
        raise Failure(f"{CLIENT} did not answer within {STEP_SECONDS} s")
    lines = done.stdout.splitlines()
    if done.returncode != 0 or len(lines) != len(commands):
        raise Failure(f"{CLIENT} -f {prefix} (status {done.returncode}) "
                      f"printed {len(lines)} lines for {len(commands)} "
                      f"commands:\n{done.stdout}{done.stderr}")
    try:
        return [json.loads(line) for line in lines]
    except json.JSONDecodeError as e:
        raise Failure(f"{CLIENT} printed something else than JSON ({e}):\n"
                      f"{done.stdout}")


def expected_replies(snapshot):
    """What each command must answer, from the app's iobuf_get_stats()."""
    modules = snapshot["modules"]
    expect = [
        ("/iobuf/stats", {"/iobuf/stats": snapshot["stats"]}),
        ("/iobuf/modules", {"/iobuf/modules": [m["name"] for m in modules]}),
    ]
    expect += [(f"/iobuf/module,{m['name']}", {"/iobuf/module": m})
               for m in modules]
    expect += [("/iobuf/module,no_such_module", {"/iobuf/module": None}),
               ("/iobuf/module", {"/iobuf/module": None})]
    return expect


def compare(client, runtime_dir, snapshot, label):
    expect = expected_replies(snapshot)
    got = ask(client, runtime_dir, [cmd for cmd, _ in expect])
    bad = [f"  {cmd}\n    telemetry: {json.dumps(reply)}\n"
           f"    iobuf_get_stats: {json.dumps(want)}"
           for (cmd, want), reply in zip(expect, got) if reply != want]
    if bad:
        raise Failure(f"{label}: telemetry and iobuf_get_stats differ:\n" +
                      "\n".join(bad))
    print(f"ok: {label}: {len(expect)} replies equal iobuf_get_stats()")


def nontrivial(snapshot):
    """The busy snapshot exercises every kind of value."""
    small, large = snapshot["stats"]["small"], snapshot["stats"]["large"]
    outs = [m[c]["out"] for m in snapshot["modules"]
            for c in ("small", "large")]
    if not (small["out"] > 0 and small["cached"] > 0 and
            large["waiting"] > 0 and min(outs) < 0 and
            any(m["channels"] > 0 for m in snapshot["modules"])):
        raise Failure(f"the app's numbers are too plain to test: {snapshot}")


def telemetry_on(app_path, client):
    app = App(app_path, "1")
    try:
        runtime_dir = app.event("env")["runtime_dir"]
        before = app.event("uninitialized")
        if before["stats"]["small"]["total"] != 0 or not before["modules"]:
            raise Failure("before iobuf_initialize() the app should have "
                          f"modules and no pools: {before}")
        compare(client, runtime_dir, before, "before iobuf_initialize()")
        app.send("initialize")
        busy = app.event("busy")
        nontrivial(busy)
        compare(client, runtime_dir, busy, "buffers out, an entry waiting")
        app.send("finish")
        finished = app.event("finished")
        if finished["stats"]["small"]["total"] != 0:
            raise Failure("after iobuf_finish() the pools still count "
                          f"buffers: {finished['stats']}")
        compare(client, runtime_dir, finished, "after iobuf_finish()")
        app.send("exit")
        app.finish()
    finally:
        app.kill()


def telemetry_off_by_default(app_path, client):
    app = App(app_path, None)
    try:
        runtime_dir = app.event("env")["runtime_dir"]
        app.event("uninitialized")
        app.send("initialize")
        app.event("busy")
        socket = os.path.join(runtime_dir, "dpdk_telemetry.v2")
        if os.path.exists(socket):
            raise Failure(f"without IOBUF_TELEMETRY, {socket} exists")
        try:
            ask(client, runtime_dir, ["/iobuf/stats"])
        except Failure:
            pass
        else:
            raise Failure(f"without IOBUF_TELEMETRY, {CLIENT} answered")
        app.send("finish")
        app.event("finished")
        app.send("exit")
        app.finish()
    finally:
        app.kill()
    print("ok: without IOBUF_TELEMETRY the EAL runs no telemetry socket")


def bad_switch_refused(app_path):
    app = App(app_path, "yes")
    try:
        rc = app.event("env_error")["rc"]
        if rc != -errno.EINVAL:
            raise Failure(f"IOBUF_TELEMETRY=yes: iobuf_env_init() returned "
                          f"{rc}, not -EINVAL")
    finally:
        app.kill()
    print("ok: IOBUF_TELEMETRY=yes is refused with -EINVAL")


def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        client = find_client()
        telemetry_on(argv[1], client)
        telemetry_off_by_default(argv[1], client)
        bad_switch_refused(argv[1])
    except Failure as e:
        print(f"FAIL: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
