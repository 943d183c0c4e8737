# datapath tests (tests/unit/datapath): esp, replay window, IP headers, tables
check_PROGRAMS += tests/unit/datapath/test_datapath
TESTS += tests/unit/datapath/test_datapath
tests_unit_datapath_test_datapath_SOURCES = tests/unit/datapath/test_main.c \
	tests/unit/datapath/dp_test.c tests/unit/datapath/dp_test.h \
	tests/unit/datapath/test_esp.c tests/unit/datapath/test_replay.c \
	tests/unit/datapath/test_pkt.c tests/unit/datapath/test_table.c \
	tests/unit/datapath/test_offload.c
tests_unit_datapath_test_datapath_CFLAGS = $(UT_CFLAGS) $(LIBNL_CFLAGS) $(LIBNL_ROUTE_CFLAGS)
tests_unit_datapath_test_datapath_LDADD = $(UT_LDADD) gateway/datapath/libpaldatapath.a \
	gateway/util/libpalutil.a $(DATAPATH_LIBS)
