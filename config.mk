# smtpsend build settings: edit here, not in the Makefile.

VERSION = 0.1

PREFIX = /usr/local
MANPREFIX = $(PREFIX)/share/man
SYSCONFDIR = /etc
SPOOLDIR = /var/spool/smtpsend
# The group smtpsend runs setgid to, for every user to send and queue
# through the system config (see SECURITY in smtpsend(1)).
SPOOL_GROUP = smtpsend
SYSTEMDUNITDIR = /lib/systemd/system
# The syslog daemon's socket (syslog = on in sendmail.ini(5)).
SYSLOG_PATH = /dev/log

# Shell completion, where bash-completion and zsh look for it.
BASHCOMPDIR = $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR = $(PREFIX)/share/zsh/site-functions

# Install sendmail, mailq and newaliases links to smtpsend under
# $(PREFIX)/sbin and $(PREFIX)/bin: make install SENDMAIL_LINKS=yes
SENDMAIL_LINKS = no

PKG_CONFIG = pkg-config
DEPS_CFLAGS = `$(PKG_CONFIG) --cflags gnutls inih`
DEPS_LIBS = `$(PKG_CONFIG) --libs gnutls inih`

CPPFLAGS = -D_DEFAULT_SOURCE -DVERSION=\"$(VERSION)\" -DSYSCONFDIR=\"$(SYSCONFDIR)\" -DSPOOLDIR=\"$(SPOOLDIR)\" -DSPOOL_GROUP=\"$(SPOOL_GROUP)\" -DSYSLOG_PATH=\"$(SYSLOG_PATH)\"
CFLAGS = -std=c11 -O2 -g -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
LDFLAGS =
LDLIBS = $(DEPS_LIBS) -pthread

# Flags for the sanitizer build (make check-sanitize).
SANITIZE_FLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

CC = cc
