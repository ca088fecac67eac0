# smtpsend: a sendmail-compatible mail submission client.
.POSIX:

include config.mk

SRC = src/addr.c src/alias.c src/auth.c src/bounce.c src/cert.c src/conf.c \
	src/confcheck.c src/dsn.c src/keys.c src/lines.c src/log.c src/msg.c src/net.c \
	src/progress.c src/qenv.c src/qrun.c src/queue.c src/reply.c src/secret.c \
	src/serve.c src/serverinfo.c src/smtp.c src/strset.c src/submit.c src/tls.c \
	src/tlscache.c src/util.c \
	src/wire.c
OBJ = $(SRC:.c=.o)
UNIT = tests/unit/t_addr tests/unit/t_alias tests/unit/t_wire tests/unit/t_msg \
	tests/unit/t_net tests/unit/t_conf tests/unit/t_reply tests/unit/t_util \
	tests/unit/t_lines tests/unit/t_strset tests/unit/t_smtp tests/unit/t_bounce \
	tests/unit/t_queue tests/unit/t_auth

all: smtpsend

.c.o:
	$(CC) $(CPPFLAGS) $(CFLAGS) $(DEPS_CFLAGS) -c -o $@ $<

src/addr.o: src/addr.h src/util.h config.mk
src/alias.o: src/addr.h src/alias.h src/strset.h src/util.h config.mk
src/auth.o: src/auth.h src/conf.h src/util.h config.mk
src/bounce.o: src/bounce.h src/util.h config.mk
src/conf.o: src/conf.h src/keys.h \
	src/strset.h src/util.h config.mk
src/keys.o: src/addr.h src/auth.h src/cert.h src/conf.h src/keys.h \
	src/util.h config.mk
src/confcheck.o: src/conf.h src/confcheck.h src/strset.h src/util.h config.mk
src/dsn.o: src/dsn.h config.mk
src/lines.o: src/lines.h src/util.h config.mk
src/log.o: src/log.h src/util.h config.mk
src/main.o: src/conf.h src/confcheck.h src/dsn.h src/lines.h src/log.h \
	src/serve.h src/serverinfo.h src/submit.h src/util.h \
	config.mk
src/msg.o: src/addr.h src/msg.h src/util.h src/wire.h config.mk
src/net.o: src/net.h src/tls.h src/util.h config.mk
src/progress.o: src/progress.h src/util.h config.mk
src/qenv.o: src/queue.h config.mk
src/queue.o: src/queue.h config.mk
src/qrun.o: src/bounce.h src/conf.h src/log.h src/net.h src/qrun.h src/queue.h src/reply.h \
	src/smtp.h src/submit.h src/util.h config.mk
src/reply.o: src/net.h src/reply.h src/util.h config.mk
src/secret.o: src/conf.h src/util.h config.mk
src/serve.o: src/addr.h src/lines.h src/serve.h src/submit.h src/util.h \
	config.mk
src/submit.o: src/addr.h src/alias.h src/auth.h src/conf.h src/log.h src/msg.h src/progress.h src/smtp.h \
	src/strset.h src/submit.h src/util.h config.mk
src/smtp.o: src/auth.h src/conf.h src/net.h src/reply.h src/smtp.h src/tlscache.h \
	src/tls.h src/util.h src/wire.h config.mk
src/serverinfo.o: src/auth.h src/conf.h src/serverinfo.h src/smtp.h src/submit.h \
	src/util.h config.mk
src/strset.o: src/strset.h src/util.h config.mk
src/tls.o: src/cert.h src/tls.h src/util.h config.mk
src/cert.o: src/cert.h src/util.h config.mk
src/tlscache.o: src/tls.h src/tlscache.h src/util.h config.mk
src/util.o: src/util.h config.mk
src/wire.o: src/wire.h config.mk

smtpsend: $(OBJ) src/main.o
	$(CC) $(LDFLAGS) -o $@ src/main.o $(OBJ) $(LDLIBS)

# Unit tests: tests/unit/t_NAME from tests/unit/t_NAME.c and the objects.
.c:
	$(CC) $(CPPFLAGS) $(CFLAGS) $(DEPS_CFLAGS) -Isrc $(LDFLAGS) -o $@ \
		$< $(OBJ) $(LDLIBS)

$(UNIT): $(OBJ) tests/unit/unit.h

