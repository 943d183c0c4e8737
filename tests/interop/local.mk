# tests/interop: palisade-gatewayd against strongSwan (Debian's charon and
# swanctl with kernel-libipsec) in network namespaces (root, a few minutes).
# `make check-interop` builds the daemon and palisadectl, then runs
# strongswan.sh; INTEROP_GROUPS limits it (e.g. "direct nat").
INTEROP_RUN = tests/interop/strongswan.sh
EXTRA_DIST += $(INTEROP_RUN) tests/interop/lib.sh tests/interop/pki.sh \
	tests/interop/conf.sh tests/interop/sacheck.py tests/interop/hsm.sh

# hsm.sh: our keys in SoftHSM2 (check-interop runs it after strongswan.sh
# unless INTEROP_GROUPS is given; `make check-interop-hsm` alone)
.PHONY: check-interop check-interop-hsm
check-interop: gateway/palisade-gatewayd gateway/palisadectl pkcs11/palisade-hsm
	GATEWAYD=$(abs_top_builddir)/gateway/palisade-gatewayd \
	PALISADECTL=$(abs_top_builddir)/gateway/palisadectl \
	$(srcdir)/$(INTEROP_RUN) $(INTEROP_GROUPS)
	@[ -n "$(INTEROP_GROUPS)" ] || $(MAKE) $(AM_MAKEFLAGS) check-interop-hsm

check-interop-hsm: gateway/palisade-gatewayd gateway/palisadectl pkcs11/palisade-hsm
	GATEWAYD=$(abs_top_builddir)/gateway/palisade-gatewayd \
	PALISADECTL=$(abs_top_builddir)/gateway/palisadectl \
	PALISADE_HSM=$(abs_top_builddir)/pkcs11/palisade-hsm \
	$(srcdir)/tests/interop/hsm.sh
