#!/usr/bin/env bash
# Checks digest authentication in happysipd's REGISTER path on loopback (docs/security.md,
# "In happysipd"): users are made with `happysip user add --password-stdin` in the test's
# database; a Python client (hashlib: SHA-256) gets 401 whose first challenge is SHA-256
# (no MD5 unless allow_md5), answers it for 200, replays it for stale=true, registers
# another user's AOR for 403; OPTIONS stays unauthenticated; a friendly-scanner gets no
# answer; after max_failures wrong passwords the source gets 403 and one auth_blocked line
# while ::1 still registers; a nonce issued before a restart still verifies after it (the
# 0600 secret in var_dir); no password, HA1 or digest response ever reaches the log;
# a source over [auth] request_rate is dropped unanswered while another is not; bad [auth]
# values are refused with the key and line. Every wait is bounded; only the
# daemon started here is stopped, by PID.
set -u
bin=$1
cli=$2
source "$(dirname "$0")/lib.sh"

db="$tmp/var/happysip.sqlite"
alice_pw='Tq7vX2pLm9wKd4rZ'  # no spaces: the client's script splits on them
bob_pw='Hb8nW3kRz6yPq1sJ'
printf '%s\n' "$alice_pw" | "$cli" user add alice --db "$db" --realm localhost --password-stdin > /dev/null 2>&1
check user-add-alice $? "happysip user add alice failed"
printf '%s\n' "$bob_pw" | "$cli" user add bob --db "$db" --realm localhost --password-stdin > /dev/null 2>&1
check user-add-bob $? "happysip user add bob failed"

cat > "$tmp/happysipd.toml" <<CONF
[server]
domains = ["localhost"]
listen = ["udp:127.0.0.1:0", "udp:[::1]:0"]
var_dir = "$tmp/var"
drain_ms = 200

[auth]
max_failures = 3
block_s = 300
CONF

start_daemon() {  # start_daemon LOG: starts happysipd, waits for both listeners, reads ports
  start_happysipd "$tmp/happysipd.toml" "$tmp/$1" 2
  u4=$(listening_port "$tmp/$1" udp:127.0.0.1)
  u6=$(listening_port "$tmp/$1" 'udp:\[::1\]')
  check "listening-$1" "$([ -n "$u4" ] && [ -n "$u6" ]; echo $?)" "$(cat "$tmp/$1")"
}
stop_daemon() {
  stop_happysipd; local rc=$?
  check "sigterm-exit-0-$1" "$([ "$rc" = 0 ]; echo $?)" "exit $rc"
}

# The client: each step is a line of the script on stdin, its answers one line each.
#   register HOST PORT USER AOR PASSWORD|- [UA]   send, answer with credentials on a 401
#   replay                                        the last credentials, new transaction
#   options HOST PORT [UA]                         an OPTIONS to the server
#   keep-nonce HOST PORT / use-nonce HOST PORT PASSWORD: alice with a nonce kept in a file
cat > "$tmp/client.py" <<'PY'
import hashlib, os, random, re, socket, sys
state_file = sys.argv[1]
def sha(s): return hashlib.sha256(s.encode()).hexdigest()
def sock_for(host):
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM); s.bind((host, 0)); s.settimeout(1.5); return s
def me(s):
    h, p = s.getsockname()[:2]; return ("[%s]:%d" % (h, p)) if ":" in h else "%s:%d" % (h, p)
def request(s, method, aor, auth=None, ua=None, call_id=None):
    branch = "z9hG4bK%x" % random.getrandbits(48)
    lines = ["%s sip:localhost SIP/2.0" % method,
             "Via: SIP/2.0/UDP %s;branch=%s;rport" % (me(s), branch),
             "From: <sip:%s@localhost>;tag=%x" % (aor, random.getrandbits(32)),
             "To: <sip:%s@localhost>" % aor, "Call-ID: %s" % (call_id or branch),
             "CSeq: %d %s" % (random.randint(1, 9999), method), "Max-Forwards: 70"]
    if method == "REGISTER": lines += ["Contact: <sip:%s@%s>" % (aor, me(s)), "Expires: 600"]
    if ua: lines.append("User-Agent: %s" % ua)
    if auth: lines.append("Authorization: %s" % auth)
    return "\r\n".join(lines + ["Content-Length: 0", "", ""])
