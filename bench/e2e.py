#!/usr/bin/env python3
"""The end-to-end benchmark (bench/README.md), driven by bench/run.

On a local stack it: loads a generated corpus into the shared mailbox,
measures the raw ceilings (one libcurl handle fetching every message; COPY of
as many rows), then intake itself: `intaked --once` draining the backlog into
requests with acknowledgments queued (the SMTP server pointed at a closed
port so nothing is sent), then the acknowledgments sent to the MTA, with the
peak RSS of each run and intaked's per-stage times; then the latency from the
MTA accepting a request to its acknowledgment arriving, with the daemon
running. Prints one table and writes the figures as JSON.

Only loopback addresses are used; every sender is a stack user.
"""
import argparse
import imaplib
import json
import os
import re
import shutil
import smtplib
import socket
import statistics
import subprocess
import sys
import threading
import time

USERS = ["alice", "bob", "carol", "dave", "erin"]


def env_of(stack):
    env = {}
    with open(os.path.join(stack, "stack.env")) as f:
        for line in f:
            line = line.strip()
            if line.startswith("export "):
                k, _, v = line[7:].partition("=")
                env[k] = v.strip("'\"")
    return env


def rewrite(raw, user):
    """The corpus writes to requests@example.com from example.com people:
    senders become stack users, the recipient the stack's shared address."""
    head, sep, body = raw.partition(b"\r\n\r\n")
    out, skip = [], False
    for line in head.split(b"\r\n"):
        if line[:1] in (b" ", b"\t"):
            if not skip:
                out.append(line)
            continue
        name = line.split(b":", 1)[0].lower()
        skip = name in (b"from", b"to", b"cc", b"reply-to", b"sender")
        if name == b"from":
            out.append(b"From: Bench " + user.encode() + b" <" + user.encode() + b"@example.test>")
        elif name == b"to":
            out.append(b"To: requests@example.test")
        elif not skip:
            out.append(line)
    return b"\r\n".join(out) + sep + body


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def run_child(cmd, log):
    """Runs cmd; returns (seconds, its peak RSS in MB, output, exit code).
    The peak is the kernel's VmHWM of that process, read until it exits."""
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    peak_kb = 0
    out = []
    import threading
    reader = threading.Thread(target=lambda: out.append(p.stdout.read()))
    reader.start()
    while p.poll() is None:
        try:
            with open("/proc/%d/status" % p.pid) as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        peak_kb = max(peak_kb, int(line.split()[1]))
        except OSError:
            pass
        time.sleep(0.02)
    seconds = time.monotonic() - t0
    reader.join()
    data = out[0] if out else b""
    with open(log, "ab") as f:
        f.write(data)
    return seconds, peak_kb / 1024.0, data.decode("utf-8", "replace"), p.returncode


def stage_times(output):
    stages = {}
    for m in re.finditer(r"stage times \(wall/cpu\): (.*)", output):
        for part in m.group(1).split(", "):
            name, _, rest = part.partition(" ")
            wall, _, cpu = rest.replace(" ms", "").partition("/")
            stages.setdefault(name, [0.0, 0.0])
            stages[name][0] += float(wall)
            stages[name][1] += float(cpu)
    for m in re.finditer(r"send time \(wall/cpu\): ([0-9.]+)/([0-9.]+) ms", output):
        stages.setdefault("send", [0.0, 0.0])
        stages["send"][0] += float(m.group(1))
        stages["send"][1] += float(m.group(2))
    return stages


