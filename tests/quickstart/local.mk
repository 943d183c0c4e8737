# tests/quickstart: scripts/quickstart end to end (root, network namespaces,
# SoftHSM2). `make check-quickstart` runs it on this build tree's binaries
# (--no-deps --no-build): the dashboard answers, the demo clients' SAs are
# established with traffic in GET /api/v1/sas, Ctrl-C and --check leave
# nothing behind. Prints "N passed, N failed".
EXTRA_DIST += tests/quickstart/check_quickstart.sh

.PHONY: check-quickstart
check-quickstart: gateway/palisade-gatewayd gateway/palisadectl mgmtd/palisade-mgmtd \
		pkcs11/palisade-hsm
	BUILD_DIR=$(abs_top_builddir) $(srcdir)/tests/quickstart/check_quickstart.sh
