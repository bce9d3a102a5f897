#!/usr/bin/env bash
# SIPVicious (Debian sipvicious: svmap, svwar, svcrack) against happysipd on loopback
# (issue 4, docs/security.md "SIPVicious"). As shipped, the tools announce themselves
# (User-Agent friendly-scanner, svmap's From "sipvicious"): happysipd answers nothing, so
# svmap finds no server and svwar no extension, and the log holds debug lines only. Then
# disguised (an ordinary User-Agent: the tools have no option for it, but they are Python
# scripts anyone can edit, so the wrapper below does what an attacker would):
#  - svwar cannot tell alice and bob from users that do not exist, because REGISTER,
#    OPTIONS and INVITE are answered alike for both (checked directly, response by response);
#  - svcrack, with MD5 offered first (the worst case: all it can compute), is locked out by
#    the failure limiter before it reaches alice's password, last in its dictionary;
#  - ::1 (another limiter key) is still challenged while 127.0.0.1 gets 403;
#  - and, as a control, svcrack does find the password once the limit is out of its way,
#    so the lock-out check above cannot pass merely because svcrack is broken.
# Every run is bounded by `timeout`; only the daemon started here is stopped, by PID.
set -u
bin=$1
cli=$2
source "$(dirname "$0")/../cli/lib.sh"

svwar_path=$(command -v svwar)
check sipvicious-installed "$([ -n "$svwar_path" ] && command -v svmap > /dev/null &&
  command -v svcrack > /dev/null; echo $?)" "svmap/svwar/svcrack not found (scripts/install-deps)"
[ -n "$svwar_path" ] || { echo "$checks checks, $fail failed"; exit 1; }
# The entry scripts are symlinks into the package's directory, which is not on sys.path.
vicious_dir=$(dirname "$(readlink -f "$svwar_path")")

db="$tmp/var/happysip.sqlite"
alice_pw='Vr4kZ9qLx2mTw7Jd'
bob_pw='Hb8nW3kRz6yPq1sJ'
add_user() {  # add_user NAME PASSWORD
  printf '%s\n' "$2" | "$cli" user add "$1" --db "$db" --realm localhost --password-stdin \
    > /dev/null 2>&1
  check "user-add-$1" $? "happysip user add $1 failed"
}
add_user alice "$alice_pw"
add_user bob "$bob_pw"

write_config() {  # write_config MAX_FAILURES
  cat > "$tmp/happysipd.toml" <<CONF
[server]
domains = ["localhost"]
listen = ["udp:127.0.0.1:0", "udp:[::1]:0"]
var_dir = "$tmp/var"
drain_ms = 200

[auth]
allow_md5 = true
md5_first = true
max_failures = $1
block_s = 300

[log]
level = "debug"
CONF
}
log="$tmp/daemon.log"
start_daemon() {  # start_daemon NAME: a fresh daemon (its limiter is in memory), ports read
  start_happysipd "$tmp/happysipd.toml" "$log" 2
  u4=$(listening_port "$log" udp:127.0.0.1)
  u6=$(listening_port "$log" 'udp:\[::1\]')
  check "listening-$1" "$([ -n "$u4" ] && [ -n "$u6" ]; echo $?)" "$(cat "$log")"
}
stop_daemon() {  # stop_daemon NAME
  stop_happysipd; local rc=$?
  check "sigterm-exit-0-$1" "$([ "$rc" = 0 ]; echo $?)" "exit $rc"
}
mark() { wc -l < "$log"; }                 # mark: the log's length now
since() { tail -n "+$(($1 + 1))" "$log"; }  # since MARK: what the daemon logged after it

# A SIPVicious tool with an ordinary User-Agent: svwar and svcrack build every request with
# svhelper.makeRequest, whose useragent defaults to "friendly-scanner".
cat > "$tmp/disguised.py" <<'PY'
import importlib, sys
sys.path.insert(0, sys.argv[1])
from sipvicious.libs import svhelper
tool = importlib.import_module("sipvicious." + sys.argv[2])
plain = svhelper.makeRequest
def disguised(*args, **kwargs):
    kwargs.setdefault("useragent", "Linphone/5.2.0 (belle-sip/5.2.0)")
    return plain(*args, **kwargs)
tool.makeRequest = disguised
sys.argv = [sys.argv[2]] + sys.argv[3:]
sys.exit(tool.main())
PY
disguised=(python3 "$tmp/disguised.py" "$vicious_dir")  # disguised TOOL ARGS...

# The tools bind 0.0.0.0:5060 unless told otherwise: loopback and a port from the kernel.
local_side() { echo "-b 127.0.0.1 -P $(free_port)"; }
# What svwar reports as found: "extension 'x' exists" lines and rows of its result table.
# (Its error messages may quote a whole response, user names included: those do not count.)
lists_user() { echo "$1" | grep -qiE "extension '(alice|bob)'|^\| *(alice|bob) *\|"; }

