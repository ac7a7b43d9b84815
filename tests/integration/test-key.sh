#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# "sesamectl key generate": the one way to create the [totp] key_file.
# The key is what sesamed and "sesamectl check" accept (32 bytes, root,
# 0600 whatever the umask), an existing key or a symbolic link in its
# place is never replaced or followed, and nothing is left behind.
# shellcheck source=tests/lib/harness.sh
. "$(dirname "$0")/../lib/harness.sh"
harness_init "$@"

slapd_start "$T/slapd" >/dev/null || { echo "Bail out! slapd did not start"; exit 1; }
mkdir -m 0700 "$T/keys"
KEY=$T/keys/totp.key
TOTP_KEY_FILE=$KEY sesamed_config >"$T/sesame.conf"
chmod 0600 "$T/sesame.conf"
gen() { sesamectl_run -c "$T/sesame.conf" "$@" key generate; }

ok "key generate (umask 000)" sh -c "umask 000; exec $SESAMECTL -c '$T/sesame.conf' key generate"
check "32 bytes" 32 "$(stat -c %s "$KEY")"
check "mode 0600 despite the umask, owned by root" "600 0 0" "$(stat -c '%a %u %g' "$KEY")"
ok "sesamed accepts it (no key warning in --check)" \
        sh -c "'$SESAMED' -t -c '$T/sesame.conf' 2>&1 >/dev/null | grep -c 'TOTP key' | grep -qx 0"
sesamectl_run -c "$T/sesame.conf" --json check >"$T/check.json" 2>/dev/null
check "sesamectl check: key_file ok" "True" \
        "$("$PYTHON3" -c 'import json,sys; print(json.load(open(sys.argv[1]))["key_file"]["ok"])' "$T/check.json" 2>&1)"

cp "$KEY" "$T/key.before"
gen 2>"$T/again.err"
check "a second key generate is refused (exit 1)" 1 "$?"
ok "... saying the key exists" grep -q "already exists: not replaced" "$T/again.err"
ok "the key is unchanged" cmp "$KEY" "$T/key.before"
check "--json names the refusal" "exists" \
        "$(gen --json 2>/dev/null | "$PYTHON3" -c 'import json,sys; print(json.load(sys.stdin)["status"])')"

rm "$KEY"
ln -s "$T/keys/elsewhere" "$KEY"
ok_fail "a symbolic link in the key's place is refused" gen
ok "... and not followed" test ! -e "$T/keys/elsewhere"
rm "$KEY"

check "--json on success" "ok" \
        "$(gen --json 2>/dev/null | "$PYTHON3" -c 'import json,sys; print(json.load(sys.stdin)["status"])')"
mv "$KEY" "$T/key.one"
ok "another key" gen
ok_fail "two keys differ" cmp -s "$KEY" "$T/key.one"
check "no temporary file left behind" "totp.key" "$(ls "$T/keys")"

chmod 0755 "$T/keys"
rm "$KEY"
ok_fail "not as an unprivileged user" as_uid 65534 65534 "$SESAMECTL" -c "$T/sesame.conf" key generate
ok "... and nothing created" test ! -e "$KEY"

TOTP_KEY_FILE="" sesamed_config >"$T/nokey.conf"
chmod 0600 "$T/nokey.conf"
ok_fail "no [totp] key_file in the configuration: nothing to create" \
        sesamectl_run -c "$T/nokey.conf" key generate

done_testing
