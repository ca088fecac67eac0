#!/usr/bin/python3
"""relay.py: a real SMTP relay on 127.0.0.1 for the tests and the demo.

Usage: relay.py [--certs DIR] [--cert NAME] [--mode starttls|tls|plain]
                [--user U --password P | --password-file F] [--spool DIR]
                [--port N]
                [--max-size BYTES] [--watch-stdin] [-v]

Built on aiosmtpd (Debian's python3-aiosmtpd), not on a script: it speaks
SMTP as a server would, and keeps what it is given. It prints the port it
listens on as one line on stdout once it listens, logs to stderr, and runs
until SIGTERM or SIGINT, or until stdin reaches EOF with --watch-stdin.

  --certs DIR     certificates made by tests/lib/mkcerts DIR
  --cert NAME     which one the server shows: server (default), wronghost,
                  untrusted, expired
  --mode          starttls (default): STARTTLS offered and required before
                  MAIL or AUTH; tls: TLS right after accept (port 465
                  style); plain: no TLS at all
  --user, --password (or --password-file: its first line)
                  offer AUTH PLAIN and LOGIN with this one account and
                  require it for MAIL; AUTH is offered only over TLS unless
                  the mode is plain
  --spool DIR     each accepted message becomes DIR/N.eml (the payload as
                  received, dot-stuffing undone, CRLF kept) and DIR/N.json
                  (the envelope), N = 1, 2, ...; the .json is written last
  --max-size      the SIZE limit (default 64 MiB)
  --rcpt-reply ADDR=REPLY
                  answer RCPT TO:<ADDR> with REPLY ("450 4.2.1 busy"),
                  repeatable; a relay that refuses some recipients
  --data-reply REPLY
                  answer the end of every message with REPLY, keeping none
  --ehlo-reply REPLY, --mail-reply REPLY
                  answer every EHLO, or MAIL, with REPLY
  --hold SECONDS  keep the message, then wait this long before the 250

N.json holds mail_from ("" for the null sender <>), rcpt_tos, mail_options,
rcpt_options, tls (the session ran over TLS), auth_user (the login, or
null), mail_auth (MAIL's AUTH= parameter, RFC 4954 5, or null) and peer
([address, port]).
"""

import argparse
import asyncio
import hmac
import json
import logging
import os
import signal
import ssl
import sys
import warnings

from aiosmtpd.smtp import SMTP, AuthResult

log = logging.getLogger("relay")

HOSTNAME = "relay.test"     # never ask DNS for our own name
DEFAULT_MAX_SIZE = 64 * 1024 * 1024


class Relay(SMTP):
    """aiosmtpd's SMTP, marking sessions that are TLS from the start.

    aiosmtpd sets session.ssl only after STARTTLS; with implicit TLS the
    transport is encrypted from the first byte and session.ssl stays None.
    """

    def connection_made(self, transport):
        super().connection_made(transport)
        if (self.session.ssl is None
                and transport.get_extra_info("ssl_object") is not None):
            self.session.ssl = {"implicit": True,
                                "cipher": transport.get_extra_info("cipher")}

    async def smtp_MAIL(self, arg):
        # RFC 4954 5: MAIL's AUTH= parameter, which a submission server
        # (Dovecot's) passes on to a relay that offers AUTH; aiosmtpd
        # would refuse it as unknown. Kept as the envelope's mail_auth.
        words = (arg or "").split(" ")
        auth = [w[5:] for w in words if w.upper().startswith("AUTH=")]
        if auth and self.session.extended_smtp:
            self.envelope.mail_auth = auth[0]
            arg = " ".join(w for w in words
                           if not w.upper().startswith("AUTH="))
        return await super().smtp_MAIL(arg)