def exchange(s, host, port, text):
    s.sendto(text.encode(), (host, port))
    try: return s.recv(65535).decode()
    except socket.timeout: return "timeout"
def challenges(resp):
    return re.findall(r"^WWW-Authenticate: (.*?)\r$", resp, re.M)
def param(ch, name):
    m = re.search(r'%s="?([^",]*)"?' % name, ch); return m.group(1) if m else ""
def authorization(user, pw, nonce, nc=1):
    ha1 = sha("%s:localhost:%s" % (user, pw)); cnonce = "%x" % random.getrandbits(64)
    resp = sha("%s:%s:%08x:%s:auth:%s" % (ha1, nonce, nc, cnonce, sha("REGISTER:sip:localhost")))
    return ('Digest username="%s", realm="localhost", nonce="%s", uri="sip:localhost", '
            'response="%s", algorithm=SHA-256, qop=auth, nc=%08x, cnonce="%s"'
            % (user, nonce, resp, nc, cnonce))
def first(r): return r.split("\r\n")[0]
last = None
for line in sys.stdin:
    w = line.split()
    if not w: continue
    if w[0] == "register":
        host, port, user, aor, pw = w[1], int(w[2]), w[3], w[4], w[5]
        ua = w[6] if len(w) > 6 else None
        s = sock_for(host)
        r = exchange(s, host, port, request(s, "REGISTER", aor, ua=ua))
        ch = challenges(r)
        out = ["first=" + first(r), "algorithms=" + ",".join(param(c, "algorithm") for c in ch)]
        if first(r).startswith("SIP/2.0 401") and pw != "-":
            nonce = param(ch[0], "nonce")
            last = (s, host, port, aor, authorization(user, pw, nonce))
            r = exchange(s, host, port, request(s, "REGISTER", aor, last[4]))
            out.append("second=" + first(r))
            m = re.search(r"^Contact: (.*?)\r$", r, re.M)
            if m: out.append("contact=" + m.group(1).replace(" ", "_"))
        print(" ".join(out))
    elif w[0] == "replay":
        # A new transaction (branch, CSeq) with the same credentials: a captured request
        # replayed. A byte-identical copy would be a retransmission, answered 200 again.
        r = exchange(last[0], last[1], last[2], request(last[0], "REGISTER", last[3], last[4]))
        stale = [c for c in challenges(r) if "stale=true" in c.lower()]
        print("replay=" + first(r), "stale=%d" % len(stale))
    elif w[0] == "options":
        s = sock_for(w[1])
        print("options=" + first(exchange(s, w[1], int(w[2]),
                                          request(s, "OPTIONS", "probe", ua=w[3] if len(w) > 3 else None))))
    elif w[0] == "keep-nonce":
        s = sock_for(w[1])
        r = exchange(s, w[1], int(w[2]), request(s, "REGISTER", "alice"))
        open(state_file, "w").write(param(challenges(r)[0], "nonce"))
        print("kept=" + first(r))
    elif w[0] == "use-nonce":
        s = sock_for(w[1]); nonce = open(state_file).read()
        r = exchange(s, w[1], int(w[2]), request(s, "REGISTER", "alice",
                                                 authorization("alice", w[3], nonce)))
        print("reused=" + first(r))
    sys.stdout.flush()
PY
client() { timeout 30 python3 "$tmp/client.py" "$tmp/nonce.txt" > "$tmp/$1.txt" 2>&1; }
has() {  # has NAME FILE REGEX: a check that the client's output holds the line
  grep -qE "$3" "$tmp/$2.txt"; check "$1" $? "$(cat "$tmp/$2.txt")"
}

start_daemon start1.log
grep -q 'event=auth_enabled realm=localhost algorithms=SHA-256 users=2' "$tmp/start1.log"
check auth-enabled-logged $? "$(grep auth_ "$tmp/start1.log")"
secret="$tmp/var/nonce-secret"
check secret-0600-32-bytes "$([ "$(stat -c %a "$secret")" = 600 ] && [ "$(stat -c %s "$secret")" = 32 ]; echo $?)" \
  "$(ls -l "$secret" 2>&1)"

