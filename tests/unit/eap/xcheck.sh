#!/bin/sh
# tests/unit/eap/xcheck.sh: a cross-check against code we did not write.
# test_eap --dump runs conversations between our EAP server and client;
# xcheck.py recomputes NT-Response, authenticator response, MSK and the
# EAP-MD5 response with python3 (hashlib MD4 needs OpenSSL's legacy
# provider, enabled here through a scratch OPENSSL_CONF). Skips (77) when
# python3, its MD4 or the cryptography package is missing.
set -u
top=${top_builddir:-.}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d /tmp/palisade-xcheck.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/openssl.cnf" <<'CNF'
openssl_conf = openssl_init
[openssl_init]
providers = provider_sect
[provider_sect]
default = default_sect
legacy = legacy_sect
[default_sect]
activate = 1
[legacy_sect]
activate = 1
CNF
py=""
for cand in python3 /usr/bin/python3; do
	if OPENSSL_CONF=$tmp/openssl.cnf "$cand" -W ignore -c \
		'import hashlib; hashlib.new("md4"); import cryptography' >/dev/null 2>&1; then
		py=$cand
		break
	fi
done
if [ -z "$py" ]; then
	echo "SKIP: no python3 with hashlib MD4 (OpenSSL legacy) and cryptography"
	exit 77
fi
"$top/tests/unit/eap/test_eap" --dump 200 >"$tmp/dump" || exit 1
OPENSSL_CONF=$tmp/openssl.cnf "$py" -W ignore "$here/xcheck.py" <"$tmp/dump"
