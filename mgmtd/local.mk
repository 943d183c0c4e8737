sbin_PROGRAMS += mgmtd/palisade-mgmtd
mgmtd_palisade_mgmtd_SOURCES = mgmtd/main.c