client good <<SCRIPT
register 127.0.0.1 $u4 alice alice $alice_pw
replay
register 127.0.0.1 $u4 alice bob $alice_pw
register 127.0.0.1 $u4 alice alice - friendly-scanner
options 127.0.0.1 $u4 friendly-scanner
options 127.0.0.1 $u4
keep-nonce 127.0.0.1 $u4
SCRIPT
has challenge-sha256-first good '^first=SIP/2.0 401 .* algorithms=SHA-256 second='
has answer-200 good '^first=SIP/2.0 401 .* second=SIP/2.0 200 .*contact=<sip:alice@127.0.0.1:[0-9]+>;expires=600'
has replay-stale good '^replay=SIP/2.0 401 .* stale=1$'
has other-aor-403 good '^first=SIP/2.0 401 .* second=SIP/2.0 403'
has scanner-register-silent good '^first=timeout'
has scanner-options-silent good '^options=timeout'
has options-unauthenticated good '^options=SIP/2.0 200'
grep -q 'event=register .*status=200 .*user=alice' "$tmp/start1.log"
check register-logs-user $? "$(grep event=register "$tmp/start1.log")"

# max_failures = 3: the fourth wrong answer starts the block (still a 401), then even the
# right password gets 403 from that source; ::1 is another source and still registers.
client block <<SCRIPT
register 127.0.0.1 $u4 alice alice wrong-password-1
register 127.0.0.1 $u4 nobody alice wrong-password-2
register 127.0.0.1 $u4 alice alice wrong-password-3
register 127.0.0.1 $u4 alice alice wrong-password-4
register 127.0.0.1 $u4 alice alice $alice_pw
register ::1 $u6 alice alice $alice_pw
SCRIPT
check wrong-password-401 "$([ "$(grep -c '^first=SIP/2.0 401 .* second=SIP/2.0 401' "$tmp/block.txt")" = 4 ]; echo $?)" \
  "$(cat "$tmp/block.txt")"
has blocked-403 block '^first=SIP/2.0 403 Too many failed authentications'
has other-source-200 block '^first=SIP/2.0 401 .* second=SIP/2.0 200'
check block-logged-once "$([ "$(grep -c 'event=auth_blocked' "$tmp/start1.log")" = 1 ]; echo $?)" \
  "$(grep auth_ "$tmp/start1.log")"
grep -q 'event=auth_blocked source_key=127.0.0.1 block_s=300' "$tmp/start1.log"
check block-log-fields $? "$(grep auth_blocked "$tmp/start1.log")"
check failures-logged "$([ "$(grep -c 'event=auth_failed' "$tmp/start1.log")" = 4 ]; echo $?)" \
  "$(grep auth_failed "$tmp/start1.log")"
stop_daemon 1

# A restart keeps the secret: the nonce issued before it still verifies.
start_daemon start2.log
echo "use-nonce 127.0.0.1 $u4 $alice_pw" | client reuse
has nonce-survives-restart reuse '^reused=SIP/2.0 200'
grep -q nonce_secret_generated "$tmp/start2.log"
check secret-kept "$([ $? != 0 ]; echo $?)" "$(grep nonce_secret "$tmp/start2.log")"
stop_daemon 2

# Nothing secret in any log: passwords, HA1s, the digest responses, the secret.
secrets=$(python3 - "$alice_pw" "$bob_pw" "$secret" <<'PY'
import binascii, hashlib, sys
for pw, user in ((sys.argv[1], "alice"), (sys.argv[2], "bob")):
    print(pw); print(hashlib.sha256(("%s:localhost:%s" % (user, pw)).encode()).hexdigest())
print(binascii.hexlify(open(sys.argv[3], "rb").read()).decode())
PY
)
leaked=0
while read -r word; do grep -qF -- "$word" "$tmp"/start*.log && leaked=1; done <<< "$secrets"
grep -qiE 'response=|Authorization' "$tmp"/start*.log && leaked=1
check no-secrets-logged "$leaked" "a password, HA1, secret or digest response is in the log"