class Handler:
    def __init__(self, spool, user, password, rcpt_replies=None,
                 data_reply=None, hold=0, ehlo_reply=None, mail_reply=None):
        self.ehlo_reply = ehlo_reply
        self.mail_reply = mail_reply
        self.rcpt_replies = rcpt_replies or {}
        self.data_reply = data_reply
        self.hold = hold
        self.spool = spool
        self.user = user.encode() if user is not None else None
        self.password = password.encode() if password is not None else None
        # a relay started again on the same spool goes on numbering
        self.count = len([n for n in os.listdir(spool)
                          if n.endswith(".json")]) if spool else 0

    def authenticate(self, server, session, envelope, mechanism, data):
        ok = (self.user is not None
              and hmac.compare_digest(data.login, self.user)
              and hmac.compare_digest(data.password, self.password))
        log.info("%s AUTH %s as %r: %s", peer(session), mechanism,
                 data.login.decode("utf-8", "replace"),
                 "accepted" if ok else "refused")
        if ok:
            return AuthResult(success=True, auth_data=data)
        return AuthResult(success=False, handled=False)

    async def handle_exception(self, error):
        # one line, not a traceback: e.g. a client refusing our certificate
        cause = error.__cause__ or error
        log.warning("session error: %s: %s", type(cause).__name__, cause)
        return "451 4.3.0 Error: %s" % type(error).__name__

    async def handle_EHLO(self, server, session, envelope, hostname,
                          responses):
        if self.ehlo_reply:
            return [self.ehlo_reply]
        session.host_name = hostname
        return responses

    async def handle_MAIL(self, server, session, envelope, address,
                          mail_options):
        if self.mail_reply:
            return self.mail_reply
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address,
                          rcpt_options):
        reply = self.rcpt_replies.get(address.lower())
        if reply:
            log.info("%s RCPT TO:<%s> refused: %s", peer(session), address,
                     reply)
            return reply
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.data_reply:
            log.info("message refused: %s", self.data_reply)
            return self.data_reply
        self.count += 1
        n = self.count
        content = envelope.original_content
        auth = session.auth_data if session.authenticated else None
        meta = {
            # aiosmtpd keeps the null sender as the literal "<>"
            "mail_from": "" if envelope.mail_from == "<>"
            else envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "mail_options": list(envelope.mail_options),
            "rcpt_options": list(envelope.rcpt_options),
            "tls": session.ssl is not None,
            "auth_user": (auth.login.decode("utf-8", "surrogateescape")
                          if auth is not None else None),
            "mail_auth": getattr(envelope, "mail_auth", None),
            "peer": list(session.peer) if session.peer else None,
        }
        if self.spool:
            try:
                write(os.path.join(self.spool, "%d.eml" % n), content)
                write(os.path.join(self.spool, "%d.json" % n),
                      (json.dumps(meta, indent=1) + "\n").encode())
            except OSError as e:
                log.error("message %d: cannot write the spool: %s", n, e)
                self.count -= 1
                return "451 4.3.0 cannot store the message"
        log.info("message %d: from <%s> to %s, %d bytes, tls %s, auth %s",
                 n, meta["mail_from"], ", ".join(meta["rcpt_tos"]),
                 len(content), "yes" if meta["tls"] else "no",
                 meta["auth_user"] or "none")
        if self.hold:
            log.info("message %d: holding the reply %g s", n, self.hold)
            await asyncio.sleep(self.hold)
        return "250 2.0.0 OK queued as %d" % n


def peer(session):
    return "%s:%s" % tuple(session.peer[:2]) if session.peer else "?"


def write(path, data):
    """All or nothing: a reader never sees a partial file."""
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.rename(tmp, path)


class Quiet(logging.Filter):
    """Drops aiosmtpd's warnings about things done on purpose here."""
    NOISE = ("Session.login_data is deprecated",
             "auth_required == True but auth_require_tls == False")

    def filter(self, record):
        return not record.getMessage().startswith(self.NOISE)


def tls_context(certs, name):
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(os.path.join(certs, name + ".pem"),
                        os.path.join(certs, name + "-key.pem"))
    return ctx


