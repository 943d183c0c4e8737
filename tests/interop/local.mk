# tests/interop: palisade-gatewayd against strongSwan (Debian's charon and
# swanctl with kernel-libipsec) in network namespaces (root, a few minutes).
# `make check-interop` builds the daemon and palisadectl, then runs
# strongswan.sh; INTEROP_GROUPS limits it (e.g. "direct nat").
INTEROP_RUN = tests/interop/strongswan.sh
EXTRA_DIST += $(INTEROP_RUN) tests/interop/lib.sh tests/interop/pki.sh tests/interop/clients.sh \
	tests/interop/conf.sh tests/interop/sacheck.py

.PHONY: check-interop
check-interop: gateway/palisade-gatewayd gateway/palisadectl
	GATEWAYD=$(abs_top_builddir)/gateway/palisade-gatewayd \
	PALISADECTL=$(abs_top_builddir)/gateway/palisadectl \
	$(srcdir)/$(INTEROP_RUN) $(INTEROP_GROUPS)