# allow_md5: the MD5 challenge comes second.
sed -i 's/^block_s = 300$/block_s = 300\nallow_md5 = true/' "$tmp/happysipd.toml"
start_daemon start3.log
echo "register ::1 $u6 alice alice -" | client md5
has md5-offered-second md5 '^first=SIP/2.0 401 .* algorithms=SHA-256,MD5$'
stop_daemon 3

# request_rate: a source over its bucket is dropped unanswered; another source is not.
sed -i 's/^allow_md5 = true$/allow_md5 = true\nrequest_rate = 5\nrequest_burst = 5/' "$tmp/happysipd.toml"
start_daemon start5.log
python3 - "$u4" "$u6" > "$tmp/rate.txt" <<'PY'
import socket, sys
def burst(family, host, port, n):
    s = socket.socket(family, socket.SOCK_DGRAM); s.bind((host, 0)); s.settimeout(0.5)
    me = ("[%s]:%d" if ":" in host else "%s:%d") % (host, s.getsockname()[1])
    for i in range(n):
        s.sendto(("OPTIONS sip:localhost SIP/2.0\r\nVia: SIP/2.0/UDP %s;branch=z9hG4bKrate%d\r\n"
                  "From: <sip:p@x>;tag=1\r\nTo: <sip:localhost>\r\nCall-ID: rate-%s-%d\r\n"
                  "CSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
                  % (me, i, host, i)).encode(), (host, port))
    got = 0
    try:
        while True: s.recv(65535); got += 1
    except socket.timeout: return got
print("v4", burst(socket.AF_INET, "127.0.0.1", int(sys.argv[1]), 20))
print("v6", burst(socket.AF_INET6, "::1", int(sys.argv[2]), 3))
PY
v4=$(grep -oP '^v4 \K[0-9]+' "$tmp/rate.txt"); v6=$(grep -oP '^v6 \K[0-9]+' "$tmp/rate.txt")
check rate-limited "$([ -n "$v4" ] && [ "$v4" -ge 5 ] && [ "$v4" -le 7 ]; echo $?)" "20 OPTIONS at once from one source: $v4 answered (bucket 5)"
check rate-per-source "$([ "$v6" = 3 ]; echo $?)" "another source: $v6 of 3 answered"
# SIGHUP: the users are re-counted (alice and bob) and the daemon keeps running.
kill -HUP "$pid"
for _ in $(seq 30); do grep -q 'event=users_reloaded' "$tmp/start5.log" && break; sleep 0.1; done
check sighup-users "$(grep -q 'event=users_reloaded realm=localhost users=2' "$tmp/start5.log" && kill -0 "$pid"; echo $?)" "$(grep users_reloaded "$tmp/start5.log")"
stop_daemon 5

# A secret file of the wrong length stops the start (exit 1) instead of being replaced.
printf 'short' > "$secret"
timeout 10 "$bin" --config "$tmp/happysipd.toml" 2> "$tmp/start4.log"; rc=$?
check short-secret-refused "$([ "$rc" = 1 ] && grep -q 'event=nonce_secret_failed' "$tmp/start4.log" &&
  [ "$(cat "$secret")" = short ]; echo $?)" "exit $rc: $(cat "$tmp/start4.log")"

# Bad [auth] values: exit 2, the key and the line named.
bad_config enabled-type ':2: auth.enabled: must be true or false' < <(printf '[auth]\nenabled = "no"\n')
bad_config max-failures ':2: auth.max_failures: must be between 1 and' < <(printf '[auth]\nmax_failures = 0\n')
bad_config lifetime ':3: auth.nonce_lifetime_s: must be between 10 and' < <(printf '[auth]\n\nnonce_lifetime_s = 5\n')
bad_config realm ':2: auth.realm: must be' < <(printf '[auth]\nrealm = "a\\"b"\n')
bad_config unknown ':2: auth.allow_sha1: unknown key' < <(printf '[auth]\nallow_sha1 = true\n')

echo "$((checks - fail)) passed, $fail failed"
[ "$fail" -eq 0 ]
