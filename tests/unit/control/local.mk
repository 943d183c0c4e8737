# tests/unit/control: the control socket server and palisadectl
check_PROGRAMS += tests/unit/control/test_control
TESTS += tests/unit/control/test_control
tests_unit_control_test_control_SOURCES = tests/unit/control/tc.c tests/unit/control/tc.h \
	tests/unit/control/test_requests.c tests/unit/control/test_events.c \
	tests/unit/control/test_socket.c
tests_unit_control_test_control_CFLAGS = $(UT_CFLAGS) $(JANSSON_CFLAGS)
tests_unit_control_test_control_LDADD = $(UT_LDADD) gateway/control/libpalcontrol.a \
	gateway/util/libpalutil.a $(JANSSON_LIBS) $(OPENSSL_LIBS)

# palisadectl against a fake daemon with canned answers
check_PROGRAMS += tests/unit/control/fake_gatewayd
tests_unit_control_fake_gatewayd_SOURCES = tests/unit/control/fake_gatewayd.c
tests_unit_control_fake_gatewayd_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
tests_unit_control_fake_gatewayd_LDADD = gateway/control/libpalcontrol.a \
	gateway/util/libpalutil.a $(JANSSON_LIBS) $(OPENSSL_LIBS)
TESTS += tests/unit/control/ctl.sh
EXTRA_DIST += tests/unit/control/ctl.sh tests/unit/control/expected
