# Kernel tier (tests/kernel): the xfrm backend against real XFRM/ESP in
# Debian's kernel, booted in qemu (the host kernel lacks ESP). One VM
# boot runs tests/kernel/kernel-tests.sh; see tests/kernel/README.md.
check_PROGRAMS += tests/kernel/xfrm_drive
tests_kernel_xfrm_drive_SOURCES = tests/kernel/xfrm_drive.c
tests_kernel_xfrm_drive_CFLAGS = $(AM_CFLAGS) $(LIBNL_CFLAGS)
tests_kernel_xfrm_drive_LDADD = gateway/datapath/libpaldatapath.a gateway/util/libpalutil.a \
	$(DATAPATH_LIBS)
EXTRA_DIST += tests/kernel/README.md tests/kernel/run-in-vm.sh tests/kernel/kernel-tests.sh \
	tests/kernel/interop.sh

# The build tree is shared read-write (logs, binaries), the source tree
# read-only when it is elsewhere. Kernel and initramfs are cached in
# $KERNEL_VM_CACHE (default ~/.cache/palisade-kernel-vm).
check-kernel: all $(check_PROGRAMS)
	@ro=""; test "$(abs_top_srcdir)" = "$(abs_top_builddir)" || ro="$(abs_top_srcdir)"; \
	KERNEL_VM_RO_SHARES="$$ro $$KERNEL_VM_RO_SHARES" \
	bash "$(abs_top_srcdir)/tests/kernel/run-in-vm.sh" "$(abs_top_builddir)" \
		"$(abs_top_srcdir)/tests/kernel/kernel-tests.sh" "$(abs_top_builddir)"
.PHONY: check-kernel
