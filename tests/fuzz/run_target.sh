#!/usr/bin/env bash
# Runs one libFuzzer target; the arguments are its command line. On a finding
# the output ends with what it takes to reproduce it from a CI log whose middle
# was cut: the first lines of the report (the cause: a sanitizer's error, an
# uncaught exception, a broken promise, a failed assertion) and the input that
# did it, gzip'd and base64'd. Decode with: base64 -d | gunzip > finding.
#
# With --scratch-corpus first, the target's first corpus directory (the one
# libFuzzer writes new inputs to) is a new empty one, deleted at the end: every
# run starts from the same checked-in inputs, so that with a fixed -seed and
# -runs one run is the same as the next. For that too the target runs with
# address space randomization off (setarch -R) where the machine allows it:
# with it on, a few edges of the parsers depend on where things were mapped
# (one replay of the same inputs counted 2632 to 2635 edges from run to run),
# and so does the fuzzing that follows.
set -uo pipefail
fixed=()
if setarch -R true 2>/dev/null; then
  fixed=(setarch -R)
else
  echo "== run_target.sh: setarch -R fails here; address space randomization stays on and runs may differ"
fi
scratch=""
if [ "${1:-}" = --scratch-corpus ]; then
  shift
  scratch=$(mktemp -d)
fi
log=$(mktemp)
trap 'rm -f "$log"; [ -z "$scratch" ] || rm -rf "$scratch"' EXIT
trap 'exit 143' TERM INT HUP
target=$1
shift
if [ -n "$scratch" ]; then
  "${fixed[@]}" "$target" "$scratch" "$@" >"$log" 2>&1
else
  "${fixed[@]}" "$target" "$@" >"$log" 2>&1
fi
rc=$?
cat "$log"
[ "$rc" -eq 0 ] && exit 0

echo "== fuzz finding (exit $rc), the report's first lines:"
cause='ERROR: |terminate called|broken promise|Assertion .* failed|runtime error:|deadly signal'
first=$(grep -n -m1 -E "$cause" "$log" | cut -d: -f1)
if [ -n "$first" ]; then
  start=$(( first > 2 ? first - 2 : 1 ))
  # The frames of libFuzzer's own signal handler and of abort() say nothing.
  noise=' in (fuzzer::|__sanitizer_|raise |abort |__pthread_kill|std::terminate|__cxa_throw)|^ +#[0-9]+ 0x[0-9a-f]+ +\('
  sed -n "${start},$(( first + 40 ))p" "$log" | grep -v -E "$noise" | head -n 16 | cut -c1-240
fi
input=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
if [ -n "$input" ] && [ -f "$input" ]; then
  encoded=$(gzip -9nc <"$input" | base64 -w0)
  cut_note=""
  [ "${#encoded}" -gt 3000 ] && cut_note=" (its first 3000 characters)"
  echo "== the input: $(stat -c %s "$input") bytes, sha1 $(sha1sum "$input" | cut -d' ' -f1), gzip+base64$cut_note:"
  echo "${encoded:0:3000}"
fi
exit "$rc"