# make check SUITES='unit build' runs only those (tests/run names them)
SUITES =

check: smtpsend $(UNIT)
	tests/run $(SUITES)

# The same tests with AddressSanitizer and UndefinedBehaviorSanitizer.
check-sanitize:
	$(MAKE) clean
	$(MAKE) CFLAGS='$(CFLAGS) $(SANITIZE_FLAGS)' \
		LDFLAGS='$(LDFLAGS) $(SANITIZE_FLAGS)' check
	$(MAKE) clean

# The conversation tests with smtpsend under valgrind (some 3 minutes).
check-valgrind: smtpsend
	tests/conv/valgrind

# A throwaway relay on 127.0.0.1 with STARTTLS and AUTH receives a message.
demo: smtpsend
	tests/demo

# A benchmark, never part of check: smtpsend against msmtp and the wire.
BENCH = tests/bench/sink tests/bench/rawclient tests/bench/measure

bench: smtpsend $(BENCH)
	tests/bench/run

tests/bench/sink: tests/bench/sink.c src/util.o config.mk
	$(CC) $(CPPFLAGS) $(CFLAGS) $(DEPS_CFLAGS) -Isrc $(LDFLAGS) -o $@ \
		tests/bench/sink.c src/util.o $(LDLIBS)

tests/bench/rawclient: tests/bench/rawclient.c src/util.o config.mk
	$(CC) $(CPPFLAGS) $(CFLAGS) $(DEPS_CFLAGS) -Isrc $(LDFLAGS) -o $@ \
		tests/bench/rawclient.c src/util.o $(LDLIBS)

# No libraries: its own peak RSS is the floor of what it measures.
tests/bench/measure: tests/bench/measure.c config.mk
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ tests/bench/measure.c

# libFuzzer on everything that reads hostile input (clang only). Each
# target is tests/fuzz/NAME.c with seeds in tests/fuzz/seeds/NAME and its
# libFuzzer flags in tests/fuzz/NAME.options; tests/fuzz/run runs them.
FUZZ_CC = clang
FUZZ_FLAGS = -g -O1 -fsanitize=fuzzer,address,undefined
FUZZ_SECONDS = 60
FUZZ = tests/fuzz/addr tests/fuzz/msg tests/fuzz/session tests/fuzz/wire \
	tests/fuzz/dsn tests/fuzz/auth tests/fuzz/serve tests/fuzz/lines \
	tests/fuzz/conf tests/fuzz/aliases tests/fuzz/queue
FUZZ_BUILD = $(FUZZ_CC) $(CPPFLAGS) $(DEPS_CFLAGS) -Isrc $(FUZZ_FLAGS) -o $@

fuzz: $(FUZZ)
	tests/fuzz/run $(FUZZ_SECONDS) $(FUZZ)

# A short run of every target, as CI does: fails on any finding.
fuzz-smoke: $(FUZZ)
	tests/fuzz/run 30 $(FUZZ)

tests/fuzz/addr: tests/fuzz/addr.c src/addr.c src/util.c
	$(FUZZ_BUILD) tests/fuzz/addr.c src/addr.c src/util.c

tests/fuzz/wire: tests/fuzz/wire.c src/wire.c src/wire.h
	$(FUZZ_BUILD) tests/fuzz/wire.c src/wire.c

tests/fuzz/dsn: tests/fuzz/dsn.c src/dsn.c src/dsn.h
	$(FUZZ_BUILD) tests/fuzz/dsn.c src/dsn.c

tests/fuzz/auth: tests/fuzz/auth.c src/auth.c src/util.c src/auth.h
	$(FUZZ_BUILD) tests/fuzz/auth.c src/auth.c src/util.c $(LDLIBS)

SESSION_SRC = src/smtp.c src/net.c src/tls.c src/cert.c src/tlscache.c \
	src/reply.c src/auth.c \
	src/wire.c src/util.c

tests/fuzz/session: tests/fuzz/session.c $(SESSION_SRC) src/smtp.h src/net.h
	$(FUZZ_BUILD) tests/fuzz/session.c $(SESSION_SRC) $(LDLIBS)

tests/fuzz/msg: tests/fuzz/msg.c src/msg.c src/addr.c src/util.c src/wire.c
	$(FUZZ_BUILD) tests/fuzz/msg.c src/msg.c src/addr.c src/util.c \
		src/wire.c $(LDLIBS)

