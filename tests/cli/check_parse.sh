#!/usr/bin/env bash
# Checks `happysip parse`: summary and JSON for a valid message (exit 0), the reason on
# stderr for an invalid one (exit 1), usage errors (exit 2), stdin and --crlf.
set -u
bin=$1; examples=$2
fail=0; checks=0
expect() {  # expect NAME WANT_EXIT GOT_EXIT OUTPUT PATTERN
  checks=$((checks + 1))
  if [ "$3" != "$2" ]; then echo "FAIL $1: exit $3, wanted $2"; echo "$4"; fail=$((fail + 1)); return; fi
  if ! grep -qE -- "$5" <<<"$4"; then echo "FAIL $1: output lacks /$5/"; echo "$4"; fail=$((fail + 1)); fi
}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

out=$("$bin" parse "$examples/register-outbound.sip" 2>&1); expect summary 0 $? "$out" 'branch=z9hG4bKnashds7'
expect summary-contact 0 0 "$out" 'reg-id=1'
out=$("$bin" parse --json "$examples/invite-ipv6.sip" 2>&1); expect json 0 $? "$out" '"call_id": "a84b4c76e66710@pc33.atlanta.example.com"'
expect json-ipv6 0 0 "$out" '"kind": "ipv6"'
out=$("$bin" parse - < "$examples/401-challenge.sip" 2>&1); expect stdin 0 $? "$out" 'response +401 Unauthorized'

sed 's/CSeq: 1826 REGISTER/CSeq: 1826 INVITE/' "$examples/register-outbound.sip" > "$tmp/mismatch.sip"
out=$("$bin" parse "$tmp/mismatch.sip" 2>&1); expect invalid 1 $? "$out" '^invalid: .*CSeq method INVITE does not match request method REGISTER'
sed 's/branch=z9hG4bKnashds7;/branch=z9hG4bKnashds7;ttl=999;/' "$examples/register-outbound.sip" > "$tmp/badvia.sip"
out=$("$bin" parse "$tmp/badvia.sip" 2>&1); expect invalid-via 1 $? "$out" '^invalid: bad Via header at byte [0-9]+: ttl'
tr -d '\r' < "$examples/401-challenge.sip" > "$tmp/lf.sip"
out=$("$bin" parse --crlf "$tmp/lf.sip" 2>&1); expect crlf 0 $? "$out" 'response +401'

out=$("$bin" parse "$tmp/does-not-exist.sip" 2>&1); expect missing-file 2 $? "$out" 'cannot read'
out=$("$bin" parse --no-such-flag 2>&1); expect usage 2 $? "$out" 'no-such-flag|not expected|Extras'
out=$("$bin" 2>&1); expect no-subcommand 2 $? "$out" 'subcommand'

echo "$((checks - fail)) passed, $fail failed"
[ "$fail" -eq 0 ]