def parse_args():
    p = argparse.ArgumentParser(
        description="A real SMTP relay on 127.0.0.1 for the tests.")
    p.add_argument("--certs", metavar="DIR")
    p.add_argument("--cert", default="server", metavar="NAME")
    p.add_argument("--mode", default="starttls",
                   choices=("starttls", "tls", "plain"))
    p.add_argument("--user")
    p.add_argument("--password")
    p.add_argument("--password-file", metavar="FILE")
    p.add_argument("--spool", metavar="DIR")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--max-size", type=int, default=DEFAULT_MAX_SIZE)
    p.add_argument("--watch-stdin", action="store_true")
    p.add_argument("--rcpt-reply", action="append", default=[],
                   metavar="ADDR=REPLY")
    p.add_argument("--data-reply", metavar="REPLY")
    p.add_argument("--ehlo-reply", metavar="REPLY")
    p.add_argument("--mail-reply", metavar="REPLY")
    p.add_argument("--hold", type=float, default=0, metavar="SECONDS")
    p.add_argument("-v", "--verbose", action="store_true")
    a = p.parse_args()
    if a.password_file is not None:
        if a.password is not None:
            p.error("--password and --password-file exclude each other")
        try:
            with open(a.password_file) as f:
                a.password = f.readline().rstrip("\r\n")
        except OSError as e:
            p.error("--password-file: %s" % e)
    if a.mode != "plain" and not a.certs:
        p.error("--mode %s needs --certs" % a.mode)
    if (a.user is None) != (a.password is None):
        p.error("--user and --password go together")
    if a.spool and not os.path.isdir(a.spool):
        p.error("--spool %s: not a directory" % a.spool)
    return a


async def serve(a):
    loop = asyncio.get_running_loop()
    replies = {}
    for r in a.rcpt_reply:
        addr, _, reply = r.partition("=")
        replies[addr.lower()] = reply
    handler = Handler(a.spool, a.user, a.password, replies, a.data_reply,
                      a.hold, a.ehlo_reply, a.mail_reply)
    ctx = tls_context(a.certs, a.cert) if a.mode != "plain" else None
    auth = a.user is not None
    options = dict(
        hostname=HOSTNAME,
        ident="smtpsend test relay",
        data_size_limit=a.max_size,
        enable_SMTPUTF8=True,
        # STARTTLS: offered, and required before anything but EHLO/NOOP
        tls_context=ctx if a.mode == "starttls" else None,
        require_starttls=a.mode == "starttls",
        # AUTH only over TLS; with implicit TLS aiosmtpd cannot tell, and
        # in plain mode the tests want plaintext AUTH on loopback
        auth_require_tls=a.mode == "starttls",
        auth_required=auth,
        authenticator=handler.authenticate if auth else None,
        loop=loop,
    )
    if not auth:
        # no account: refuse every AUTH attempt
        options["authenticator"] = lambda *args: AuthResult(
            success=False, handled=False)

    def accept():
        # called on accept, before any TLS handshake: every connection
        # is logged, even one that fails the handshake
        log.info("connection accepted")
        return Relay(handler, **options)

    server = await loop.create_server(
        accept, "127.0.0.1", a.port, ssl=ctx if a.mode == "tls" else None)
    port = server.sockets[0].getsockname()[1]

    done = loop.create_future()

    def stop(why):
        if not done.done():
            log.info("stopping: %s", why)
            done.set_result(None)

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop, signal.Signals(sig).name)
    log.info("listening on 127.0.0.1:%d (%s%s)", port, a.mode,
             ", auth as %s" % a.user if auth else "")
    sys.stdout.write("%d\n" % port)
    sys.stdout.flush()
    if a.watch_stdin:
        def readable():
            try:
                data = os.read(0, 4096)
            except OSError:
                data = b""
            if not data:
                loop.remove_reader(0)
                stop("stdin closed")
        try:
            loop.add_reader(0, readable)
        except PermissionError:
            readable()      # a file or /dev/null: read it once, now

    await done
    server.close()


def main():
    a = parse_args()
    logging.basicConfig(stream=sys.stderr, format="relay: %(message)s")
    log.setLevel(logging.INFO)
    mail_log = logging.getLogger("mail.log")
    mail_log.setLevel(logging.INFO if a.verbose else logging.WARNING)
    mail_log.addFilter(Quiet())
    warnings.filterwarnings("ignore", message="Requiring AUTH while not")
    try:
        asyncio.run(serve(a))
    except (OSError, ssl.SSLError) as e:
        log.error("%s", e)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
