# tests/interop: palisade-gatewayd against strongSwan (Debian's charon and
# swanctl with kernel-libipsec) in network namespaces (root, a few minutes).
# `make check-interop` builds the daemon and palisadectl, then runs
# strongswan.sh; INTEROP_GROUPS limits it (e.g. "direct nat").
INTEROP_RUN = tests/interop/strongswan.sh
EXTRA_DIST += $(INTEROP_RUN) tests/interop/lib.sh tests/interop/pki.sh tests/interop/clients.sh \
	tests/interop/conf.sh tests/interop/sacheck.py tests/interop/eap.sh \
	tests/interop/rwcheck.py tests/interop/hsm.sh

# eap.sh: strongSwan road warriors with EAP and virtual IPs; hsm.sh: our
# keys in SoftHSM2 (site-to-site, and under EAP road warriors).
# check-interop runs both after strongswan.sh (even when that failed)
# unless INTEROP_GROUPS is given; `make check-interop-eap` or
# `make check-interop-hsm` alone, EAP_GROUPS limits eap.sh (e.g. "md5").
.PHONY: check-interop check-interop-eap check-interop-hsm
check-interop: gateway/palisade-gatewayd gateway/palisadectl pkcs11/palisade-hsm
	@rc=0; GATEWAYD=$(abs_top_builddir)/gateway/palisade-gatewayd \
	PALISADECTL=$(abs_top_builddir)/gateway/palisadectl \
	$(srcdir)/$(INTEROP_RUN) $(INTEROP_GROUPS) || rc=1; \
	if [ -z "$(INTEROP_GROUPS)" ]; then \
		$(MAKE) $(AM_MAKEFLAGS) check-interop-eap || rc=1; \
		$(MAKE) $(AM_MAKEFLAGS) check-interop-hsm || rc=1; \
	fi; exit $$rc

check-interop-eap: gateway/palisade-gatewayd gateway/palisadectl pkcs11/palisade-hsm
	GATEWAYD=$(abs_top_builddir)/gateway/palisade-gatewayd \
	PALISADECTL=$(abs_top_builddir)/gateway/palisadectl \
	PALISADE_HSM=$(abs_top_builddir)/pkcs11/palisade-hsm \
	$(srcdir)/tests/interop/eap.sh $(EAP_GROUPS)

check-interop-hsm: gateway/palisade-gatewayd gateway/palisadectl pkcs11/palisade-hsm
	GATEWAYD=$(abs_top_builddir)/gateway/palisade-gatewayd \
	PALISADECTL=$(abs_top_builddir)/gateway/palisadectl \
	PALISADE_HSM=$(abs_top_builddir)/pkcs11/palisade-hsm \
	$(srcdir)/tests/interop/hsm.sh
