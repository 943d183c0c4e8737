# tests/datapath: dptool, manual keying for the data path tests
# (tests/integration, tests/bench, tests/kernel).
check_PROGRAMS += tests/datapath/dptool
tests_datapath_dptool_SOURCES = tests/datapath/dptool.c tests/datapath/dptool_cfg.c \
	tests/datapath/dptool.h
EXTRA_DIST += tests/datapath/README.md
tests_datapath_dptool_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(OPENSSL_CFLAGS)
tests_datapath_dptool_LDADD = gateway/datapath/libpaldatapath.a gateway/util/libpalutil.a \
	$(DATAPATH_LIBS) $(JANSSON_LIBS)
