#!/usr/bin/env bash
# Runs the Python device (fieldnotes_device.py, written from Protocol/ only)
# against the Swift hub: a Swift device writes notes and syncs, the Python
# device joins and syncs, and must receive them. Also checks that the hub
# refuses what SPEC.md says it refuses. Exits 0 only if every check passed.
#
# Uses an existing build; builds nothing. The binary is $FIELDNOTES_BIN, else
# release/fieldnotes then debug/fieldnotes under $FIELDNOTES_SCRATCH_PATH (a
# `swift build --scratch-path` directory), else under .build. Bounded:
# everything is killed after 60 s.
set -u

HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
DEVICE="$HERE/fieldnotes_device.py"

SCRATCH="${FIELDNOTES_SCRATCH_PATH:-$ROOT/.build}"
if [ -n "${FIELDNOTES_BIN:-}" ]; then
    BIN="$FIELDNOTES_BIN"
elif [ -x "$SCRATCH/release/fieldnotes" ]; then
    BIN="$SCRATCH/release/fieldnotes"
elif [ -x "$SCRATCH/debug/fieldnotes" ]; then
    BIN="$SCRATCH/debug/fieldnotes"
else
    echo "no fieldnotes binary in $SCRATCH: build one first, e.g." >&2
    echo "  (cd $ROOT && swift build --scratch-path $SCRATCH)            # debug/fieldnotes" >&2
    echo "  (cd $ROOT && swift build --scratch-path $SCRATCH -c release) # release/fieldnotes" >&2
    echo "or set FIELDNOTES_BIN or FIELDNOTES_SCRATCH_PATH" >&2
    exit 1
fi
echo "using $BIN"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/fieldnotes-pydev.XXXXXX")"
HUB_PID=""
WATCHDOG_PID=""
FAILED=0

