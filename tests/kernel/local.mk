# Kernel tier (tests/kernel): real XFRM/ESP in Debian's kernel under qemu.
