# tests/daemon: palisade-gatewayd as a process on loopback
TESTS += tests/daemon/gatewayd.sh
EXTRA_DIST += tests/daemon/gatewayd.sh tests/daemon/send_ike.py
