# tests/interop/pki.sh: sourced by strongswan.sh. A throw-away test PKI
# under $WORK/pki, made with openssl on every run (never committed):
#   ec-ca   ECDSA P-256 CA;  ec-sw, ec-gw    ECDSA P-256 end entities
#   rsa-ca  RSA 3072 CA;     rsa-sw, rsa-gw  RSA 3072 end entities (their
#           IKE_AUTH messages exceed 1280 bytes: RFC 7383 fragmentation)
# End entities: CN and subjectAltName DNS = sw.interop.test / gw.interop.test,
# EKU serverAuth + clientAuth.

PKI=$WORK/pki
ID_S=sw.interop.test
ID_G=gw.interop.test

# pki_key KIND FILE: a private key (PKCS#8 PEM)
pki_key() {
	case $1 in
	ec) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$2" ;;
	rsa) openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:3072 -out "$2" ;;
	esac 2>/dev/null
}

# pki_ca KIND: self-signed CA KIND-ca
pki_ca() {
	pki_key "$1" "$PKI/$1-ca.key" &&
		openssl req -x509 -new -key "$PKI/$1-ca.key" -sha256 -days 30 \
			-subj "/C=CH/O=Palisade interop/CN=Palisade interop $1 CA" \
			-addext "basicConstraints=critical,CA:TRUE" \
			-addext "keyUsage=critical,keyCertSign,cRLSign" \
			-out "$PKI/$1-ca.crt" 2>/dev/null
}

# pki_ee KIND WHO FQDN: end entity KIND-WHO signed by KIND-ca
pki_ee() {
	local k=$PKI/$1-$2
	pki_key "$1" "$k.key" &&
		openssl req -new -key "$k.key" -subj "/C=CH/O=Palisade interop/CN=$3" \
			-out "$k.csr" 2>/dev/null &&
		printf '%s\n' "subjectAltName=DNS:$3" "extendedKeyUsage=serverAuth,clientAuth" \
			"keyUsage=critical,digitalSignature" "basicConstraints=CA:FALSE" >"$k.ext" &&
		openssl x509 -req -in "$k.csr" -CA "$PKI/$1-ca.crt" -CAkey "$PKI/$1-ca.key" \
			-CAcreateserial -days 30 -sha256 -extfile "$k.ext" -out "$k.crt" 2>/dev/null
}

pki_make() {
	mkdir -p "$PKI" && chmod 700 "$PKI" || return 1
	for kind in ec rsa; do
		pki_ca "$kind" && pki_ee "$kind" sw "$ID_S" && pki_ee "$kind" gw "$ID_G" || {
			echo "pki: cannot create the $kind test PKI" >&2
			return 1
		}
	done
	chmod 600 "$PKI"/*.key
}

# pki_install: both CAs and our end entities where each side looks for them
# (swanctl: x509ca/ x509/ private/; gatewayd: cas/ certs/ keys/)
pki_install() {
	mkdir -p "$SWAN/conf/x509ca" "$SWAN/conf/x509" "$SWAN/conf/private" \
		"$GW/etc/cas" "$GW/etc/certs" "$GW/etc/keys" || return 1
	chmod 700 "$SWAN/conf/private" "$GW/etc/keys"
	for kind in ec rsa; do
		cp "$PKI/$kind-ca.crt" "$SWAN/conf/x509ca/$kind-ca.crt"
		cp "$PKI/$kind-sw.crt" "$SWAN/conf/x509/$kind-sw.crt"
		cp "$PKI/$kind-sw.key" "$SWAN/conf/private/$kind-sw.key"
		cp "$PKI/$kind-ca.crt" "$GW/etc/cas/$kind-ca.pem"
		cp "$PKI/$kind-gw.crt" "$GW/etc/certs/$kind-gw.pem"
		cp "$PKI/$kind-gw.key" "$GW/etc/keys/$kind-gw.pem"
		chmod 600 "$GW/etc/keys/$kind-gw.pem" "$SWAN/conf/private/$kind-sw.key"
	done
}
