#!/usr/bin/env python3
"""The peak RSS of draining one big message, alone (bench/README.md).

    python3 bench/big_message.py --build BUILD --stack STACK [--bytes N] [--tool heaptrack|massif]

On a running, migrated stack (scripts/stack up STACK): writes bench/e2e.py's
message of N bytes (26,000,000 by default: a base64 attachment) into the
shared mailbox's Maildir, runs `intaked --once` with the SMTP server pointed
at a closed port (the acknowledgment queued, as e2e.py's phase 5 does) and
prints the process's peak RSS (VmHWM, read until it exits), the seconds, and
whether it became one request. With --tool, intaked runs under heaptrack or
valgrind's massif instead (the figures are then the tool's, its file
named in the output): where the memory goes.
"""
import argparse
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--stack", required=True)
    ap.add_argument("--bytes", type=int, default=26000000)
    ap.add_argument("--tool", choices=("heaptrack", "massif"))
    a = ap.parse_args()
    env = e2e.env_of(a.stack)
    intaked = os.path.join(os.path.abspath(a.build), "daemon", "intaked")
    with open(os.path.join(a.stack, "intake.toml")) as f:
        base = f.read()
    closed = base.replace("port = %s\nsecurity = \"plain\"\nfrom" % env["SMTP_PORT"],
                          "port = %d\nsecurity = \"plain\"\nfrom" % e2e.free_port(), 1)
    if closed == base:
        raise SystemExit("big_message: cannot point the SMTP section at a closed port")
    cfg = os.path.join(a.stack, "big-message.toml")
    with open(cfg, "w") as f:
        f.write(closed)
    maildir = os.path.join(a.stack, "state", "mail", "example.test", "requests", "Maildir")
    e2e.select(env, "INBOX")  # Dovecot makes the Maildir at the first login
    before = int(e2e.psql(env, "SELECT count(*) FROM requests"))
    name = "1800000000.bigmessage%d.intake" % before
    # A Message-ID of its own, so that a second run is not a duplicate (the same size).
    raw = e2e.big_message(a.bytes).replace(b"<bench-big@", b"<bench-%06d@" % (before % 1000000), 1)
    e2e.deliver_into(maildir, raw, name)
    e2e.select(env, "INBOX")
    cmd = [intaked, "--config", cfg, "--once"]
    out_dir = os.path.abspath(a.build)
    if a.tool == "heaptrack":
        cmd = ["heaptrack", "-o", os.path.join(out_dir, "big-message.heaptrack")] + cmd
    elif a.tool == "massif":
        cmd = ["valgrind", "--tool=massif", "--massif-out-file=" + os.path.join(out_dir, "big-message.massif")] + cmd
    log = os.path.join(out_dir, "big-message.log")
    open(log, "wb").close()
    seconds, rss_mb, output, rc = e2e.run_child(cmd, log)
    stored = int(e2e.psql(env, "SELECT count(*) FROM requests")) - before
    print("%d bytes: exit %d, %.1f s, peak RSS %.1f MB%s, requests made %d (log %s)" % (
        a.bytes, rc, seconds, rss_mb, " (of the tool and intaked)" if a.tool else "", stored, log))
    # Exit 1 is expected: the acknowledgment could not be sent (closed port).
    return 0 if rc in (0, 1) and stored == 1 else 1


if __name__ == "__main__":
    sys.exit(main())