# A whole -bs session; a small line buffer makes long lines cheap to reach.
tests/fuzz/serve: tests/fuzz/serve.c $(SRC) src/lines.h src/serve.h
	$(FUZZ_BUILD) -DLINES_BUF=40 tests/fuzz/serve.c $(SRC) $(LDLIBS)

tests/fuzz/lines: tests/fuzz/lines.c src/lines.c src/lines.h src/util.c
	$(FUZZ_BUILD) -DLINES_BUF=8 tests/fuzz/lines.c src/lines.c src/util.c

tests/fuzz/conf: tests/fuzz/conf.c src/conf.c src/keys.c src/cert.c src/addr.c \
	src/strset.c src/auth.c src/util.c
	$(FUZZ_BUILD) tests/fuzz/conf.c src/conf.c src/keys.c src/cert.c \
		src/addr.c src/strset.c src/auth.c src/util.c $(LDLIBS)

tests/fuzz/aliases: tests/fuzz/aliases.c src/alias.c src/addr.c \
	src/strset.c src/util.c
	$(FUZZ_BUILD) tests/fuzz/aliases.c src/alias.c src/addr.c \
		src/strset.c src/util.c

tests/fuzz/queue: tests/fuzz/queue.c src/qenv.c src/queue.h
	$(FUZZ_BUILD) tests/fuzz/queue.c src/qenv.c $(LDLIBS)

# The spool is made here; its group and setgid bit only as root on the
# target system. Under DESTDIR (a package) the steps are printed instead:
# the package's postinst does them (debian/smtpsend.postinst).
install: smtpsend
	mkdir -p $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(MANPREFIX)/man1 \
		$(DESTDIR)$(MANPREFIX)/man5 $(DESTDIR)$(BASHCOMPDIR) \
		$(DESTDIR)$(ZSHCOMPDIR)
	cp -f smtpsend $(DESTDIR)$(PREFIX)/bin/smtpsend
	chmod 755 $(DESTDIR)$(PREFIX)/bin/smtpsend
	for d in "" /tmp /corrupt /failed /tls; do \
		mkdir -p $(DESTDIR)$(SPOOLDIR)$$d; \
		chmod 700 $(DESTDIR)$(SPOOLDIR)$$d; \
	done
	@# every user sends and queues through the system config: the binary
	@# setgid $(SPOOL_GROUP), the spool that group's (smtpsend(1) SECURITY)
	@if [ -z "$(DESTDIR)" ] && [ "`id -u`" = 0 ]; then \
		getent group $(SPOOL_GROUP) >/dev/null || \
			groupadd --system $(SPOOL_GROUP) || exit 1; \
		chgrp $(SPOOL_GROUP) $(PREFIX)/bin/smtpsend && \
			chmod 2755 $(PREFIX)/bin/smtpsend || exit 1; \
		for d in "" /tmp /corrupt /failed /tls; do \
			chgrp $(SPOOL_GROUP) $(SPOOLDIR)$$d && \
			chmod 2770 $(SPOOLDIR)$$d || exit 1; \
		done; \
	else \
		echo "not done here (run as root on the target system):"; \
		echo "  groupadd --system $(SPOOL_GROUP)"; \
		echo "  chgrp $(SPOOL_GROUP) $(PREFIX)/bin/smtpsend && chmod 2755 $(PREFIX)/bin/smtpsend"; \
		echo "  for d in '' tmp corrupt failed tls; do chgrp $(SPOOL_GROUP) $(SPOOLDIR)/\$$d && chmod 2770 $(SPOOLDIR)/\$$d; done"; \
	fi
	cp -f man/smtpsend.1 $(DESTDIR)$(MANPREFIX)/man1/smtpsend.1
	cp -f man/sendmail.ini.5 $(DESTDIR)$(MANPREFIX)/man5/sendmail.ini.5
	cp -f completion/smtpsend.bash $(DESTDIR)$(BASHCOMPDIR)/smtpsend
	cp -f completion/_smtpsend $(DESTDIR)$(ZSHCOMPDIR)/_smtpsend
	chmod 644 $(DESTDIR)$(MANPREFIX)/man1/smtpsend.1 \
		$(DESTDIR)$(MANPREFIX)/man5/sendmail.ini.5 \
		$(DESTDIR)$(BASHCOMPDIR)/smtpsend $(DESTDIR)$(ZSHCOMPDIR)/_smtpsend
	if [ "$(SENDMAIL_LINKS)" = yes ]; then \
		mkdir -p $(DESTDIR)$(PREFIX)/sbin; \
		ln -sf ../bin/smtpsend $(DESTDIR)$(PREFIX)/sbin/sendmail; \
		ln -sf smtpsend $(DESTDIR)$(PREFIX)/bin/mailq; \
		ln -sf smtpsend $(DESTDIR)$(PREFIX)/bin/newaliases; \
	fi