cleanup() {
    if [ -n "$HUB_PID" ] && kill -0 "$HUB_PID" 2>/dev/null; then
        kill -TERM "$HUB_PID" 2>/dev/null
        for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$HUB_PID" 2>/dev/null || break; sleep 0.2; done
        kill -KILL "$HUB_PID" 2>/dev/null
    fi
    if [ -n "$WATCHDOG_PID" ]; then kill "$WATCHDOG_PID" 2>/dev/null; fi
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'echo "FAIL: timed out after 60 s" >&2; exit 1' TERM

# Watchdog: after 60 s, stop the hub (so nothing waits on it) and end this script.
( sleep 60; [ -f "$WORK/hub.pid" ] && kill -KILL "$(cat "$WORK/hub.pid")" 2>/dev/null; kill -TERM $$ ) 2>/dev/null &
WATCHDOG_PID=$!

pass() { echo "PASS  $*"; }
# The hub logs a session once it has closed it, which may be just after the
# device has finished: wait up to 3 s for a line matching $1 in its log.
hub_logged() {
    for _ in $(seq 1 30); do grep -q "$1" "$WORK/serve.err" && return 0; sleep 0.1; done
    return 1
}
fail() { echo "FAIL  $*"; FAILED=1; }
die()  { echo "FAIL  $*"; exit 1; }

fn()   { timeout 20 "$BIN" "$@"; }
py()   { timeout 20 python3 "$DEVICE" "$@"; }

HUB="$WORK/hub.sqlite"
SWIFT="$WORK/swift.sqlite"

# --- the hub ---------------------------------------------------------------
fn --store "$HUB" init --name hub >/dev/null 2>"$WORK/err" || die "hub init: $(cat "$WORK/err")"
"$BIN" --store "$HUB" hub serve --listen 127.0.0.1:0 >"$WORK/serve.out" 2>"$WORK/serve.err" &
HUB_PID=$!
echo "$HUB_PID" >"$WORK/hub.pid"
ADDR=""
for _ in $(seq 1 100); do
    ADDR="$(sed -n 's/^listening on \([^ ]*\)$/\1/p' "$WORK/serve.out" | head -1)"
    [ -n "$ADDR" ] && break
    kill -0 "$HUB_PID" 2>/dev/null || break
    sleep 0.1
done
[ -n "$ADDR" ] || die "hub did not print 'listening on HOST:PORT': $(cat "$WORK/serve.out" "$WORK/serve.err")"
echo "hub listening on $ADDR"

enroll() { fn --store "$HUB" hub enroll --address "$ADDR" "$1" 2>"$WORK/err" | tail -1; }

# --- a Swift device writes notes and syncs ----------------------------------
SWIFT_REPLICA="$(fn --store "$SWIFT" init --name swiftdev 2>/dev/null | tail -1)"
[[ "$SWIFT_REPLICA" =~ ^[0-9a-f]{32}$ ]] || die "swift init printed no replica id: '$SWIFT_REPLICA'"
CODE="$(enroll swiftdev)"
[[ "$CODE" == fieldnotes://swiftdev@* ]] || die "hub enroll swiftdev printed no code: $(cat "$WORK/err")"
fn --store "$SWIFT" join "$CODE" >/dev/null 2>"$WORK/err" || die "swift join: $(cat "$WORK/err")"
fn --store "$SWIFT" add --title "Interview P07" --body "Walks 40 min to the clinic; bus too dear." \
    --kind interview --tag transport --tag cost >/dev/null || die "swift add 1"
fn --store "$SWIFT" add --title "Market stall, morning" --body "Closed on Sundays." --tag site-visit >/dev/null \
    || die "swift add 2"
fn --store "$SWIFT" add --title "Café “Zur Linde” — Jürgen" --body "Ünïcödé body 👩🏽‍⚕️" --measure ucla3=5 >/dev/null \
    || die "swift add 3"
fn --store "$SWIFT" sync >"$WORK/out" 2>&1 || die "swift sync: $(cat "$WORK/out")"
written() { fn --store "$SWIFT" status 2>/dev/null | sed -n 's/^operations .* \([0-9][0-9]*\) written here.*/\1/p'; }
N="$(written)"
[[ "$N" =~ ^[0-9]+$ ]] && [ "$N" -gt 0 ] || die "swift status shows no operations written here"
pass "Swift device $SWIFT_REPLICA wrote $N operations and synced"

# --- the Python device joins and syncs ---------------------------------------
PYDIR="$WORK/py"
CODE="$(enroll pydev)"
[[ "$CODE" == fieldnotes://pydev@* ]] || die "hub enroll pydev printed no code: $(cat "$WORK/err")"
if py join "$CODE" --state "$PYDIR" >"$WORK/out" 2>&1; then
    pass "python join: $(grep '^joined' "$WORK/out")"
else
    die "python join: $(cat "$WORK/out")"
fi
mode="$(stat -c %a "$PYDIR/key.pem" 2>/dev/null)"
[ "$mode" = 600 ] && pass "key.pem has mode 0600" || fail "key.pem has mode $mode"
hub_logged "device=pydev .*outcome=enrolled" && pass "hub logged the enrolment" \
    || fail "hub log has no 'device=pydev ... outcome=enrolled'"

sync_py() { py sync --state "$PYDIR" "$@" >"$WORK/out" 2>&1; }
received() { sed -n "s/^RECEIVED origin=$1 first=\([0-9]*\) last=\([0-9]*\) count=\([0-9]*\)$/\1 \2 \3/p" "$WORK/out"; }
summary() { sed -n "s/^SUMMARY.* $1=\([0-9]*\).*/\1/p" "$WORK/out"; }

if sync_py; then
    cat "$WORK/out" | sed 's/^/      /'
    read -r first last count <<<"$(received "$SWIFT_REPLICA")"
    if [ "${first:-}" = 1 ] && [ "${last:-0}" -ge "$N" ] && [ "${count:-0}" -ge "$N" ]; then
        pass "python sync received the Swift device's operations 1..$last (it wrote $N)"
    else
        fail "python sync did not receive the Swift device's 1..$N (got: ${first:-none} ${last:-} ${count:-})"
    fi
    hub_logged "device=pydev .*outcome=ok" && pass "hub logged the session as ok" \
        || fail "hub log has no 'device=pydev ... outcome=ok': $(grep pydev "$WORK/serve.err" | tail -1)"
    # Protocol version 4 (SPEC §5.10): the hub sent the batch as CompressedOps, shorter than Ops.
    if grep -q "protocol version 4" "$WORK/out" && [ "$(summary compressed)" -ge 1 ]; then
        pass "version 4 session; $(summary compressed) of $(summary batches) batches came compressed (CompressedOps)"
    else
        fail "python sync: expected a version 4 session with a CompressedOps batch: $(cat "$WORK/out")"
    fi
else
    fail "python sync: $(cat "$WORK/out")"
fi
HELD="$(summary held_operations)"

# A version 3 device (the Python device offering 3..3 in its Hello): the
# version 4 hub selects 3 and serves it Ops only, never CompressedOps (SPEC §10).
PY3DIR="$WORK/py3"
CODE3="$(enroll pyv3)"
if py join "$CODE3" --state "$PY3DIR" >"$WORK/out" 2>&1 && sync_v3() { py sync --state "$PY3DIR" --max-version 3 >"$WORK/out" 2>&1; } \
        && sync_v3 && grep -q "protocol version 3" "$WORK/out" && [ "$(summary compressed)" = 0 ] \
        && [ "$(summary operations)" -ge "$N" ]; then
    pass "a version 3 device is served in version 3, uncompressed: $(summary operations) operations in $(summary batches) Ops"
else
    fail "version 3 device: $(cat "$WORK/out")"
fi

# A second sync: the Vector now states what it holds, with fingerprints the
# hub must find equal to its own (SPEC §5.5): nothing to receive.
if sync_py && [ "$(summary operations)" = 0 ] && [ "$(summary forks)" = 0 ]; then
    pass "second python sync received nothing (the hub accepted its Vector's fingerprints)"
else
    fail "second python sync: $(cat "$WORK/out")"
fi

# New notes reach the Python device as exactly the missing range.
fn --store "$SWIFT" add --title "Second visit" --body "Bus pass arrived." --tag transport >/dev/null || die "swift add 4"
fn --store "$SWIFT" sync >/dev/null 2>&1 || die "swift second sync"
N2="$(written)"
if sync_py; then
    read -r first last count <<<"$(received "$SWIFT_REPLICA")"
    if [ "${first:-}" = $((N + 1)) ] && [ "${last:-}" = "$N2" ]; then
        pass "third python sync received exactly the Swift device's $((N + 1))..$N2"
    else
        fail "third python sync: expected $((N + 1))..$N2, got '${first:-} ${last:-}': $(cat "$WORK/out")"
    fi
else
    fail "third python sync: $(cat "$WORK/out")"
fi

# A Vector entry of another origin whose fingerprint differs (SPEC §7.7 rule 2):
# the hub sends none of that origin; the device keeps its own history of it.
if sync_py --corrupt-fingerprint "$SWIFT_REPLICA"; then
    if [ "$(summary operations)" = 0 ] && [ "$(summary forks)" = 0 ]; then
        pass "a differing fingerprint of another origin: the hub sent none of it"
    else
        fail "differing fingerprint of another origin: expected nothing from the hub: $(cat "$WORK/out")"
    fi
else
    fail "sync with a differing fingerprint: $(cat "$WORK/out")"
fi

# The Python device writes a note of its own and sends it (after the hub's Done,
# §7.1 rule 5a): create, title, and the body as one insertText run (a text
# field, OPERATIONS.md §4.7). The hub checks and acknowledges it, and the
# Swift device receives it and shows the body.
TITLE="Python device note $$"
BODY="Typed on the Python device: naïve café, 👩🏽‍⚕️, e$(printf '\xcc\x81')."
if sync_py --add-note "$TITLE" --body "$BODY" && grep -q "^SENT operations=3 batches=1 applied=3 " "$WORK/out"; then
    pass "python sync sent its own note, body as insertText: $(grep '^SENT' "$WORK/out")"
else
    fail "python sync sending a note: $(cat "$WORK/out")"
fi
fn --store "$SWIFT" sync >/dev/null 2>&1 || fail "swift sync after the python note"
fn --store "$SWIFT" list --format json >"$WORK/list.json" 2>/dev/null
if python3 -c "import json, sys; sys.exit(not any(n.get('title') == sys.argv[2] and n.get('body') == sys.argv[3]
                                                    for n in json.load(open(sys.argv[1]))))" "$WORK/list.json" "$TITLE" "$BODY"; then
    pass "the Swift device shows the Python device's note and its body"
else
    fail "the Swift device does not list '$TITLE' with its body: $(grep -F -A3 "$TITLE" "$WORK/list.json")"
fi
if sync_py && [ "$(summary operations)" = 0 ] && grep -q "^SENT operations=0 " "$WORK/out"; then
    pass "python sync after sending: nothing received, nothing resent"
else
    fail "python sync after sending: $(cat "$WORK/out")"
fi
# The device's own origin stated with a differing fingerprint counts as not held
# (SPEC §7.7 rule 2): the hub resends it from seq 1, insertText included, and the
# device finds every operation identical to its own (same canonical bytes and text).
PY_REPLICA="$(python3 -c "import json; print(json.load(open('$PYDIR/link.json'))['replica'])")"
if sync_py --corrupt-fingerprint "$PY_REPLICA"; then
    read -r first last count <<<"$(received "$PY_REPLICA")"
    if [ "${first:-}" = 1 ] && [ "${last:-}" = 3 ] && [ "$(summary forks)" = 0 ]; then
        pass "a differing fingerprint of its own origin made the hub resend 1..3, all identical (fork check)"
    else
        fail "differing fingerprint of its own origin: expected the hub to resend 1..3, got '${first:-} ${last:-}': $(cat "$WORK/out")"
    fi
else
    fail "sync with a differing fingerprint of its own origin: $(cat "$WORK/out")"
fi

# --- what the hub must refuse ---------------------------------------------------
# A token with a valid check symbol that is not the one issued: authFailed (§6.1).
CODE2="$(enroll pydev2)"
WRONG="$(python3 -c "import sys, secrets; sys.path.insert(0, '$HERE'); import fieldnotes_device as d; print(d.token_text(secrets.token_bytes(10)))")"
if py join "${CODE2%%#*}" --token "$WRONG" --state "$WORK/py2" --expect-error authFailed >"$WORK/out" 2>&1; then
    pass "wrong token refused: $(grep EXPECTED "$WORK/out")"
else
    fail "wrong token: $(cat "$WORK/out")"
fi
# A mistyped token is refused by the device before connecting (check symbol).
TOK="${CODE2##*#}"
c="${TOK:0:1}"; [ "$c" = 7 ] && t="8${TOK:1}" || t="7${TOK:1}"
if ! py join "${CODE2%%#*}" --token "$t" --state "$WORK/py3" >"$WORK/out" 2>&1 && grep -q "check symbol" "$WORK/out"; then
    pass "mistyped token refused before connecting"
else
    fail "mistyped token: $(cat "$WORK/out")"
fi
# The used code with another key: authFailed.
if py join "$CODE" --state "$WORK/py4" --expect-error authFailed >"$WORK/out" 2>&1; then
    pass "used code with another key refused: $(grep EXPECTED "$WORK/out")"
else
    fail "used code with another key: $(cat "$WORK/out")"
fi
# pydev's link with another key: authFailed (the hub pins the enrolled key).
mkdir -p "$WORK/py5" && cp "$PYDIR/link.json" "$WORK/py5/" && cp "$WORK/py4/key.pem" "$WORK/py5/" 2>/dev/null
if [ -f "$WORK/py5/key.pem" ] && py sync --state "$WORK/py5" --expect-error authFailed >"$WORK/out" 2>&1; then
    pass "sync with a key that is not the enrolled one refused: $(grep EXPECTED "$WORK/out")"
else
    fail "sync with another key: $(cat "$WORK/out")"
fi
# A name that is not enrolled: unknownDevice.
mkdir -p "$WORK/py6" && cp "$PYDIR/key.pem" "$WORK/py6/"
python3 -c "import json; l=json.load(open('$PYDIR/link.json')); l['device']='nobody'; json.dump(l, open('$WORK/py6/link.json','w'))"
if py sync --state "$WORK/py6" --expect-error unknownDevice >"$WORK/out" 2>&1; then
    pass "unknown device name refused: $(grep EXPECTED "$WORK/out")"
else
    fail "unknown device: $(cat "$WORK/out")"
fi
# A hub whose key is not the pinned one is refused by the device, before sending anything.
mkdir -p "$WORK/py7" && cp "$PYDIR/key.pem" "$WORK/py7/"
python3 -c "import json; l=json.load(open('$PYDIR/link.json')); l['fingerprint']='0'*64; json.dump(l, open('$WORK/py7/link.json','w'))"
if ! py sync --state "$WORK/py7" >"$WORK/out" 2>&1 && grep -q "not the pinned" "$WORK/out"; then
    pass "hub with an unpinned fingerprint refused by the device"
else
    fail "unpinned hub: $(cat "$WORK/out")"
fi
# Still in business afterwards, and the Python device's store matches what it was sent.
if sync_py && [ "$(summary operations)" = 0 ]; then
    pass "final python sync: nothing new, $(summary held_operations) operations of $(summary held_origins) origins held"
else
    fail "final python sync: $(cat "$WORK/out")"
fi

# --- stop the hub -------------------------------------------------------------
kill -TERM "$HUB_PID"
for _ in $(seq 1 50); do kill -0 "$HUB_PID" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$HUB_PID" 2>/dev/null; then
    fail "hub did not stop on SIGTERM within 5 s"
else
    wait "$HUB_PID"; rc=$?
    [ "$rc" = 0 ] && pass "hub stopped on SIGTERM, exit 0" || fail "hub exited $rc on SIGTERM"
fi
HUB_PID=""

echo "hub log:"
sed 's/^/      /' "$WORK/serve.err"
if [ "$FAILED" = 0 ]; then
    echo "RESULT: PASS"
    exit 0
fi
echo "RESULT: FAIL"
exit 1
