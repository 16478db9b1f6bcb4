#!/usr/bin/env bash
# The large-table benchmark (bench/README.md): on a local stack of its own,
# generates INTAKE_BIG_REQUESTS requests (default 1,000,000, over two years)
# and INTAKE_BIG_MESSAGES tallied messages (default 1,000,000, all in the last
# 29 days) with generate_series, then times the manager summary preview
# (last month) and `intakectl tally top` (the last 30 days), each run
# INTAKE_BIG_RUNS times (median shown), and writes the query plans
# (EXPLAIN (ANALYZE, BUFFERS)) of their main queries to build-bench/big-plans.txt.
# Usage: bash bench/big_queries.sh [BUILD_DIR]   (default build-bench, built if missing)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-${INTAKE_BENCH_BUILD_DIR:-$repo/build-bench}}
requests=${INTAKE_BIG_REQUESTS:-1000000}
messages=${INTAKE_BIG_MESSAGES:-1000000}
runs=${INTAKE_BIG_RUNS:-3}
jobs=${INTAKE_BENCH_JOBS:-2}
if [ ! -x "$build/daemon/intakectl" ]; then
  echo "big: building intakectl in $build (Release, -j$jobs)"
  cmake -S "$repo" -B "$build" -DCMAKE_BUILD_TYPE=Release -DINTAKE_BUILD_TESTS=OFF -DINTAKE_WERROR=ON >/dev/null
  nice -n 10 cmake --build "$build" -j"$jobs" --target intakectl >/dev/null
fi
intakectl=$build/daemon/intakectl
stack=$build/big-stack
"$repo/scripts/stack" destroy "$stack" >/dev/null 2>&1 || true
[ -n "${INTAKE_BIG_KEEP:-}" ] || trap '"$repo/scripts/stack" destroy "$stack" >/dev/null 2>&1 || true' EXIT
INTAKECTL="$intakectl" "$repo/scripts/stack" up "$stack" >/dev/null
config=$stack/intake.toml
"$intakectl" --config "$config" migrate >/dev/null
db=$(. "$stack/stack.env" && echo "$DATABASE_URL")
psql() { command psql "$db" -X -q -v ON_ERROR_STOP=1 "$@"; }

echo "big: generating $requests requests and $messages tallied messages"
t0=$(date +%s.%N)
psql <<SQL
-- Requests: four teams, five departments, 1% still open, over two years.
INSERT INTO requests (mailbox, requester_address, requester_name, requester_department, subject, category, priority,
                      status, created_at, acknowledged_at, first_response_at, resolved_at, due_first_response,
                      due_resolution)
SELECT 'requests', 'user' || (g % 5000) || '@example.test', 'User ' || (g % 5000),
       (ARRAY['Sales', 'IT', 'Finance', 'HR', ''])[1 + g % 5], 'Generated request ' || g,
       (ARRAY['general', 'it', 'shipping', 'facilities'])[1 + g % 4], (ARRAY['low', 'normal', 'high', 'urgent'])[1 + g % 4],
       CASE WHEN g % 100 = 0 THEN 'in_progress' WHEN g % 100 = 1 THEN 'waiting_on_requester' ELSE 'resolved' END,
       c, c + interval '1 minute', c + (g % 480) * interval '1 minute',
       CASE WHEN g % 100 > 1 THEN c + (g % 5000) * interval '1 minute' END,
       c + interval '4 hours', c + interval '3 days'
FROM (SELECT g, now() - (g::double precision / $requests) * interval '730 days' AS c
      FROM generate_series(1, $requests) g) s;
-- Tallied messages: 2000 senders, audiences of 1 to 64, mostly few repliers
-- and now and then many; 90% written by people, 5% bulk, 5% auto-replies.
INSERT INTO tally_messages (message_id, sender, sender_name, subject, sent_at, audience, audience_band, kind,
                            source, replies, distinct_repliers, positive_replies, depth, first_reply_at)
