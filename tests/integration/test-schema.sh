#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The LDAP schema Sesame ships (conf/schema): sesame.schema and sesame.ldif
# define the same things; the .ldif loads into a slapd configured with
# cn=config the way doc/schema.md says (ldapadd -Y EXTERNAL -H ldapi:///),
# acl-example.ldif applies there, and the attributes behave as declared
# (syntax, SINGLE-VALUE, matching rules, the auxiliary class).  The other
# integration tests load sesame.schema and acl-example.conf into their
# slapd.conf-configured instances (tests/lib/slapd.sh).
# Needs root (slapd binding its ldapi socket as root for SASL EXTERNAL);
# skips (77) otherwise.  The system slapd and /etc/ldap are never touched.
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd -P)
SCHEMA_DIR=$(cd "$HERE/../../conf/schema" && pwd -P)
# shellcheck source=tests/lib/slapd.sh
. "$HERE/../lib/slapd.sh"

if [ "$(id -u)" != 0 ]; then
        echo "1..0 # SKIP needs root"
        exit 77
fi
unset LDAPURI LDAPBASE LDAPBINDDN LDAPRC LDAPCONF LDAPTLS_CACERT || true

n=0
failed=0
ok() { # ok DESCRIPTION COMMAND...
        local desc=$1 out
        shift
        n=$((n + 1))
        if out=$("$@" 2>&1); then
                echo "ok $n - $desc"
        else
                echo "not ok $n - $desc"
                failed=$((failed + 1))
                printf '%s\n' "$out" | head -20 | sed 's/^/#   /'
        fi
}
not() { ! "$@"; }

W=$(mktemp -d /tmp/sesame-schema.XXXXXX)
# our_slapd: the pid of the slapd start_cnconfig started, if it still runs.
# start_cnconfig runs inside ok's command substitution, a subshell: a pid
# it sets in a variable never reaches this shell, so it goes through a
# file, and is checked to still be that slapd (not a reused pid)
our_slapd() {
        local pid
        pid=$(cat "$W/launch.pid" 2>/dev/null) || return 1
        [[ $pid =~ ^[0-9]+$ ]] || return 1
        grep -qF -- "$W/slapd.d" "/proc/$pid/cmdline" 2>/dev/null || return 1
        echo "$pid"
}
cleanup() {
        local pid
        if pid=$(our_slapd); then
                kill -TERM "$pid" 2>/dev/null
                for _ in $(seq 1 50); do
                        our_slapd >/dev/null || break
                        sleep 0.1
                done
                kill -KILL "$pid" 2>/dev/null
                for _ in $(seq 1 30); do
                        our_slapd >/dev/null || break
                        sleep 0.1
                done
        fi
        if [ "$failed" != 0 ]; then
                echo "# state kept in $W"
                tail -20 "$W/slapd.log" 2>/dev/null | sed 's/^/#   /'
        else
                rm -rf "$W"
        fi
}
trap cleanup EXIT

