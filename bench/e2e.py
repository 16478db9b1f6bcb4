#!/usr/bin/env python3
"""The end-to-end benchmark (bench/README.md), driven by bench/run.

On a local stack it: loads a generated corpus into the shared mailbox (and a
copy into a folder of its own for the raw move), measures the raw ceilings
(one libcurl handle fetching every message; COPY of as many rows; UID MOVE
of as many messages, as many a command as intake moves), then intake itself: `intaked --once` draining the backlog into
requests with acknowledgments queued (the SMTP server pointed at a closed
port so nothing is sent), then the acknowledgments sent to the MTA, with the
peak RSS of each run and intaked's per-stage times; then the latency from the
MTA accepting a request to its acknowledgment arriving, with the daemon
running; then the drain of one message of 26,000,000 bytes (peak RSS), and
the raw SMTP ceiling: the acknowledgments intake sent, sent again to the
same MTA over one libcurl handle and over two, no database. Prints one table
and writes the figures as JSON, with the database's durability settings.

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


def psql(env, sql):
    return subprocess.run(["psql", "-X", env["DATABASE_URL"], "-Atc", sql], check=True,
                          stdout=subprocess.PIPE).stdout.decode().strip()


def db_settings(env):
    return {k: psql(env, "SHOW " + k) for k in ("fsync", "synchronous_commit", "full_page_writes")}


def deliver_into(maildir, raw, name):
    """One message straight into a Maildir's new/, owned as Dovecot wants."""
    st = os.stat(maildir)
    path = os.path.join(maildir, "new", name)
    with open(path, "wb") as f:
        f.write(raw)
    os.chown(path, st.st_uid, st.st_gid)


def select(env, folder):
    """A SELECT: Dovecot indexes the files that appeared in the folder."""
    imap = imaplib.IMAP4("127.0.0.1", int(env["IMAP_PORT"]))
    imap.login("requests@example.test", env["MAIL_PASSWORD"])
    typ, _ = imap.select(folder)
    if typ != "OK":
        raise SystemExit("bench: cannot select " + folder)
    imap.logout()


def wait_mta_idle(stack, timeout_s=600):
    """Waits until Postfix has nothing left to deliver (its queue folders are
    empty), so one SMTP phase does not pay for the deliveries of the last."""
    queue = os.path.join(stack, "state", "postfix-queue")
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        n = sum(len(files) for d in ("maildrop", "incoming", "active", "deferred", "hold")
                for _, _, files in os.walk(os.path.join(queue, d)))
        if n == 0:
            return True
        time.sleep(0.5)
    return False