# One request as a phone would send it (User-Agent of a softphone), and the answer reduced
# to what could tell users apart: status line, header names in order, the challenges with
# the nonce masked, Content-Length. Tags, branch and Call-ID differ per request anyway.
#   answer HOST PORT METHOD USER
cat > "$tmp/answer.py" <<'PY'
import random, re, socket, sys
host, port, method, user = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_DGRAM)
s.bind((host, 0)); s.settimeout(2)
local = s.getsockname()
me = ("[%s]:%d" if ":" in host else "%s:%d") % local[:2]
ruri = "sip:localhost" if method == "REGISTER" else "sip:%s@localhost" % user
branch = "z9hG4bK%x" % random.getrandbits(48)
head = ["Via: SIP/2.0/UDP %s;branch=%s;rport" % (me, branch),
        "From: <sip:%s@localhost>;tag=%x" % (user, random.getrandbits(32)),
        "To: <sip:%s@localhost>" % user, "Call-ID: %x@vicious" % random.getrandbits(64)]
lines = ["%s %s SIP/2.0" % (method, ruri)] + head + [
         "CSeq: 1 %s" % method, "Max-Forwards: 70", "Contact: <sip:%s@%s>" % (user, me),
         "User-Agent: Linphone/5.2.0 (belle-sip/5.2.0)", "Content-Length: 0", "", ""]
s.sendto("\r\n".join(lines).encode(), (host, port))
final = None
try:
    while final is None:
        r = s.recv(65535).decode()
        if not r.startswith("SIP/2.0 1"): final = r
except socket.timeout:
    print("timeout"); sys.exit(0)
if method == "INVITE":  # RFC 3261 §17.1.1.3: ACK a non-2xx final on the same branch
    to = re.search(r"^To: (.*?)\r$", final, re.M).group(1)
    ack = ["ACK %s SIP/2.0" % ruri] + head[:2] + ["To: " + to, head[3], "CSeq: 1 ACK",
           "Max-Forwards: 70", "Content-Length: 0", "", ""]
    s.sendto("\r\n".join(ack).encode(), (host, port))
out = [final.split("\r\n")[0]]
for line in final.split("\r\n")[1:]:
    if not line: break
    name, _, value = line.partition(":")
    if name.lower() in ("www-authenticate", "proxy-authenticate"):
        out.append(name + ":" + re.sub(r'nonce="[^"]*"', 'nonce="*"', value))
    elif name.lower() == "content-length":
        out.append(line)
    else:
        out.append(name)
print(" | ".join(out))
PY
answer() { timeout 10 python3 "$tmp/answer.py" "$@" 2>&1; }

printf '%s\n' alice bob carol dave admin operator 100 101 1000 2000 > "$tmp/extensions.txt"
# ~30 wrong passwords, then, last, alice's.
for i in $(seq 30); do printf 'Wrong-Guess-%02d-x7Q\n' "$i"; done > "$tmp/passwords.txt"
printf '%s\n' "$alice_pw" >> "$tmp/passwords.txt"
n_guesses=$(wc -l < "$tmp/passwords.txt")
max_failures=5

write_config "$max_failures"
start_daemon main

# 1. svmap as shipped (User-Agent friendly-scanner, From "sipvicious"): no answer at all.
m=$(mark)
# shellcheck disable=SC2046
out=$(timeout 20 svmap $(local_side) -p "$u4" 127.0.0.1 2>&1)
check svmap-finds-nothing "$(echo "$out" | grep -q 'found nothing' &&
  ! echo "$out" | grep -q "127.0.0.1:$u4"; echo $?)" "svmap: $out"
check svmap-dropped-as-scanner "$(since "$m" | grep -q 'level=debug event=scanner_dropped'; echo $?)" \
  "no scanner_dropped line: $(since "$m" | head -5)"
check svmap-logged-at-debug-only "$(! since "$m" | grep -v ' level=debug ' | grep -q .; echo $?)" \
  "$(since "$m" | grep -v ' level=debug ')"
# Control: the same svmap under another name finds the server (it answers OPTIONS), so the
# silence above is the scanner filter, not a port svmap could not reach.
# shellcheck disable=SC2046
out=$(timeout 20 "${disguised[@]}" svmap --fromname "Front Desk" $(local_side) \
  -p "$u4" 127.0.0.1 2>&1)
check svmap-disguised-finds-server "$(echo "$out" | grep -q "127.0.0.1:$u4"; echo $?)" "svmap: $out"

# 2. svwar as shipped: no answer to its first probe, so it finds no extension.
m=$(mark)
# shellcheck disable=SC2046
out=$(timeout 20 svwar $(local_side) -p "$u4" -d "$tmp/extensions.txt" --domain localhost \
  127.0.0.1 2>&1)
