#!/usr/bin/env python3
"""Python's standard `email` package on the parse benchmark's corpus.

Per message, the work closest to intake's parse_email that the package offers:
email.message_from_bytes(data, policy=email.policy.default), the decoded
Subject, the From and To addresses (display name and addr-spec), and the text
body as str via msg.get_body(preferencelist=('plain', 'html')).get_content().
It does not strip quotes or signatures, turn HTML into text, or decode
attachments. Timed with time.perf_counter over data already in memory.

    python_parse.py CORPUS_DIR [--min-seconds S] [--json]   time it
    python_parse.py --check CORPUS_DIR                      decode check only
"""
import argparse
import email
import email.policy
import json
import os
import statistics
import sys
import time


def load(corpus_dir):
    with open(os.path.join(corpus_dir, "manifest.tsv"), encoding="utf-8", newline="\n") as f:
        lines = f.read().split("\n")
    columns = lines[0].split("\t")
    rows = [dict(zip(columns, line.split("\t"))) for line in lines[1:] if line]
    for row in rows:
        with open(os.path.join(corpus_dir, row["file"]), "rb") as f:
            row["data"] = f.read()
    return rows


def parse_one(data):
    msg = email.message_from_bytes(data, policy=email.policy.default)
    subject = str(msg["subject"] or "")
    from_header = msg["from"]
    senders = [(a.display_name, a.addr_spec) for a in from_header.addresses] if from_header else []
    to_header = msg["to"]
    recipients = [(a.display_name, a.addr_spec) for a in to_header.addresses] if to_header else []
    body = msg.get_body(preferencelist=("plain", "html"))
    text = body.get_content() if body is not None else ""
    return msg, subject, senders, recipients, text


def one_pass(messages):
    """Wall-clock seconds (the measure), CPU seconds (a check on a shared
    machine), and a sum that keeps the results alive."""
    touched = 0
    start = time.perf_counter()
    start_cpu = time.process_time()
    for data in messages:
        _, subject, senders, recipients, text = parse_one(data)
        touched += len(subject) + len(senders) + len(recipients) + len(text)
    return time.perf_counter() - start, time.process_time() - start_cpu, touched


def check(rows):
    """Counts apart one known defect: CPython gh-128110 (policy.default keeps
    the blank between adjacent encoded words in a display name; fixed after
    3.13), which splits a word of the name in two."""
    bad = 0
    known_bug = 0
    reported = 0
    for row in rows:
        problems = []
        try:
            msg, subject, senders, _, text = parse_one(row["data"])
            if subject != row["subject"]:
                problems.append("subject: " + subject)
            if not senders or senders[0] != (row["from_name"], row["from_address"]):
                if (senders and senders[0][1] == row["from_address"]
                        and senders[0][0].replace(" ", "") == row["from_name"].replace(" ", "")):
                    known_bug += 1
                else:
                    problems.append("from: %r" % (senders[:1],))
            if row["marker"] not in text:
                problems.append("text lacks marker " + row["marker"])
            if row["quote_marker"] and row["quote_marker"] not in text:
                problems.append("text lacks quote marker " + row["quote_marker"])
            if int(row["attachment_bytes"]):
                attachments = list(msg.iter_attachments())
                sizes = [(a.get_filename(), len(a.get_content())) for a in attachments]
                if sizes != [(row["attachment_name"], int(row["attachment_bytes"]))]:
                    problems.append("attachments: %r" % (sizes,))
        except Exception as e:  # noqa: BLE001 - any failure is a finding
            problems.append("exception: %r" % (e,))
        if problems:
            bad += 1
            for p in problems:
                if reported < 10:
                    print("%s (%s) python: %s" % (row["file"], row["kind"], p), file=sys.stderr)
                reported += 1
    note = ""
    if known_bug:
        note = (", %d more only with a blank inserted in the From name"
                " (known CPython bug gh-128110)" % known_bug)
    print("check: Python %s email %d/%d as expected%s, %d wrong"
          % (sys.version.split()[0], len(rows) - bad - known_bug, len(rows), note, bad))
    return 0 if bad == 0 else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("corpus_dir")
    ap.add_argument("--check", action="store_true", help="check decoding only, no timing")
    ap.add_argument("--min-seconds", type=float, default=6.0, help="time passes until this much has run")
    ap.add_argument("--min-passes", type=int, default=2)
    ap.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    args = ap.parse_args()
    rows = load(args.corpus_dir)
    if args.check:
        return check(rows)
    messages = [row["data"] for row in rows]
    total_bytes = sum(len(m) for m in messages)
    one_pass(messages[: min(50, len(messages))])  # warm-up: imports, codec lookups
    seconds = []
    cpu_seconds = []
    while len(seconds) < args.min_passes or sum(seconds) < args.min_seconds:
        elapsed, cpu, _ = one_pass(messages)
        seconds.append(elapsed)
        cpu_seconds.append(cpu)
    median = statistics.median(seconds)
    result = {
        "parser": "python_email",
        "python": sys.version.split()[0],
        "messages": len(messages),
        "bytes": total_bytes,
        "passes": len(seconds),
        "median_pass_seconds": median,
        "cv": statistics.pstdev(seconds) / statistics.mean(seconds),
        "median_pass_cpu_seconds": statistics.median(cpu_seconds),
        "messages_per_second": len(messages) / median,
        "bytes_per_second": total_bytes / median,
    }
    if args.json:
        print(json.dumps(result))
    else:
        print("Python %s email: %.0f messages/s, %.2f MB/s (median of %d passes over %d messages)"
              % (result["python"], result["messages_per_second"], result["bytes_per_second"] / 1e6,
                 len(seconds), len(messages)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