# --- 1: the two forms agree ---------------------------------------------------
# every definition, blanks normalised, in file order
defs_schema() {
        "$SLAPD_PYTHON" - "$SCHEMA_DIR/sesame.schema" <<'EOF'
import re, sys
text = "\n".join(l for l in open(sys.argv[1]) if not l.lstrip().startswith("#"))
for kind, body in re.findall(r"^(attributetype|objectclass)\s+(\(.*?\))\s*$(?=\n\S|\s*\Z)",
                             text, re.S | re.M | re.I):
    print(kind.lower(), " ".join(body.split()))
EOF
}
defs_ldif() {
        "$SLAPD_PYTHON" - "$SCHEMA_DIR/sesame.ldif" <<'EOF'
import re, sys
lines = [l.rstrip("\n") for l in open(sys.argv[1]) if not l.startswith("#")]
vals, cur = [], None
for l in lines:
    if l.startswith(" ") and cur is not None:
        cur += l[1:]
        continue
    if cur is not None:
        vals.append(cur)
    cur = l
if cur is not None:
    vals.append(cur)
for v in vals:
    k, _, val = v.partition(":")
    kind = {"olcattributetypes": "attributetype", "olcobjectclasses": "objectclass"}.get(k.lower())
    if kind:
        print(kind, " ".join(re.sub(r"^\{\d+\}", "", val.strip()).split()))
EOF
}
same_defs() {
        local a b
        a=$(defs_schema) && b=$(defs_ldif) || return 1
        [ "$(wc -l <<<"$a")" = 16 ] || { echo "expected 16 definitions, got: $a"; return 1; }
        diff <(echo "$a") <(echo "$b")
}
ok "sesame.schema and sesame.ldif have the same 16 definitions" same_defs
arc=2.25.172599520672551687397065303655434588134
ok "every OID is under the project's arc (.1.N attributes, .2.N classes)" \
        sh -c "defs=\$(grep -Eo '^(attributetype|objectclass) \\( [0-9.]+' '$SCHEMA_DIR/sesame.schema'); \
                [ \$(echo \"\$defs\" | grep -c \"^attributetype ( $arc\\.1\\.[0-9]*\$\") = 13 ] && \
                [ \$(echo \"\$defs\" | grep -c \"^objectclass ( $arc\\.2\\.[0-9]*\$\") = 3 ] && \
                [ -z \"\$(echo \"\$defs\" | awk '{print \$3}' | sort | uniq -d)\" ]"

# --- 2: slapd.conf form -------------------------------------------------------
cat >"$W/test.conf" <<EOF
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/nis.schema
include /etc/ldap/schema/inetorgperson.schema
include $SCHEMA_DIR/sesame.schema
modulepath /usr/lib/ldap
moduleload back_mdb
database mdb
suffix "dc=example,dc=com"
rootdn "cn=admin,dc=example,dc=com"
directory $W
include $SCHEMA_DIR/acl-example.conf
EOF
ok "slaptest accepts sesame.schema and acl-example.conf (slapd.conf form)" \
        slaptest -u -f "$W/test.conf"

# --- 3: cn=config form, loaded as doc/schema.md says -----------------------------
mkdir -p "$W/slapd.d" "$W/db"
LDAPI="ldapi://$(_slapd_urlencode "$W/ldapi")"
ROOT="gidNumber=0+uidNumber=0,cn=peercred,cn=external,cn=auth"
cat >"$W/config.ldif" <<EOF
dn: cn=config
objectClass: olcGlobal
cn: config
olcPidFile: $W/slapd.pid

dn: cn=module{0},cn=config
objectClass: olcModuleList
cn: module{0}
olcModulePath: /usr/lib/ldap
olcModuleLoad: back_mdb

dn: cn=schema,cn=config
objectClass: olcSchemaConfig
cn: schema

include: file:///etc/ldap/schema/core.ldif
include: file:///etc/ldap/schema/cosine.ldif
include: file:///etc/ldap/schema/nis.ldif
include: file:///etc/ldap/schema/inetorgperson.ldif

dn: olcDatabase={0}config,cn=config
objectClass: olcDatabaseConfig
olcDatabase: {0}config
olcAccess: {0}to * by dn.exact=$ROOT manage by * break

