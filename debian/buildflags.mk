# Read after the Makefile (make -f Makefile -f debian/buildflags.mk):
# Debian's hardening and build flags, added to config.mk's own.
CPPFLAGS += `dpkg-buildflags --get CPPFLAGS`
CFLAGS += `dpkg-buildflags --get CFLAGS`
LDFLAGS += `dpkg-buildflags --get LDFLAGS`
