# ike_pki.sh: the test PKI of ike.sh, made with the openssl command in a
# temporary directory at every run (no key is ever committed). Sourced;
# pki_make DIR writes DIR/NAME.pem (certificates) and DIR/NAME.key:
#   p256ca  a256 b256       ECDSA P-256 root and leaves (SAN DNS:a.test/b.test)
#   p384ca  a384 b384       ECDSA P-384
#   rsaca   rsaint  arsa brsa   RSA 2048: root, intermediate, leaves
#                           (CN=a.test / CN=b.test, issued by the intermediate)
#   evilca  aevil           a root nobody trusts, a leaf for a.test
#   aexp                    a.test from p256ca, valid 2020-01-01..2021-01-01
#   aother                  from p256ca, SAN DNS:other.test only
# Leaf files NAME.chain.pem hold the leaf and, for RSA, the intermediate.

pki_key() { # FILE ec256|ec384|rsa
	case $2 in
	ec256) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" ;;
	ec384) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out "$1" ;;
	rsa) openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1" ;;
	esac 2>/dev/null
	chmod 600 "$1"
}

pki_root() { # DIR NAME KEYTYPE CN
	pki_key "$1/$2.key" "$3"
	openssl req -x509 -new -key "$1/$2.key" -subj "/O=Palisade Test/CN=$4" -days 30 \
		-addext basicConstraints=critical,CA:TRUE \
		-addext keyUsage=critical,keyCertSign,cRLSign -out "$1/$2.pem" 2>/dev/null
}

# pki_issue DIR NAME KEYTYPE CA CN EXTSECTION: NAME.pem signed by CA.
pki_issue() {
	pki_key "$1/$2.key" "$3"
	openssl req -new -key "$1/$2.key" -subj "/O=Palisade Test/CN=$5" -out "$1/$2.csr" 2>/dev/null
	openssl x509 -req -in "$1/$2.csr" -CA "$1/$4.pem" -CAkey "$1/$4.key" -set_serial \
		"0x$(openssl rand -hex 8)" -days 30 -extfile "$1/ext.cnf" -extensions "$6" \
		-out "$1/$2.pem" 2>/dev/null
}

pki_make() {
	local d=$1
	cat >"$d/ext.cnf" <<-EOF
		[ca]
		basicConstraints = critical,CA:TRUE,pathlen:0
		keyUsage = critical,keyCertSign,cRLSign
		[a]
		basicConstraints = CA:FALSE
		keyUsage = digitalSignature
		subjectAltName = DNS:a.test
		[b]
		basicConstraints = CA:FALSE
		keyUsage = digitalSignature
		subjectAltName = DNS:b.test
		[other]
		basicConstraints = CA:FALSE
		keyUsage = digitalSignature
		subjectAltName = DNS:other.test
		[plain]
		basicConstraints = CA:FALSE
		keyUsage = digitalSignature
	EOF
	pki_root "$d" p256ca ec256 "P-256 Root"
	pki_issue "$d" a256 ec256 p256ca a.test a
	pki_issue "$d" b256 ec256 p256ca b.test b
	pki_issue "$d" aother ec256 p256ca a.test other
	pki_root "$d" p384ca ec384 "P-384 Root"
	pki_issue "$d" a384 ec384 p384ca a.test a
	pki_issue "$d" b384 ec384 p384ca b.test b
	pki_root "$d" rsaca rsa "RSA Root"
	pki_issue "$d" rsaint rsa rsaca "RSA Intermediate" ca
	pki_issue "$d" arsa rsa rsaint a.test plain
	pki_issue "$d" brsa rsa rsaint b.test plain
	pki_root "$d" evilca ec256 "Evil Root"
	pki_issue "$d" aevil ec256 evilca a.test a
	pki_expired "$d"
	for n in a256 b256 aother a384 b384 aevil aexp; do cp "$d/$n.pem" "$d/$n.chain.pem"; done
	for n in arsa brsa; do cat "$d/$n.pem" "$d/rsaint.pem" >"$d/$n.chain.pem"; done
}

# An expired a.test: `openssl x509` of OpenSSL 3.0 cannot set dates in
# the past, `openssl ca` can (-startdate/-enddate) with a small CA setup.
pki_expired() {
	local d=$1
	mkdir -p "$d/ca"
	: >"$d/ca/index.txt"
	echo 1000 >"$d/ca/serial"
	cat >"$d/ca/ca.cnf" <<-EOF
		[ca]
		default_ca = test
		[test]
		dir = $d/ca
		database = \$dir/index.txt
		new_certs_dir = \$dir
		serial = \$dir/serial
		default_md = sha256
		policy = any
		copy_extensions = none
		unique_subject = no
		[any]
		organizationName = optional
		commonName = supplied
	EOF
	pki_key "$d/aexp.key" ec256
	openssl req -new -key "$d/aexp.key" -subj "/O=Palisade Test/CN=a.test" -out "$d/aexp.csr" \
		2>/dev/null
	openssl ca -batch -config "$d/ca/ca.cnf" -cert "$d/p256ca.pem" -keyfile "$d/p256ca.key" \
		-in "$d/aexp.csr" -out "$d/aexp.pem" -notext -startdate 20200101000000Z \
		-enddate 20210101000000Z -extfile "$d/ext.cnf" -extensions a 2>/dev/null
}