dn: olcDatabase={1}mdb,cn=config
objectClass: olcDatabaseConfig
objectClass: olcMdbConfig
olcDatabase: {1}mdb
olcSuffix: dc=example,dc=com
olcRootDN: $ROOT
olcDbDirectory: $W/db
olcAccess: {0}to attrs=userPassword by self write by anonymous auth by * none
olcAccess: {1}to * by users read by * none
EOF
start_cnconfig() {
        slapadd -n0 -F "$W/slapd.d" -l "$W/config.ldif" || return 1
        (
                exec </dev/null >>"$W/slapd.log" 2>&1
                slapd -F "$W/slapd.d" -h "$LDAPI" -d none &
                echo "$!" >"$W/launch.pid"
        )
        for _ in $(seq 1 100); do
                timeout 3 ldapwhoami -Q -Y EXTERNAL -H "$LDAPI" >/dev/null 2>&1 && return 0
                our_slapd >/dev/null || return 1
                sleep 0.1
        done
        return 1
}
ok "a slapd configured with cn=config starts (ldapi only)" start_cnconfig
ext() { timeout 10 "$@" -Q -Y EXTERNAL -H "$LDAPI"; }
ok "ldapadd -Y EXTERNAL -H ldapi:/// -f sesame.ldif" ext ldapadd -f "$SCHEMA_DIR/sesame.ldif"
ok "the schema is in cn=schema,cn=config" \
        sh -c "ldapsearch -LLL -o ldif-wrap=no -Q -Y EXTERNAL -H '$LDAPI' -b cn=schema,cn=config '(cn=*sesame)' olcObjectClasses \
                | grep -q \"NAME 'sesameAccount'\""
ok "ldapmodify -Y EXTERNAL -f acl-example.ldif" ext ldapmodify -f "$SCHEMA_DIR/acl-example.ldif"
ok "the seven rules come first in the database" \
        sh -c "ldapsearch -LLL -o ldif-wrap=no -Q -Y EXTERNAL -H '$LDAPI' -b 'olcDatabase={1}mdb,cn=config' -s base olcAccess \
                | grep '^olcAccess:' | head -7 | grep -c sesame | grep -qx 7"

# --- 4: the attributes behave as declared ------------------------------------
P="ou=people,dc=example,dc=com"
cat >"$W/data.ldif" <<EOF
dn: dc=example,dc=com
objectClass: dcObject
objectClass: organization
dc: example
o: Schema Test

dn: $P
objectClass: organizationalUnit
ou: people

dn: uid=ann,$P
objectClass: inetOrgPerson
objectClass: posixAccount
objectClass: sesameAccount
uid: ann
cn: Ann
sn: Example
uidNumber: 10001
gidNumber: 10000
homeDirectory: /home/ann
sesameDisabled: FALSE
sesameEmailConfirmed: 20240101120000Z
sesameTokenStamp: 0123abcd
sesameTotpSecret: v1\$AAAA
sesameTotpPending: v1\$BBBB
sesameTotpLastStep: 56000000
sesameRecoveryCode: aaaa
sesameRecoveryCode: bbbb
sesameFailureCount: 0
sesameFailureTime: 1700000000
sesameLockedUntil: 0
sesameLastLogin: 20240102030405Z
sesameLoginCount: 7

dn: uid=bea,$P
objectClass: inetOrgPerson
objectClass: posixAccount
uid: bea
cn: Bea
sn: Example
uidNumber: 10002
gidNumber: 10000
homeDirectory: /home/bea
EOF
ok "an entry with every sesame attribute is accepted over LDAP" ext ldapadd -f "$W/data.ldif"
mod() { printf '%s\n' "dn: uid=$1,$P" "changetype: modify" "${@:2}" | ext ldapmodify; }
ok "sesameAccount is auxiliary: added to an existing entry" \
        mod bea "add: objectClass" "objectClass: sesameAccount" "-" "add: sesameFailureCount" "sesameFailureCount: 1"
ok "without the class the attributes are refused (objectClassViolation)" \
        sh -c "printf 'dn: uid=bea,$P\nchangetype: modify\ndelete: objectClass\nobjectClass: sesameAccount\n' \
                | ldapmodify -Q -Y EXTERNAL -H '$LDAPI' 2>&1 | grep -q 'Object class violation'"
ok "INTEGER: increment works (sesameFailureCount)" \
        mod bea "increment: sesameFailureCount" "sesameFailureCount: 1"
