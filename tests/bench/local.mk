# tests/bench: figures, not tests (root). `make bench` writes
# tests/bench/RESULTS.md in the build tree; copy it to the source tree to
# record a run.
EXTRA_DIST += tests/bench/dp_bench.sh tests/bench/swan.sh tests/bench/RESULTS.md

.PHONY: bench
bench: tests/datapath/dptool
	DPTOOL=$(abs_top_builddir)/tests/datapath/dptool \
		$(srcdir)/tests/bench/dp_bench.sh $(abs_top_builddir)/tests/bench/RESULTS.md