def big_message(size):
    """A request with one attachment, `size` bytes in all (CRLF lines)."""
    head = ("From: Bench alice <alice@example.test>\r\nTo: requests@example.test\r\n"
            "Subject: bench 25 MB attachment\r\nMessage-ID: <bench-big@alice.example.test>\r\n"
            "Date: Mon, 07 Dec 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n"
            "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
            "--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nThe log file of last night's run is attached.\r\n"
            "--b1\r\nContent-Type: application/octet-stream; name=\"run.log\"\r\n"
            "Content-Disposition: attachment; filename=\"run.log\"\r\nContent-Transfer-Encoding: base64\r\n\r\n").encode()
    tail = b"--b1--\r\n"
    line = b"QmVuY2ggYXR0YWNobWVudCBieXRlcyAwMTIzNDU2Nzg5IGFiY2RlZmdoaWprbG1ub3BxcnN0dXZ3eHl6MDEyMzQ1Njc4OTAx\r\n"
    lines = (size - len(head) - len(tail)) // len(line)
    body = line * lines
    pad = size - len(head) - len(tail) - len(body)  # a last, shorter line
    if pad >= 6:
        body += b"QUJD" * ((pad - 2) // 4) + b"=" * ((pad - 2) % 4) + b"\r\n"
    return head + body + tail


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
    # The outbox's claims and outcomes, summed over the connections.
    for m in re.finditer(r"outbox database time \(wall/cpu\): ([0-9.]+)/([0-9.]+) ms", output):
        stages.setdefault("send_database", [0.0, 0.0])
        stages["send_database"][0] += float(m.group(1))
        stages["send_database"][1] += float(m.group(2))
    return stages


def send_connections(output):
    """Per SMTP connection of the send phase: mails sent, SMTP and database wall ms."""
    return [{"connection": int(m.group(1)), "sent": int(m.group(2)), "failed": int(m.group(3)),
             "smtp_ms": float(m.group(4)), "database_ms": float(m.group(5))}
            for m in re.finditer(r"outbox: connection (\d+) of \d+: sent (\d+), failed (\d+); SMTP (\d+) ms, "
                                 r"database (\d+) ms", output)]


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
    ap.add_argument("--smtp-connections", type=int, default=int(os.environ.get("INTAKE_BENCH_SMTP_CONNECTIONS", "2")),
                    help="intake's smtp.connections in the send phase (INTAKE_BENCH_SMTP_CONNECTIONS, default 2)")
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
    # The same messages in a folder of their own, for the raw move (moving
    # them out of INBOX would leave intake nothing to drain).
    imap.create("BenchMoveSource")
    imap.logout()
    move_dir = os.path.join(maildir, ".BenchMoveSource")
    if not os.path.isdir(os.path.join(move_dir, "new")):
        raise SystemExit("bench: no Maildir folder " + move_dir)
    for i, name in enumerate(names):
        with open(os.path.join(corpus, name), "rb") as f:
            deliver_into(move_dir, rewrite(f.read(), USERS[i % len(USERS)]), "%d.benchmove%06d.intake" % (1700000000 + i, i))
    select(env, "BenchMoveSource")
    mb = total_bytes / 1e6
    database = db_settings(env)

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
    # The server's own disposal cost: the same number of messages moved with
    # UID MOVE over one libcurl handle, as many UIDs a command as intake sends
    # (uids_per_command, 100: libcurl 7.88 fails on longer runs of EXPUNGE
    # lines; a batch of 200 is two commands), to an empty folder as
    # Processed is at the start. Twice, the faster counting, as the fetch.
    move_url = "imap://127.0.0.1:%s/BenchMoveSource" % env["IMAP_PORT"]
    raw_moves = []
    for dest in ("BenchMoved", "BenchMoveSource"):
        src = "BenchMoveSource" if dest == "BenchMoved" else "BenchMoved"
        raw_moves.append(json.loads(subprocess.run([os.path.join(bench, "intake_bench_raw"), "raw-move",
                                                    move_url.replace("BenchMoveSource", src),
                                                    "requests@example.test", password_file, dest, "100"],
                                                   check=True, stdout=subprocess.PIPE).stdout))
    raw_move = min(raw_moves, key=lambda r: r["seconds"])
    if raw_move["messages"] != a.count:
        raise SystemExit("bench: the raw move moved %d messages, not %d" % (raw_move["messages"], a.count))
    imap = imaplib.IMAP4("127.0.0.1", int(env["IMAP_PORT"]))
    imap.login("requests@example.test", env["MAIL_PASSWORD"])
    typ, data = imap.status("BenchMoveSource", "(MESSAGES)")  # moved out and back again
    if typ != "OK" or int(re.search(rb"MESSAGES (\d+)", data[0]).group(1)) != a.count:
        raise SystemExit("bench: after the raw moves BenchMoveSource holds %r, not %d messages" % (data, a.count))
    imap.delete("BenchMoveSource")
    imap.delete("BenchMoved")
    imap.logout()

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
        # intake's sending lanes (smtp.connections), as many as the ceiling's.
        f.write(base.replace("[smtp]\n", "[smtp]\nconnections = %d\n" % a.smtp_connections, 1))
    drain_s, drain_rss, drain_out, _ = run_child([intaked, "--config", queued_cfg, "--once"], log)
    requests = int(subprocess.run(["psql", env["DATABASE_URL"], "-Atc", "SELECT count(*) FROM requests"],
                                  check=True, stdout=subprocess.PIPE).stdout)
    send_s, send_rss, send_out, send_rc = run_child([intaked, "--config", send_cfg, "--once"], log)
    sent = int(subprocess.run(["psql", env["DATABASE_URL"], "-Atc",
                               "SELECT count(*) FROM outbox WHERE status = 'sent'"],
                              check=True, stdout=subprocess.PIPE).stdout)
    stages = stage_times(drain_out + send_out)
    sent_up_to = int(psql(env, "SELECT coalesce(max(id), 0) FROM outbox WHERE status = 'sent'"))

    # 4. Latency: the daemon running, requests sent by SMTP at a steady rate:
    # polling every second without IDLE (the baseline), then IDLE with a
    # poll of a minute (only IDLE can make it fast).
    latency = {}
    for mode, poll_s, idle in (("poll_1s", 1, "false"), ("idle", 60, "true")):
        cfg = os.path.join(a.stack, "bench-daemon-%s.toml" % mode)
        with open(cfg, "w") as f:
            f.write(base.replace("poll_interval_s = 5", "poll_interval_s = %d\nidle = %s" % (poll_s, idle)))
        latency[mode] = measure_latency(a, env, intaked, cfg, log, "lat%s" % mode.replace("_", ""))

    # 5. One message of 26,000,000 bytes (daemon.max_message_bytes is
    # 26,214,400) drained alone, acknowledgment queued: intaked's peak RSS.
    before = int(psql(env, "SELECT count(*) FROM requests"))
    deliver_into(maildir, big_message(26000000), "1800000000.benchbig.intake")
    select(env, "INBOX")
    big_s, big_rss, _, big_rc = run_child([intaked, "--config", queued_cfg, "--once"], log)
    big_stored = int(psql(env, "SELECT count(*) FROM requests")) - before
    if big_stored != 1:
        raise SystemExit("bench: the 26,000,000-byte message made %d requests, not 1 (see %s)" % (big_stored, log))

    # 6. The raw SMTP ceiling: the acknowledgments intake sent, the same
    # bytes to the same recipients and MTA, over one connection and over as
    # many as intake used (smtp.connections), nothing read from the database
    # while timed. The MTA first delivers what it still holds, before each.
    smtp_ceiling = {}
    for n in sorted({1, 2, a.smtp_connections}):
        if not wait_mta_idle(a.stack):
            print("bench: Postfix still had mail queued after 10 minutes", file=sys.stderr)
        smtp_ceiling[n] = json.loads(subprocess.run([os.path.join(bench, "intake_bench_raw"), "raw-smtp",
                                                     env["DATABASE_URL"], str(sent_up_to), "127.0.0.1", env["SMTP_PORT"], str(n)],
                                                    check=True, stdout=subprocess.PIPE).stdout)
        if smtp_ceiling[n]["messages"] != sent:
            raise SystemExit("bench: the raw SMTP ceiling sent %d messages, not %d" % (smtp_ceiling[n]["messages"], sent))
    result = {
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "cpus": os.cpu_count(),
        "corpus": {"messages": a.count, "mb": round(mb, 2)},
        "raw_fetch": {"msgs_per_s": raw_fetch["messages"] / raw_fetch["seconds"],
                      "mb_per_s": raw_fetch["bytes"] / 1e6 / raw_fetch["seconds"], "seconds": raw_fetch["seconds"]},
        "database": database,
        "raw_copy": {"rows_per_s": raw_copy["messages"] / raw_copy["seconds"],
                     "mb_per_s": raw_copy["bytes"] / 1e6 / raw_copy["seconds"], "seconds": raw_copy["seconds"]},
        "raw_move": {"msgs_per_s": raw_move["messages"] / raw_move["seconds"], "seconds": raw_move["seconds"],
                     "uids_per_command": 100},
        "raw_smtp": {"%d_connection%s" % (n, "" if n == 1 else "s"):
                     {"msgs_per_s": r["messages"] / r["seconds"], "seconds": r["seconds"], "messages": r["messages"],
                      "mean_bytes": r["bytes"] / r["messages"]} for n, r in smtp_ceiling.items()},
        "intake_drain_queued": {"msgs_per_s": requests / drain_s, "mb_per_s": mb / drain_s, "seconds": drain_s,
                                "requests": requests, "peak_rss_mb": drain_rss},
        "intake_send": {"acks_per_s": sent / send_s if send_s else 0, "seconds": send_s, "sent": sent,
                        "peak_rss_mb": send_rss, "exit": send_rc},
        "stages_ms_wall_cpu": stages,
        "send_connections": send_connections(send_out),
        "latency": latency,
        "drain_25mb": {"bytes": 26000000, "seconds": big_s, "exit": big_rc},
        "peak_rss_25mb_mb": big_rss,
    }
    result["intake_over_raw_fetch"] = result["intake_drain_queued"]["msgs_per_s"] / result["raw_fetch"]["msgs_per_s"]
    # The drain can go no faster than the slowest of the three things it
    # must do for every message.
    result["ceiling_msgs_per_s"] = min(result["raw_fetch"]["msgs_per_s"], result["raw_copy"]["rows_per_s"],
                                       result["raw_move"]["msgs_per_s"])
    result["drain_over_ceiling"] = result["intake_drain_queued"]["msgs_per_s"] / result["ceiling_msgs_per_s"]
    # intake sends over smtp.connections connections: the raw figure over
    # as many is its ceiling.
    result["smtp_connections"] = a.smtp_connections
    result["smtp_ceiling_msgs_per_s"] = smtp_ceiling[a.smtp_connections]["messages"] / smtp_ceiling[a.smtp_connections]["seconds"]
    result["acks_over_smtp_ceiling"] = result["intake_send"]["acks_per_s"] / result["smtp_ceiling_msgs_per_s"]
    with open(a.out, "w") as f:
        json.dump(result, f, indent=1)

    r = result
    print()
    print("End-to-end benchmark, %s on %d CPUs; corpus %d messages, %.1f MB" % (r["date"], r["cpus"], a.count, mb))
    print("database: fsync %s, synchronous_commit %s, full_page_writes %s (%s)" % (
        database["fsync"], database["synchronous_commit"], database["full_page_writes"],
        "durable, as a real server" if all(v == "on" for v in database.values()) else "NOT durable: the test stack's"))
    print("%-44s %12s %9s" % ("", "messages/s", "MB/s"))
    print("%-44s %12.0f %9.1f" % ("raw IMAP fetch (one libcurl handle)", r["raw_fetch"]["msgs_per_s"], r["raw_fetch"]["mb_per_s"]))
    print("%-44s %12.0f %9.1f" % ("raw PostgreSQL COPY (same rows, same sizes)", r["raw_copy"]["rows_per_s"], r["raw_copy"]["mb_per_s"]))
    print("%-44s %12.0f" % ("raw IMAP UID MOVE (100 UIDs a command)", r["raw_move"]["msgs_per_s"]))
    print("%-44s %12.0f %9.1f" % ("intake drain, acknowledgments queued", r["intake_drain_queued"]["msgs_per_s"],
                                   r["intake_drain_queued"]["mb_per_s"]))
    print("%-44s %12.0f" % ("raw SMTP, the same acknowledgments, 1 conn.", r["raw_smtp"]["1_connection"]["msgs_per_s"]))
    print("%-44s %12.0f" % ("raw SMTP, the same acknowledgments, 2 conn.", r["raw_smtp"]["2_connections"]["msgs_per_s"]))
    print("%-44s %12.0f" % ("intake acknowledgments sent to the MTA, %d conn." % a.smtp_connections,
                             r["intake_send"]["acks_per_s"]))
    print("intake ÷ raw fetch = %.3f (goal ≥ 0.5 and ≥ 1,000 messages/s)" % r["intake_over_raw_fetch"])
    print("ceiling (slowest of fetch, COPY, MOVE) = %.0f messages/s; drain ÷ ceiling = %.3f (goal ≥ 0.8)" % (
        r["ceiling_msgs_per_s"], r["drain_over_ceiling"]))
    print("acknowledgments ÷ raw SMTP over %d connection(s) (as intake sends) = %.3f (goal ≥ 0.8)" % (
        a.smtp_connections, r["acks_over_smtp_ceiling"]))
    print("peak RSS: drain %.1f MB, send %.1f MB, drain of one 26,000,000-byte message %.1f MB" % (
        drain_rss, send_rss, big_rss))
    print("per stage, wall/CPU ms: " + ", ".join("%s %.0f/%.0f" % (k, v[0], v[1]) for k, v in stages.items()))
    for c in r["send_connections"]:
        print("send connection %d: %d sent, SMTP %.0f ms, database %.0f ms (wall)" % (
            c["connection"], c["sent"], c["smtp_ms"], c["database_ms"]))
    print_latency(a, latency)
    print("figures written to " + a.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
