#!/bin/sh
# The result format's version end to end: `sfb compare` refuses a result written in a newer
# format (exit 2, naming both versions) or one whose format_version is not a whole number, reads
# one without the key as version 1, and what `sfb run` stores and writes with --output carries
# the key.
# Usage: format_version_test.sh SFB DATA_DIR FAKE_BENCH
. "$(dirname "$0")/stand_in_lib.sh"
data=$2
fake=$3

# A copy of the fixture sfb_base.json whose context says format_version is $1 (raw JSON).
with_version() {
    sed "s/\"sfb_version\": \"0.1.0\",/\"format_version\": $1, \"sfb_version\": \"0.1.0\",/" \
        "$data/sfb_base.json" >"$work/version.json"
    grep -q '"format_version"' "$work/version.json" || fail "the fixture has no sfb_version line"
}

# expect_refused RC TEXT: sfb compare of version.json against the fixture exits RC and says TEXT.
expect_refused() {
    rc=0
    "$sfb" compare "$work/version.json" "$data/sfb_base.json" >"$work/out" 2>&1 || rc=$?
    [ "$rc" = "$1" ] || fail "sfb compare exited $rc, not $1"
    grep -qF "$2" "$work/out" || fail "the message does not say: $2"
}

with_version 99
expect_refused 2 "written in result format version 99; this sfb reads format version 1 and older: use a newer sfb"
with_version '"99"'
expect_refused 2 "written in result format version 99"
with_version '"one"'
expect_refused 2 "format_version\" is \"one\", not a whole number"
with_version -1
expect_refused 2 "format_version\" is -1, not a whole number"

# The current version, as bench_sendfile writes it, and no key at all both read.
with_version '"1"'
"$sfb" compare --no-test "$work/version.json" "$data/sfb_base.json" >"$work/out" 2>&1 ||
    fail "format_version \"1\" was not read"
"$sfb" compare --no-test "$data/sfb_base.json" "$data/sfb_base.json" >"$work/out" 2>&1 ||
    fail "a result without format_version was not read"

# What sfb writes carries the version: the stored result and --output.
"$sfb" run --bench "$fake" --repetitions 2 --results-dir "$work/results" \
    --output "$work/run.json" >"$work/out" 2>&1 || fail "sfb run failed"
stored=$(find "$work/results" -name '*.json')
[ -n "$stored" ] || fail "sfb run stored nothing"
for file in "$work/run.json" $stored; do
    grep -q '"format_version": "1"' "$file" || fail "$file lacks format_version"
done
"$sfb" compare --format json --no-test "$work/run.json" "$work/run.json" >"$work/out" 2>&1 ||
    fail "sfb compare of its own result failed"
grep -q '"format_version": 1,' "$work/out" || fail "compare --format json lacks format_version"
echo "format_version: ok"