def measure_latency(a, env, intaked, cfg, log, tag):
    """p50/p99 seconds from the MTA accepting each request to its
    acknowledgment in the sender's inbox, with intaked running on `cfg`."""
    daemon = subprocess.Popen([intaked, "--config", cfg], stdout=open(log, "ab"), stderr=subprocess.STDOUT)
    time.sleep(1.5)
    accepted = {}
    arrived = {}
    sending = [True]

    # The inboxes are watched from the first send on, in a thread of their
    # own: an acknowledgment is timed when it shows up, not after the last
    # request went out.
    def watch():
        boxes = {}
        for user in USERS:
            c = imaplib.IMAP4("127.0.0.1", int(env["IMAP_PORT"]))
            c.login("%s@example.test" % user, env["MAIL_PASSWORD"])
            boxes[user] = c
        deadline = None
        pattern = re.compile(rb"%s-\d{4}" % tag.encode())
        while True:
            if not sending[0]:
                deadline = deadline or time.monotonic() + 90
                if len(arrived) >= len(accepted) or time.monotonic() > deadline:
                    break
            now = time.monotonic()
            for user, c in boxes.items():
                c.select("INBOX", readonly=True)
                typ, data = c.search(None, 'SUBJECT', '"%s-"' % tag)
                ids = data[0].split() if data and data[0] else []
                if not ids:
                    continue
                typ, items = c.fetch(b",".join(ids).decode(), "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
                for item in items:
                    if isinstance(item, tuple):
                        m = pattern.search(item[1])
                        if m and m.group(0).decode() not in arrived:
                            arrived[m.group(0).decode()] = now
            time.sleep(0.02)
        for c in boxes.values():
            c.logout()

    watcher = threading.Thread(target=watch)
    watcher.start()
    smtp = smtplib.SMTP("127.0.0.1", int(env["SMTP_PORT"]))
    interval = 1.0 / a.latency_rate
    t_next = time.monotonic()
    for i in range(a.latency_requests):
        user = USERS[i % len(USERS)]
        subject = "%s-%04d" % (tag, i)
        msg = ("From: %s <%s@example.test>\r\nTo: requests@example.test\r\nSubject: %s\r\n"
               "Message-ID: <%s-%d@%s.example.test>\r\n\r\nPlease look at %s.\r\n") % (user, user, subject, tag, i, user,
                                                                                     subject)
        smtp.sendmail("%s@example.test" % user, ["requests@example.test"], msg)
        accepted[subject] = time.monotonic()  # the MTA's 250
        t_next += interval
        time.sleep(max(0.0, t_next - time.monotonic()))
    smtp.quit()
    sending[0] = False
    watcher.join()
    daemon.terminate()
    daemon.wait(timeout=20)
    lat = sorted(arrived[s] - accepted[s] for s in arrived)

    def pct(q):
        if not lat:
            return float("nan")
        return lat[min(len(lat) - 1, max(0, int(-(-q * len(lat) // 1)) - 1))]

    return {"requests": a.latency_requests, "arrived": len(lat), "p50_s": pct(0.5), "p99_s": pct(0.99),
            "rate_per_s": a.latency_rate}


def print_latency(a, latency):
    for mode, label in (("poll_1s", "polling every 1 s, no IDLE"), ("idle", "IDLE, polling every 60 s")):
        r = latency[mode]
        print("latency MTA accept -> acknowledgment in the inbox, %s, %d requests at %.0f/s: p50 %.2f s, p99 %.2f s "
              "(%d arrived)" % (label, r["requests"], r["rate_per_s"], r["p50_s"], r["p99_s"], r["arrived"]))


def latency_only(a):
    """--latency-only: phase 4 alone, on the stack's own config."""
    env = env_of(a.stack)
    intaked = os.path.join(a.build, "daemon", "intaked")
    log = os.path.join(a.build, "e2e.log")
    open(log, "wb").close()
    with open(os.path.join(a.stack, "intake.toml")) as f:
        base = f.read().replace("[daemon]\n", "[daemon]\nauto_reply_limit = 100000\n", 1)
    latency = {}
    for mode, poll_s, idle in (("poll_1s", 1, "false"), ("idle", 60, "true")):
        cfg = os.path.join(a.stack, "bench-daemon-%s.toml" % mode)
        with open(cfg, "w") as f:
            f.write(base.replace("poll_interval_s = 5", "poll_interval_s = %d\nidle = %s" % (poll_s, idle)))
        latency[mode] = measure_latency(a, env, intaked, cfg, log, "lat%s" % mode.replace("_", ""))
    with open(a.out, "w") as f:
        json.dump({"date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "cpus": os.cpu_count(),
                   "latency": latency}, f, indent=1)
    print()
    print_latency(a, latency)
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--stack", required=True)
    ap.add_argument("--repo", required=True)
    ap.add_argument("--count", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=20261201)
    ap.add_argument("--latency-requests", type=int, default=200)
    ap.add_argument("--latency-rate", type=float, default=20.0)
    ap.add_argument("--out", required=True)
    ap.add_argument("--latency-only", action="store_true", help="only the latency phase (no corpus, no bench binaries)")
    a = ap.parse_args()
    if a.latency_only:
        return latency_only(a)
    env = env_of(a.stack)
    bench = os.path.join(a.build, "bench")
    intaked = os.path.join(a.build, "daemon", "intaked")
    intakectl = os.path.join(a.build, "daemon", "intakectl")
    log = os.path.join(a.build, "e2e.log")
    open(log, "wb").close()

    # 1. The corpus, into the shared mailbox's Maildir (new/, unseen).
    corpus = os.path.join(a.build, "e2e-corpus")
    shutil.rmtree(corpus, ignore_errors=True)
    subprocess.run([os.path.join(bench, "intake_bench_corpus"), "--out", corpus, "--count", str(a.count),
                    "--seed", str(a.seed)], check=True, stdout=subprocess.DEVNULL)
    maildir = os.path.join(a.stack, "state", "mail", "example.test", "requests", "Maildir")
    first = imaplib.IMAP4("127.0.0.1", int(env["IMAP_PORT"]))  # Dovecot makes the Maildir at the first login
    first.login("requests@example.test", env["MAIL_PASSWORD"])
    first.select("INBOX")
    first.logout()
    st = os.stat(maildir)
    total_bytes = 0
    names = sorted(n for n in os.listdir(corpus) if n.endswith(".eml"))
    for i, name in enumerate(names):
        with open(os.path.join(corpus, name), "rb") as f:
            raw = rewrite(f.read(), USERS[i % len(USERS)])
        total_bytes += len(raw)
        path = os.path.join(maildir, "new", "%d.bench%06d.intake" % (1700000000 + i, i))
        with open(path, "wb") as f:
            f.write(raw)
        os.chown(path, st.st_uid, st.st_gid)
    imap = imaplib.IMAP4("127.0.0.1", int(env["IMAP_PORT"]))
    imap.login("requests@example.test", env["MAIL_PASSWORD"])
    imap.select("INBOX")  # Dovecot indexes the new files here, before any timing
    imap.logout()
    mb = total_bytes / 1e6

    # 2. The raw ceilings.
    url = "imap://127.0.0.1:%s/INBOX" % env["IMAP_PORT"]
    password_file = os.path.join(a.stack, "secrets", "mail_password")
    # Twice, the faster counting: the first pass also warms Dovecot's cache
    # (dovecot.index.cache), which intake's drain then finds warm as well.
    raw_fetch = min((json.loads(subprocess.run([os.path.join(bench, "intake_bench_raw"), "raw-fetch", url,
                                                "requests@example.test", password_file],
                                               check=True, stdout=subprocess.PIPE).stdout) for _ in range(2)),
                    key=lambda r: r["seconds"])
    raw_copy = json.loads(subprocess.run([os.path.join(bench, "intake_bench_raw"), "raw-copy", env["DATABASE_URL"],
                                          str(a.count), str(max(1, total_bytes // max(1, a.count)))],
                                         check=True, stdout=subprocess.PIPE).stdout)

    # 3. intake: drain with acknowledgments queued, then send them.
    with open(os.path.join(a.stack, "intake.toml")) as f:
        base = f.read()
    base = base.replace("[daemon]\n", "[daemon]\nauto_reply_limit = 100000\n", 1)
    base = base.replace('log_level = "info"', 'log_level = "info"')
    closed = base.replace("port = %s\nsecurity = \"plain\"\nfrom" % env["SMTP_PORT"],
                          "port = %d\nsecurity = \"plain\"\nfrom" % free_port(), 1)
    if closed == base:
        raise SystemExit("bench: cannot point the SMTP section at a closed port")
    queued_cfg = os.path.join(a.stack, "bench-queued.toml")
    send_cfg = os.path.join(a.stack, "bench-send.toml")
    with open(queued_cfg, "w") as f:
        f.write(closed)
    with open(send_cfg, "w") as f:
        f.write(base)
    drain_s, drain_rss, drain_out, _ = run_child([intaked, "--config", queued_cfg, "--once"], log)
    requests = int(subprocess.run(["psql", env["DATABASE_URL"], "-Atc", "SELECT count(*) FROM requests"],
                                  check=True, stdout=subprocess.PIPE).stdout)
    send_s, send_rss, send_out, send_rc = run_child([intaked, "--config", send_cfg, "--once"], log)
    sent = int(subprocess.run(["psql", env["DATABASE_URL"], "-Atc",
                               "SELECT count(*) FROM outbox WHERE status = 'sent'"],
                              check=True, stdout=subprocess.PIPE).stdout)
    stages = stage_times(drain_out + send_out)

    # 4. Latency: the daemon running, requests sent by SMTP at a steady rate:
    # polling every second without IDLE (the baseline), then IDLE with a
    # poll of a minute (only IDLE can make it fast).
    latency = {}
    for mode, poll_s, idle in (("poll_1s", 1, "false"), ("idle", 60, "true")):
        cfg = os.path.join(a.stack, "bench-daemon-%s.toml" % mode)
        with open(cfg, "w") as f:
            f.write(base.replace("poll_interval_s = 5", "poll_interval_s = %d\nidle = %s" % (poll_s, idle)))
        latency[mode] = measure_latency(a, env, intaked, cfg, log, "lat%s" % mode.replace("_", ""))
    result = {
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "cpus": os.cpu_count(),
        "corpus": {"messages": a.count, "mb": round(mb, 2)},
        "raw_fetch": {"msgs_per_s": raw_fetch["messages"] / raw_fetch["seconds"],
                      "mb_per_s": raw_fetch["bytes"] / 1e6 / raw_fetch["seconds"], "seconds": raw_fetch["seconds"]},
        "raw_copy": {"rows_per_s": raw_copy["messages"] / raw_copy["seconds"],
                     "mb_per_s": raw_copy["bytes"] / 1e6 / raw_copy["seconds"], "seconds": raw_copy["seconds"]},
        "intake_drain_queued": {"msgs_per_s": requests / drain_s, "mb_per_s": mb / drain_s, "seconds": drain_s,
                                "requests": requests, "peak_rss_mb": drain_rss},
        "intake_send": {"acks_per_s": sent / send_s if send_s else 0, "seconds": send_s, "sent": sent,
                        "peak_rss_mb": send_rss, "exit": send_rc},
        "stages_ms_wall_cpu": stages,
        "latency": latency,
    }
    result["intake_over_raw_fetch"] = result["intake_drain_queued"]["msgs_per_s"] / result["raw_fetch"]["msgs_per_s"]
    with open(a.out, "w") as f:
        json.dump(result, f, indent=1)

    r = result
    print()
    print("End-to-end benchmark, %s on %d CPUs; corpus %d messages, %.1f MB" % (r["date"], r["cpus"], a.count, mb))
    print("%-44s %12s %9s" % ("", "messages/s", "MB/s"))
    print("%-44s %12.0f %9.1f" % ("raw IMAP fetch (one libcurl handle)", r["raw_fetch"]["msgs_per_s"], r["raw_fetch"]["mb_per_s"]))
    print("%-44s %12.0f %9.1f" % ("raw PostgreSQL COPY (same rows, same sizes)", r["raw_copy"]["rows_per_s"], r["raw_copy"]["mb_per_s"]))
    print("%-44s %12.0f %9.1f" % ("intake drain, acknowledgments queued", r["intake_drain_queued"]["msgs_per_s"],
                                   r["intake_drain_queued"]["mb_per_s"]))
    print("%-44s %12.0f" % ("intake acknowledgments sent to the MTA", r["intake_send"]["acks_per_s"]))
    print("intake ÷ raw fetch = %.3f (goal ≥ 0.5 and ≥ 1,000 messages/s)" % r["intake_over_raw_fetch"])
    print("peak RSS: drain %.1f MB, send %.1f MB" % (drain_rss, send_rss))
    print("per stage, wall/CPU ms: " + ", ".join("%s %.0f/%.0f" % (k, v[0], v[1]) for k, v in stages.items()))
    print_latency(a, latency)
    print("figures written to " + a.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