ok_value() { # ok_value UID ATTR VALUE
        ext ldapsearch -LLL -b "uid=$1,$P" -s base "$2" | grep -qx "$2: $3"
}
ok "... to 2" ok_value bea sesameFailureCount 2
ok_fail_mod() { # ok_fail_mod WANT_TEXT UID LINES...
        local want=$1 out
        shift
        out=$(mod "$@" 2>&1) && { echo "accepted: $out"; return 1; }
        grep -q "$want" <<<"$out" || { echo "$out"; return 1; }
}
ok "INTEGER syntax enforced" ok_fail_mod "Invalid syntax" ann "replace: sesameLockedUntil" "sesameLockedUntil: soon"
ok "BOOLEAN syntax enforced" ok_fail_mod "Invalid syntax" ann "replace: sesameDisabled" "sesameDisabled: yes"
ok "GeneralizedTime syntax enforced" ok_fail_mod "Invalid syntax" ann \
        "replace: sesameEmailConfirmed" "sesameEmailConfirmed: yesterday"
ok "IA5String syntax enforced (no UTF-8)" ok_fail_mod "Invalid syntax" ann \
        "replace: sesameTokenStamp" "sesameTokenStamp: $(printf 'caf\xc3\xa9')"
for a in sesameDisabled sesameEmailConfirmed sesameTokenStamp sesameTotpSecret sesameTotpPending \
        sesameTotpLastStep sesameFailureCount sesameFailureTime sesameLockedUntil sesameLastLogin sesameLoginCount; do
        case $a in
        sesameDisabled) v=TRUE ;;
        sesameEmailConfirmed | sesameLastLogin) v=20250101000000Z ;;
        sesameTokenStamp | sesameTotpSecret | sesameTotpPending) v=x ;;
        *) v=1 ;;
        esac
        ok "$a is SINGLE-VALUE" ok_fail_mod "single value\|SINGLE-VALUE\|Constraint violation\|multiple values" \
                ann "add: $a" "$a: $v"
done
ok "sesameRecoveryCode is multi-valued" mod ann "add: sesameRecoveryCode" "sesameRecoveryCode: cccc"
ok "a recovery code hash is deleted by value (caseExactIA5Match)" \
        mod ann "delete: sesameRecoveryCode" "sesameRecoveryCode: aaaa"
ok "... and deleting it again fails (noSuchAttribute): single use" \
        ok_fail_mod "No such attribute" ann "delete: sesameRecoveryCode" "sesameRecoveryCode: aaaa"
ok "caseExactIA5Match: a hash differing in case is not the same value" \
        ok_fail_mod "No such attribute" ann "delete: sesameRecoveryCode" "sesameRecoveryCode: BBBB"
ok "TOTP step compare-and-swap: delete old value + add new value" \
        mod ann "delete: sesameTotpLastStep" "sesameTotpLastStep: 56000000" "-" \
        "add: sesameTotpLastStep" "sesameTotpLastStep: 56000001"
ok "... fails when another writer got there first" \
        ok_fail_mod "No such attribute" ann "delete: sesameTotpLastStep" "sesameTotpLastStep: 56000000" "-" \
        "add: sesameTotpLastStep" "sesameTotpLastStep: 56000002"
count_is() { # count_is N FILTER: the search succeeds and finds N entries
        local out got
        out=$(ext ldapsearch -LLL -b "$P" "$2" dn) || { echo "$2: the search failed"; return 1; }
        got=$(grep -c '^dn:' <<<"$out")
        [ "$got" = "$1" ] || { echo "$2: $got entries, want $1"; return 1; }
}
ok "integerOrderingMatch: (sesameLockedUntil>=1) does not match 0" count_is 0 '(sesameLockedUntil>=1)'
ok "integerOrderingMatch: (sesameTotpLastStep>=56000001) matches" count_is 1 '(sesameTotpLastStep>=56000001)'
ok "generalizedTimeOrderingMatch: (sesameEmailConfirmed<=20240601000000Z)" \
        count_is 1 '(sesameEmailConfirmed<=20240601000000Z)'
ok "booleanMatch: (sesameDisabled=FALSE)" count_is 1 '(sesameDisabled=FALSE)'

echo "1..$n"
[ "$failed" = 0 ]
