# Builds the four tools with the Swift runtime linked in, and installs them with their man pages,
# shell completions, the kernel-install plugin and the boot-assessment unit (README "Install").
#   make                                      build (release, static Swift runtime)
#   make install DESTDIR=/tmp/root PREFIX=/usr
#   make deb                                  out/bootchain_VERSION_ARCH.deb from the same tree
# The tools go under their own names to PREFIX/lib/bootchain/bin (for pipelines that put that
# directory first in PATH) and on PATH as bootchain-NAME, so nothing systemd or Debian ships is shadowed.
# kernel-install reads plugins from /usr/lib/kernel/install.d and /etc/kernel/install.d only: the plugin
# works with PREFIX=/usr (the .deb) or linked into /etc/kernel/install.d.

PREFIX ?= /usr/local
DESTDIR ?=
VERSION := 0.1.0
TOOLS := ukify measure bootctl sbat
SCRATCH := .build-static
BUILT := $(SCRATCH)/release

toolsdir := $(PREFIX)/lib/bootchain/bin
bindir := $(PREFIX)/bin
mandir := $(PREFIX)/share/man/man1
bashdir := $(PREFIX)/share/bash-completion/completions
zshdir := $(PREFIX)/share/zsh/site-functions
fishdir := $(PREFIX)/share/fish/vendor_completions.d
kernelinstalldir := $(PREFIX)/lib/kernel/install.d
unitdir := $(PREFIX)/lib/systemd/system

.PHONY: all install deb clean

all:
	swift build -c release --static-swift-stdlib --scratch-path $(SCRATCH)

install: all
	install -d $(DESTDIR)$(toolsdir) $(DESTDIR)$(bindir) $(DESTDIR)$(mandir) $(DESTDIR)$(bashdir) \
		$(DESTDIR)$(zshdir) $(DESTDIR)$(fishdir) $(DESTDIR)$(kernelinstalldir) $(DESTDIR)$(unitdir)
	for tool in $(TOOLS); do \
		install -m 0755 -s $(BUILT)/$$tool $(DESTDIR)$(toolsdir)/$$tool && \
		ln -sf ../lib/bootchain/bin/$$tool $(DESTDIR)$(bindir)/bootchain-$$tool && \
		install -m 0644 man/bootchain-$$tool.1 $(DESTDIR)$(mandir)/ && \
		scripts/completion.sh $(BUILT)/$$tool bash > $(DESTDIR)$(bashdir)/bootchain-$$tool && \
		scripts/completion.sh $(BUILT)/$$tool zsh > $(DESTDIR)$(zshdir)/_bootchain-$$tool && \
		scripts/completion.sh $(BUILT)/$$tool fish > $(DESTDIR)$(fishdir)/bootchain-$$tool.fish || exit 1; \
	done
	install -m 0755 dist/60-bootchain.install $(DESTDIR)$(kernelinstalldir)/
	sed 's|@BINDIR@|$(bindir)|g' dist/bootchain-mark-good.service > $(DESTDIR)$(unitdir)/bootchain-mark-good.service
	chmod 0644 $(DESTDIR)$(unitdir)/bootchain-mark-good.service

deb:
	rm -rf out/deb
	$(MAKE) install DESTDIR=$(CURDIR)/out/deb PREFIX=/usr zshdir=/usr/share/zsh/vendor-completions
	scripts/make-deb.sh out/deb $(VERSION) out

clean:
	rm -rf $(SCRATCH) out/deb
