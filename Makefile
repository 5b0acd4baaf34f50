# SPDX-License-Identifier: GPL-2.0
#
# dstate: the one entry point.
#
#   make                 build dstate.ko and the dstate CLI
#   make check           host tests, then the VM tests on every kernel series
#   make demo            show D states happening in the VM
#   make vm-shell        a shell in the VM with the module loaded
#   make bench           measure latency, scale and memory in the VM
#   make soak            the ioctl fuzzer and race stress, long (SOAK_CALLS,
#                        SOAK_SECONDS)
#   make kernels         fetch and unpack the Debian test kernels
#   make install         install for the running kernel (DESTDIR, PREFIX)
#   make install-user    install only the dstate command, its man page and
#                        bash completion: no kernel headers needed
#   make clean           remove build output (the kernel cache stays)
#   make distclean       also remove the kernel cache
#
# Variables:
#   KERNEL=SERIES        the kernel series for make, demo, bench and vm-shell:
#                        5.10, 6.1, 6.12, 6.12-rt, latest (Debian's newest,
#                        7.x) or debug (6.12 with KASAN and lockdep)
#   KERNELS="6.1 6.12"   the series make check and make kernels cover
#                        (default: all of them)
#   KDIR=DIR             build the module against this kernel build tree
#
# Kbuild reads ./Kbuild, not this file, when it builds the module.

# Every series scripts/kernels/ describes; the debug kernel, which is built
# rather than fetched, last.
KERNELS ?= 6.1 6.12 6.12-rt 5.10 latest debug
DEFAULT_KERNEL := 6.1
BUILD := build

host_kdir := /lib/modules/$(shell uname -r)/build

# Which kernel the module is built for: KDIR if given, else KERNEL if given,
# else the running kernel's build tree if it is installed, else the default
# test kernel.
ifneq ($(KDIR),)
  module_target := $(KDIR)
  module_out := $(BUILD)/kdir
else ifneq ($(KERNEL),)
  module_target := $(KERNEL)
  module_out := $(BUILD)/$(KERNEL)
else ifneq ($(wildcard $(host_kdir)/Makefile),)
  module_target := $(host_kdir)
  module_out := $(BUILD)/host
else
  module_target := $(DEFAULT_KERNEL)
  module_out := $(BUILD)/$(DEFAULT_KERNEL)
endif

# The series the VM targets boot.
VM_KERNEL := $(or $(KERNEL),$(DEFAULT_KERNEL))

