#!/usr/bin/env bash
# Checks `happysip user add|del|list|passwd` against a real SQLite file in a temp dir:
# users are stored as HA1 per hash (checked with Python's sqlite3 and hashlib), weak
# passwords are refused with exit 1 and a message, usage errors give 2, and no output
# ever holds a password or an HA1. Nothing runs in the background; the temp dir is removed.
set -u
bin=$1
fail=0; checks=0
check() {  # check NAME CONDITION-RESULT(0 ok) DETAIL
  checks=$((checks + 1))
  if [ "$2" != 0 ]; then echo "FAIL $1: $3"; fail=$((fail + 1)); fi
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
good='violet kettle morning'
other='oyster lantern clockwork'
all_output="$tmp/all-output.txt"
: > "$all_output"

run() {  # run STDIN ARGS... ; sets rc, out, err
  printf '%s\n' "$1" | timeout 10 "$bin" user "${@:2}" > "$tmp/out" 2> "$tmp/err"
  rc=$?
  out=$(cat "$tmp/out"); err=$(cat "$tmp/err")
  cat "$tmp/out" "$tmp/err" >> "$all_output"
}

ha1() {  # ha1 DB USER REALM COLUMN
  python3 - "$@" <<'PY'
import sqlite3, sys
db, user, realm, col = sys.argv[1:]
row = sqlite3.connect(db).execute(
    f"SELECT {col} FROM users WHERE user = ? AND realm = ?", (user, realm)).fetchone()
print(row[0] if row else "")
PY
}
expect_ha1() {  # expect_ha1 ALGO USER REALM PASSWORD
  python3 -c 'import hashlib,sys; print(hashlib.new(sys.argv[1], ":".join(sys.argv[2:]).encode()).hexdigest())' "$@"
}

# add with the defaults: ./var/happysip.sqlite, realm localhost
run "$good" add alice --password-stdin
check add-default $rc "rc=$rc err=$err"
check add-default-db "$([ -f var/happysip.sqlite ]; echo $?)" "no ./var/happysip.sqlite"
db=var/happysip.sqlite
check ha1-sha256 "$([ "$(ha1 $db alice localhost ha1_sha256)" = "$(expect_ha1 sha256 alice localhost "$good")" ]; echo $?)" "SHA-256 HA1 differs"
check ha1-md5 "$([ "$(ha1 $db alice localhost ha1_md5)" = "$(expect_ha1 md5 alice localhost "$good")" ]; echo $?)" "MD5 HA1 differs"
check ha1-sha512-256 "$([ "$(ha1 $db alice localhost ha1_sha512_256)" = "$(expect_ha1 sha512_256 alice localhost "$good")" ]; echo $?)" "SHA-512/256 HA1 differs"
check no-plain-password "$(! grep -q "$good" var/happysip.sqlite* ; echo $?)" "password found in the database files"

# the same user again
run "$other" add alice --password-stdin
check add-exists "$([ $rc = 1 ] && grep -q 'already exists' <<< "$err"; echo $?)" "rc=$rc err=$err"

# the policy: each refusal exits 1 with its message, nothing stored
run 'bob' add bob --password-stdin
check refuse-short "$([ $rc = 1 ] && grep -q 'at least 12 characters' <<< "$err"; echo $?)" "rc=$rc err=$err"
run 'BobTheBuilder' add bobthebuilder --password-stdin
check refuse-user "$([ $rc = 1 ] && grep -q 'user name' <<< "$err"; echo $?)" "rc=$rc err=$err"
run '902183746512' add bob --password-stdin
check refuse-digits "$([ $rc = 1 ] && grep -q 'only digits' <<< "$err"; echo $?)" "rc=$rc err=$err"
run 'Password1234' add bob --password-stdin
check refuse-common "$([ $rc = 1 ] && grep -q 'common passwords' <<< "$err"; echo $?)" "rc=$rc err=$err"
run 'P@ssw0rd2024!' add bob --password-stdin
check refuse-pattern "$([ $rc = 1 ] && grep -q 'keyboard walk' <<< "$err"; echo $?)" "rc=$rc err=$err"
check refused-not-stored "$([ -z "$(ha1 $db bob localhost ha1_sha256)" ]; echo $?)" "bob was stored"

# another realm and database
run "$other" add alice --password-stdin --realm example.com --db "$tmp/other/users.sqlite"
check add-realm-db $rc "rc=$rc err=$err"
check ha1-realm "$([ "$(ha1 "$tmp/other/users.sqlite" alice example.com ha1_sha256)" = "$(expect_ha1 sha256 alice example.com "$other")" ]; echo $?)" "realm HA1 differs"
run "" add carol --password-stdin --realm example.com
check add-carol-empty-refused "$([ $rc = 1 ]; echo $?)" "an empty password was accepted"
printf 'a quiet harbour at dawn\n' | "$bin" user add carol --password-stdin --realm example.com > /dev/null 2>&1
check add-carol-ok $? "carol in example.com"

run "" list
check list $rc "rc=$rc err=$err"
check list-content "$([ "$(cut -f1,2 <<< "$out" | tr '\t' ' ' | tr '\n' ';')" = 'carol example.com;alice localhost;' ]; echo $?)" "list: $out"
check list-timestamp "$(grep -qE $'\t20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$' <<< "$out"; echo $?)" "list: $out"
run "" list --realm example.com
check list-realm "$([ $rc = 0 ] && [ "$(cut -f1 <<< "$out")" = carol ]; echo $?)" "list --realm: $out"

# passwd replaces every HA1; refuses weak ones; unknown user
before=$(ha1 $db alice localhost ha1_sha256)
run "$other" passwd alice --password-stdin
check passwd $rc "rc=$rc err=$err"
check passwd-ha1 "$([ "$(ha1 $db alice localhost ha1_sha256)" = "$(expect_ha1 sha256 alice localhost "$other")" ] && [ "$before" != "$(ha1 $db alice localhost ha1_sha256)" ]; echo $?)" "HA1 not replaced"
check passwd-md5 "$([ "$(ha1 $db alice localhost ha1_md5)" = "$(expect_ha1 md5 alice localhost "$other")" ]; echo $?)" "MD5 HA1 not replaced"
run 'qwertyuiop123' passwd alice --password-stdin
check passwd-weak "$([ $rc = 1 ] && [ "$(ha1 $db alice localhost ha1_sha256)" = "$(expect_ha1 sha256 alice localhost "$other")" ]; echo $?)" "rc=$rc"
run "$good" passwd nobody --password-stdin
check passwd-unknown "$([ $rc = 1 ] && grep -q 'no user nobody' <<< "$err"; echo $?)" "rc=$rc err=$err"

# del
run "" del alice
check del $rc "rc=$rc err=$err"
check del-gone "$([ -z "$(ha1 $db alice localhost ha1_sha256)" ]; echo $?)" "alice still stored"
run "" del alice
check del-unknown "$([ $rc = 1 ]; echo $?)" "rc=$rc"

# usage errors: 2
run "" add
check usage-no-user "$([ $rc = 2 ]; echo $?)" "rc=$rc"
run "" frobnicate
check usage-unknown-sub "$([ $rc = 2 ]; echo $?)" "rc=$rc"
run "$good" add 'bad"name' --password-stdin
check usage-bad-name "$([ $rc = 2 ]; echo $?)" "rc=$rc"
# Without --password-stdin it asks on the terminal; setsid leaves it without one.
setsid -w timeout 10 "$bin" user add dave < /dev/null > /dev/null 2> "$tmp/err"; rc=$?
check usage-no-tty "$([ $rc = 2 ] && grep -q 'password-stdin' "$tmp/err"; echo $?)" "rc=$rc $(cat "$tmp/err")"
run "" list --db "$tmp/missing.sqlite"
check list-missing-db "$([ $rc = 1 ] && [ ! -e "$tmp/missing.sqlite" ]; echo $?)" "rc=$rc"

# nothing printed a password or an HA1
for secret in "$good" "$other" 'P@ssw0rd2024!' 'Password1234' "$(expect_ha1 sha256 alice localhost "$good")" \
    "$(expect_ha1 md5 alice localhost "$good")"; do
  check "no-secret-in-output" "$(! grep -qF -- "$secret" "$all_output"; echo $?)" "output holds a secret"
done

echo "$((checks - fail))/$checks checks passed"
[ "$fail" = 0 ]
