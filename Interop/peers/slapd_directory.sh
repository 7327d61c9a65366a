#!/usr/bin/env bash
# A throw-away OpenLDAP directory with Active Directory-style users (sAMAccountName, memberOf), on loopback only, with
# TLS: StartTLS on ldap://127.0.0.1:PORT and ldaps://127.0.0.1:TLSPORT, certificate CERT/KEY.
#   slapd_directory.sh start DIR PORT TLSPORT CERT KEY   -> prints the PID once it answers
#   slapd_directory.sh stop DIR
# Directory dc=pbx,dc=test; service account cn=svc-pbx,ou=service,dc=pbx,dc=test / svcpw; alice/alicepw (group
# pbx-admins), bob/bobpw (group pbx-users), carol/carolpw (no group).
set -eu
PATH="$PATH:/usr/sbin:/sbin"   # slapd, slaptest and slappasswd live there
command=$1; D=$2
if [ "$command" = stop ]; then kill "$(cat "$D/slapd.pid")"; exit 0; fi
PORT=$3; TLSPORT=$4; CERT=$5; KEY=$6
mkdir -p "$D/db"
cat > "$D/slapd.conf" <<CONF
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
attributetype ( 1.2.840.113556.1.4.221 NAME 'sAMAccountName' EQUALITY caseIgnoreMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
objectclass ( 1.3.6.1.4.1.32473.1.2.1 NAME 'adUserShim' AUXILIARY MAY ( sAMAccountName ) )
modulepath /usr/lib/ldap
moduleload back_mdb
moduleload memberof
pidfile $D/slapd.pid
argsfile $D/slapd.args
TLSCertificateFile $CERT
TLSCertificateKeyFile $KEY
database mdb
maxsize 10485760
suffix "dc=pbx,dc=test"
rootdn "cn=admin,dc=pbx,dc=test"
rootpw $(slappasswd -s adminpw)
directory $D/db
index objectClass,uid,sAMAccountName eq
overlay memberof
access to attrs=userPassword by self write by anonymous auth by * none
access to * by users read by * none
CONF
person() {
  printf 'dn: uid=%s,ou=people,dc=pbx,dc=test\nobjectClass: inetOrgPerson\nobjectClass: adUserShim\nuid: %s\ncn: %s Example\nsn: Example\nmail: %s@pbx.test\nsAMAccountName: %s\nuserPassword: %s\n\n' \
    "$1" "$1" "$1" "$1" "$1" "$(slappasswd -s "$1pw")"
}
group() { printf 'dn: cn=%s,ou=groups,dc=pbx,dc=test\nobjectClass: groupOfNames\ncn: %s\nmember: uid=%s,ou=people,dc=pbx,dc=test\n\n' "$1" "$1" "$2"; }
{
  printf 'dn: dc=pbx,dc=test\nobjectClass: dcObject\nobjectClass: organization\no: PBX test\ndc: pbx\n\n'
  for unit in people service groups; do printf 'dn: ou=%s,dc=pbx,dc=test\nobjectClass: organizationalUnit\nou: %s\n\n' "$unit" "$unit"; done
  printf 'dn: cn=svc-pbx,ou=service,dc=pbx,dc=test\nobjectClass: person\ncn: svc-pbx\nsn: svc\nuserPassword: %s\n\n' "$(slappasswd -s svcpw)"
  person alice; person bob; person carol
  group pbx-admins alice; group pbx-users bob
} > "$D/seed.ldif"
slaptest -u -f "$D/slapd.conf" >/dev/null
slapd -f "$D/slapd.conf" -h "ldap://127.0.0.1:$PORT/ ldaps://127.0.0.1:$TLSPORT/"
for _ in $(seq 100); do [ -s "$D/slapd.pid" ] && ldapwhoami -x -H "ldap://127.0.0.1:$PORT" >/dev/null 2>&1 && break; sleep 0.1; done
ldapadd -x -H "ldap://127.0.0.1:$PORT" -D "cn=admin,dc=pbx,dc=test" -w adminpw -f "$D/seed.ldif" >/dev/null
cat "$D/slapd.pid"