module_sources := Kbuild $(wildcard kmod/*.c kmod/*.h)
user_sources := $(wildcard user/*.c user/*.h user/lib/*.c user/lib/*.h \
			   user/Makefile kmod/dstate_uapi.h)

.PHONY: all module user deps kernels initramfs check demo vm-shell \
	bench soak install install-user clean distclean

all: module user

deps:
	@scripts/deps.sh

kernels: deps
	KERNELS="$(KERNELS)" scripts/get-kernels.sh

module: $(module_out)/dstate.ko

$(module_out)/dstate.ko: $(module_sources) | deps
	scripts/build-module.sh $(module_target) $(module_out)
	@echo "built $@"

user: user/dstate

user/dstate: $(user_sources) | deps
	$(MAKE) -C user

# The VM's initramfs for one series: $(BUILD)/SERIES/initramfs.gz.
initramfs: $(BUILD)/$(VM_KERNEL)/initramfs.gz

$(BUILD)/%/initramfs.gz: $(BUILD)/%/dstate.ko user/dstate vm-tests \
			 tests/bench/dstate-bench \
			 scripts/mkinitramfs.sh scripts/vm-init.sh scripts/demo-guest.sh \
			 $(wildcard tests/vm/*.sh tests/vm/*.c tests/vm/lib/*)
	scripts/mkinitramfs.sh $* $@ $(BUILD)/$*/dstate.ko user/dstate \
		$(BUILD)/tests/bin

$(BUILD)/%/dstate.ko: $(module_sources) | deps
	scripts/build-module.sh $* $(BUILD)/$*

# make bench's guest program, built with the CLI's library.
tests/bench/dstate-bench: tests/bench/bench.c $(user_sources) | deps
	$(MAKE) -C user bench

# The VM tests written in C, built once (static: the VM has no libc of
# its own beyond what the CLI brings).
.PHONY: vm-tests
vm-tests:
	$(MAKE) -C tests/vm OUT=$(CURDIR)/$(BUILD)/tests/bin

check: deps
	tests/run --kernels "$(KERNELS)"

demo: deps
	KERNEL=$(VM_KERNEL) scripts/demo.sh

bench: deps
	KERNEL=$(VM_KERNEL) scripts/bench.sh

vm-shell: deps $(BUILD)/$(VM_KERNEL)/initramfs.gz
	scripts/vm-run.sh --kernel $(VM_KERNEL) --shell

# make install: dstate.ko into the running kernel's extra modules, the CLI,
# its man page and bash completion.  The module is built against the
# running kernel's build tree (linux-headers-$(uname -r) on Debian).
# KDIR=DIR installs for that kernel instead (with DESTDIR, for staging).
PREFIX ?= /usr/local
DESTDIR ?=
PKG_CONFIG ?= pkg-config
install_kdir := $(or $(KDIR),$(host_kdir))

# The command, its man page and bash completion: what both install.
define install_user_files
install -D -m 0755 user/dstate $(DESTDIR)$(PREFIX)/bin/dstate
install -D -m 0644 user/dstate.1 $(DESTDIR)$(PREFIX)/share/man/man1/dstate.1
install -D -m 0644 user/dstate.bash-completion \
	$(DESTDIR)$(PREFIX)/share/bash-completion/completions/dstate
endef

install: user
	@test -f $(install_kdir)/Makefile || { \
		echo "make install: no kernel build tree at $(install_kdir);"; \
		echo "  install the running kernel's: apt-get install linux-headers-$$(uname -r)"; \
		echo "  or only the command: make install-user"; \
		exit 1; }
	scripts/build-module.sh $(install_kdir) $(BUILD)/install
	# The kernel release is the one the module was built for.
	kver=$$(modinfo -F vermagic $(BUILD)/install/dstate.ko | cut -d' ' -f1) && \
	install -D -m 0644 $(BUILD)/install/dstate.ko \
		$(DESTDIR)/lib/modules/$$kver/extra/dstate.ko && \
	{ test -n "$(DESTDIR)" || depmod -a $$kver; }
	$(install_user_files)
	@echo "installed; load it with 'dstate load' or 'modprobe dstate'"

# make install-user: the command alone, for a machine that gets the module
# elsewhere (DKMS, a package) or only uses the methods that need none.  It
# builds with what user/ needs (libkmod-dev, libsmartcols-dev,
# libjson-c-dev), not with scripts/deps.sh, which installs the whole test
# VM's packages.
install-user:
	@$(PKG_CONFIG) --exists smartcols libkmod json-c || { \
		echo "make install-user: the libkmod, libsmartcols or json-c headers are missing;"; \
		echo "  apt-get install pkg-config libkmod-dev libsmartcols-dev libjson-c-dev"; \
		exit 1; }
	$(MAKE) -C user dstate
	$(install_user_files)

# The reliability tests of make check, run for longer on one kernel.
SOAK_CALLS ?= 5000000
SOAK_SECONDS ?= 600
# An oops panics the guest at once instead of locking it up until the limit.
SOAK_APPEND ?= oops=panic softlockup_panic=1

soak: deps $(BUILD)/$(VM_KERNEL)/initramfs.gz
	scripts/vm-run.sh --kernel $(VM_KERNEL) -t $$(( $(SOAK_CALLS) / 1000 + 300 )) \
		--append "$(SOAK_APPEND)" -- /tests/bin/90-fuzz $(SOAK_CALLS)
	scripts/vm-run.sh --kernel $(VM_KERNEL) -t $$(( $(SOAK_SECONDS) + 300 )) \
		--append "$(SOAK_APPEND)" -- /tests/bin/91-race $(SOAK_SECONDS)

clean:
	rm -rf $(BUILD)
	-$(MAKE) -C user clean
	-$(MAKE) -C tests/vm clean OUT=$(CURDIR)/$(BUILD)/tests/bin

distclean: clean
	rm -rf cache