# The queue is tried when a message goes out; on a system that sends
# rarely, a timer tries it too: make install-timer (systemd) or
# make install-cron. Neither is part of make install.
install-timer:
	mkdir -p $(DESTDIR)$(SYSTEMDUNITDIR)
	sed 's|@BINDIR@|$(PREFIX)/bin|g' contrib/smtpsend-queue.service \
		> $(DESTDIR)$(SYSTEMDUNITDIR)/smtpsend-queue.service
	cp -f contrib/smtpsend-queue.timer $(DESTDIR)$(SYSTEMDUNITDIR)/
	chmod 644 $(DESTDIR)$(SYSTEMDUNITDIR)/smtpsend-queue.service \
		$(DESTDIR)$(SYSTEMDUNITDIR)/smtpsend-queue.timer
	@echo "then: systemctl enable --now smtpsend-queue.timer"

install-cron:
	mkdir -p $(DESTDIR)$(SYSCONFDIR)/cron.d
	sed 's|@BINDIR@|$(PREFIX)/bin|g' contrib/smtpsend.cron \
		> $(DESTDIR)$(SYSCONFDIR)/cron.d/smtpsend
	chmod 644 $(DESTDIR)$(SYSCONFDIR)/cron.d/smtpsend

# Exactly what install, install-timer and install-cron put there; the
# spool only if empty (a queued message is never removed), and no
# directory that other packages share.
uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/smtpsend \
		$(DESTDIR)$(MANPREFIX)/man1/smtpsend.1 \
		$(DESTDIR)$(MANPREFIX)/man5/sendmail.ini.5 \
		$(DESTDIR)$(BASHCOMPDIR)/smtpsend \
		$(DESTDIR)$(ZSHCOMPDIR)/_smtpsend \
		$(DESTDIR)$(SYSTEMDUNITDIR)/smtpsend-queue.service \
		$(DESTDIR)$(SYSTEMDUNITDIR)/smtpsend-queue.timer \
		$(DESTDIR)$(SYSCONFDIR)/cron.d/smtpsend
	if [ "$(SENDMAIL_LINKS)" = yes ]; then \
		rm -f $(DESTDIR)$(PREFIX)/sbin/sendmail \
			$(DESTDIR)$(PREFIX)/bin/mailq \
			$(DESTDIR)$(PREFIX)/bin/newaliases; \
	fi
	for d in /tmp /corrupt /failed /tls ""; do \
		[ ! -d $(DESTDIR)$(SPOOLDIR)$$d ] || \
			rmdir $(DESTDIR)$(SPOOLDIR)$$d 2>/dev/null || \
			echo "kept $(DESTDIR)$(SPOOLDIR)$$d: not empty"; \
	done

clean:
	rm -f smtpsend src/*.o $(UNIT) $(BENCH) $(FUZZ)

# The tarball holds what git tracks but the CI script and git's own
# files, and their list, MANIFEST, from which an unpacked tarball makes
# the same tarball again.
DISTNAME = smtpsend-$(VERSION)

dist:
	rm -rf $(DISTNAME) $(DISTNAME).tar.gz
	if [ -e .git ]; then \
		git ls-files | grep -v -e '^\.ci/' -e '^\.git' -e '^MANIFEST$$'; \
	else cat MANIFEST; fi >MANIFEST.new
	mkdir $(DISTNAME)
	tar -cf - `cat MANIFEST.new` | (cd $(DISTNAME) && tar -xf -)
	mv MANIFEST.new $(DISTNAME)/MANIFEST
	tar -cf - $(DISTNAME) | gzip -9n > $(DISTNAME).tar.gz
	rm -rf $(DISTNAME)

.PHONY: all check check-sanitize check-valgrind demo bench fuzz fuzz-smoke install \
	install-timer install-cron uninstall clean dist