check svwar-finds-nothing "$(echo "$out" | grep -q 'found nothing' && ! lists_user "$out"; echo $?)" \
  "svwar: $out"
check svwar-logged-at-debug-only "$(since "$m" | grep -q 'event=scanner_dropped' &&
  ! since "$m" | grep -v ' level=debug ' | grep -q .; echo $?)" "$(since "$m" | grep -v ' level=debug ')"

# 3a. What the daemon answers for users that exist and users that do not, per method.
for method in REGISTER OPTIONS INVITE; do
  ref=$(answer 127.0.0.1 "$u4" "$method" nosuchuser)
  check "answer-$method-is-an-answer" "$(echo "$ref" | grep -q '^SIP/2.0 [2-6]'; echo $?)" \
    "$method for nosuchuser: $ref"
  for user in alice bob; do
    got=$(answer 127.0.0.1 "$u4" "$method" "$user")
    check "answer-$method-$user-like-unknown" "$([ "$got" = "$ref" ]; echo $?)" \
      "$method for $user: '$got', for nosuchuser: '$ref'"
  done
done

# 3b. svwar disguised: REGISTER (--force: it refuses to scan when an unknown user is
# challenged, which is the point), OPTIONS and INVITE. None may list alice or bob.
for method in REGISTER OPTIONS INVITE; do
  # shellcheck disable=SC2046
  out=$(timeout 25 "${disguised[@]}" svwar $(local_side) -p "$u4" -m "$method" \
    -d "$tmp/extensions.txt" --domain localhost --force 127.0.0.1 2>&1)
  check "svwar-disguised-$method-finds-no-user" \
    "$(echo "$out" | grep -q 'found nothing' && ! lists_user "$out"; echo $?)" "svwar -m $method: $out"
done

# 3c. svcrack disguised, MD5 first: locked out after max_failures wrong passwords, long
# before the right one. Once blocked it keeps sending and keeps getting 403, so `timeout`
# ends it; the first max_failures+1 guesses take well under a second.
m=$(mark)
# shellcheck disable=SC2046
out=$(timeout 6 "${disguised[@]}" svcrack -u alice $(local_side) \
  -d "$tmp/passwords.txt" -p "$u4" --domain localhost --maximumtime 3 127.0.0.1 2>&1)
check svcrack-finds-no-password "$(! echo "$out" | grep -qiE "password for alice|$alice_pw"; echo $?)" \
  "svcrack: $(echo "$out" | tail -5)"
check svcrack-auth-blocked-logged \
  "$(since "$m" | grep -q 'event=auth_blocked source_key=127.0.0.1 '; echo $?)" \
  "$(since "$m" | grep -E 'auth_(failed|blocked)' | tail -3)"
failures=$(since "$m" | grep -c 'event=auth_failed .*user=alice')
check svcrack-stopped-early "$([ "$failures" -ge 1 ] && [ "$failures" -le $((max_failures + 1)) ] &&
  [ "$failures" -lt "$n_guesses" ]; echo $?)" "$failures passwords of $n_guesses were checked"
check svcrack-no-registration "$(! since "$m" | grep -q 'event=register .*status=200'; echo $?)" \
  "$(since "$m" | grep 'event=register ' | head -3)"
check no-password-in-log "$(! grep -qF "$alice_pw" "$log"; echo $?)" "alice's password is in the log"

# 4. The lock-out is per source: 127.0.0.1 is refused, ::1 (another key) still challenged.
got=$(answer 127.0.0.1 "$u4" REGISTER alice)
check ipv4-still-blocked "$(echo "$got" | grep -q '^SIP/2.0 403 Too many failed authentications'; echo $?)" \
  "REGISTER from 127.0.0.1: $got"
got=$(answer ::1 "$u6" REGISTER alice)
check ipv6-still-challenged "$(echo "$got" | grep -q '^SIP/2.0 401 .*WWW-Authenticate:'; echo $?)" \
  "REGISTER from ::1: $got"
stop_daemon main

# Control: without a limit in its way, the same svcrack run finds alice's password, so
# check 3c tests the limiter and not a svcrack that cannot speak to happysipd.
write_config 1000
start_daemon control
# shellcheck disable=SC2046
out=$(timeout 20 "${disguised[@]}" svcrack -u alice $(local_side) \
  -d "$tmp/passwords.txt" -p "$u4" --domain localhost --maximumtime 3 127.0.0.1 2>&1)
check control-svcrack-unlimited-finds-password "$(echo "$out" | grep -qF "$alice_pw"; echo $?)" \
  "svcrack without a limit: $(echo "$out" | tail -5)"
stop_daemon control

if [ "$fail" != 0 ]; then
  echo "--- daemon log (last 30 lines)"; tail -30 "$log"
fi
echo "$checks checks, $fail failed"
[ "$fail" = 0 ]