SELECT 'gen-' || g || '@example.test', 'sender' || (g % 2000) || '@example.test', 'Sender ' || (g % 2000),
       'Generated message ' || g, s, a, CASE WHEN a = 0 THEN 0 ELSE floor(log(2, a))::int + 1 END,
       CASE WHEN g % 20 = 0 THEN 'bulk' WHEN g % 20 = 1 THEN 'auto_reply' ELSE 'human' END,
       'bench', r + r / 2, r, r / 3, LEAST(r, 5), CASE WHEN r > 0 THEN s + interval '20 minutes' END
FROM (SELECT g, now() - (g::double precision / $messages) * interval '29 days' AS s, 1 + (g * 7) % 64 AS a,
             CASE WHEN g % 997 = 0 THEN 5 + g % 40 ELSE (g * 7919) % 3 END AS r
      FROM generate_series(1::bigint, $messages) g) m;
INSERT INTO tally_progress (key, position) VALUES ('reply_window_s', 604800)
  ON CONFLICT (key) DO UPDATE SET position = excluded.position;
INSERT INTO tally_progress (key, position) SELECT 'messages', coalesce(max(id), 0) FROM messages
  ON CONFLICT (key) DO UPDATE SET position = excluded.position;
VACUUM ANALYZE requests;
VACUUM ANALYZE tally_messages;
SQL
t1=$(date +%s.%N)
printf 'big: generated in %.0f s\n' "$(echo "$t1 - $t0" | bc)"

# Median wall time of `runs` runs of a command, in seconds; its output kept.
time_it() {
  local out=$1
  shift
  local times=()
  for _ in $(seq "$runs"); do
    local a b
    a=$(date +%s.%N)
    "$@" >"$out" 2>&1 || { echo "big: failed: $*"; tail -5 "$out"; exit 1; }
    b=$(date +%s.%N)
    times+=("$(echo "$b - $a" | bc)")
  done
  printf '%s\n' "${times[@]}" | sort -n | sed -n "$(((runs + 1) / 2))p"
}

summary_s=$(time_it "$build/big-summary.txt" "$intakectl" --config "$config" summary preview --to boss@example.test --period last-month)
top_s=$(time_it "$build/big-top.txt" "$intakectl" --config "$config" tally top --since 30d)
# The same with the process start and config load alone, to subtract.
base_s=$(time_it "$build/big-base.txt" "$intakectl" --config "$config" check-config)

plans=$build/big-plans.txt
{
  echo "== summary rows (last month and the month before)"
  psql -c "EXPLAIN (ANALYZE, BUFFERS) SELECT reference, requester_address, requester_name, requester_department, category,
      priority, status, created_at, acknowledged_at, first_response_at, resolved_at, due_first_response, due_resolution
    FROM requests WHERE created_at < date_trunc('month', now()) AND (created_at >= date_trunc('month', now()) - interval '2 months'
      OR resolved_at IS NULL OR resolved_at >= date_trunc('month', now()) - interval '2 months') ORDER BY number"
  echo "== tally: messages of the last 30 days"
  psql -c "EXPLAIN (ANALYZE, BUFFERS) SELECT count(*) FROM tally_messages WHERE kind IN ('human', 'bulk')
    AND sent_at >= now() - interval '30 days'"
} >"$plans" 2>&1

in_period=$(psql -Atc "SELECT count(*) FROM requests WHERE created_at >= date_trunc('month', now()) - interval '1 month'
  AND created_at < date_trunc('month', now())")
in_window=$(psql -Atc "SELECT count(*) FROM tally_messages WHERE sent_at >= now() - interval '30 days'")
echo
echo "Large tables: $requests requests, $messages tallied messages (median of $runs runs, wall time)"
printf '%-58s %8.3f s\n' "intakectl summary preview --period last-month" "$summary_s"
echo "  ($in_period requests created in that month)"
printf '%-58s %8.3f s\n' "intakectl tally top --since 30d" "$top_s"
echo "  ($in_window tallied messages in those 30 days)"
printf '%-58s %8.3f s\n' "intakectl check-config (start-up alone, for comparison)" "$base_s"
echo "outputs: $build/big-summary.txt, $build/big-top.txt; plans: $plans"
