#!/usr/bin/python3
"""Scripted fake SMTP server for smtpsend's conversation tests.

Usage: server.py SCRIPT --certs DIR --log LOGFILE --data-dir DIR [--watch-stdin]

Binds 127.0.0.1 on a free port, prints the port on stdout, serves one
connection as SCRIPT says and exits. The client's side of the conversation
goes to LOGFILE (the "transcript"); each message body goes to
DATA_DIR/delivered, DATA_DIR/delivered.2, ... as it came over the wire.

--watch-stdin: the runner closes our stdin once the client has exited; if no
connection was made by then there is nothing to wait for, so exit.

The script format is described in tests/conv/README.
"""

import argparse
import base64
import codecs
import ctypes
import hashlib
import hmac
import os
import select
import socket
import ssl
import sys
import time

DEFAULT_REPLY = "500 5.5.2 no reply scripted for this command"
MAX_SHOWN = 4096        # longest client line recorded in full
IDLE_TIMEOUT = 60.0     # safety net: a forgotten server must die on its own
HANG_TIMEOUT = 30.0     # safety net for !hang
CERT_NAMES = ("server", "wronghost", "untrusted", "expired", "notyet",
              "chain", "leafonly")
CONTEXTS = {}   # one SSLContext per certificate, kept across connections,
                # so that a client may resume a session of before


class ScriptError(Exception):
    pass


class Script:
    """A parsed script: options plus reply blocks keyed by (KEY, occurrence).

    KEY is GREETING, "." (end of DATA), "*" (SASL continuation) or an
    upper-cased command verb; occurrence is None for the plain block.
    A block is a list of (action, argument) pairs run in order.
    """

    def __init__(self, text):
        self.tls_implicit = False
        self.tls12 = False      # at most TLS 1.2 (for tls-unique)
        self.cert = "server"
        self.cert_of = {}       # connection number -> its own certificate
        self.connections = 1
        self.trickle = 0
        self.client_cert = False
        self.forget = False
        self.blocks = {}
        block = None
        for lineno, line in enumerate(text.split("\n"), 1):
            line = line.rstrip("\r")
            s = line.strip()
            if not s or s.startswith("#"):
                continue
            where = "line %d" % lineno
            if s[0].isdigit():
                # Reply lines are kept verbatim (trailing text may contain #).
                if block is None:
                    raise ScriptError(where + ": reply line outside a block")
                block.append(("reply", line.lstrip().encode()))
            elif s[0] == "!":
                if block is None:
                    raise ScriptError(where + ": action outside a block")
                block.append(self._action(s, line, where))
            else:
                words = s.split("#", 1)[0].split()
                if words[0] == "option":
                    self._option(words[1:], where)
                    continue
                block = []
                self._add_block(words, block, where)
        if ("GREETING", None) not in self.blocks:
            raise ScriptError("no greeting block")

    def _option(self, words, where):
        if words == ["tls", "implicit"]:
            self.tls_implicit = True
        elif words == ["tls", "1.2"]:
            self.tls12 = True
        elif len(words) == 2 and words[0] == "cert" and words[1] in CERT_NAMES:
            self.cert = words[1]
        elif len(words) == 3 and words[0] == "cert" and words[1].isdigit() \
                and words[2] in CERT_NAMES:
            self.cert_of[int(words[1])] = words[2]
        elif words == ["client-cert", "required"]:
            self.client_cert = True
        elif words == ["tls", "forget"]:
            self.forget = True
        elif len(words) == 2 and words[0] == "trickle" and \
                words[1].isdigit() and int(words[1]) > 0:
            self.trickle = int(words[1])
        elif len(words) == 2 and words[0] == "connections" and \
                words[1].isdigit() and int(words[1]) > 0:
            self.connections = int(words[1])
        else:
            raise ScriptError(where + ": unknown option " + " ".join(words))

    def _add_block(self, words, block, where):
        if len(words) > 2 or (len(words) == 2 and not words[1].isdigit()):
            raise ScriptError(where + ": bad block key " + " ".join(words))
        name = words[0].upper()
        num = int(words[1]) if len(words) == 2 else None
        if name == "GREETING" and num is not None:
            raise ScriptError(where + ": greeting takes no number")
        if (name, num) in self.blocks:
            raise ScriptError(where + ": duplicate block " + " ".join(words))
        self.blocks[(name, num)] = block

    @staticmethod
    def _action(s, line, where):
        word = s.split()[0]
        if word in ("!starttls", "!close", "!hang") and s == word:
            return (word[1:], None)
        if word == "!sleep" and len(s.split()) == 2:
            try:
                return ("sleep", float(s.split()[1]))
            except ValueError:
                pass
        if word == "!scram" and (len(s.split()) == 2 or (len(s.split()) == 3
                                 and s.split()[2] in ("badsig", "loop"))):
            # a SCRAM server for the rest of the exchange (see Scram)
            return ("scram", s.split()[1:])
        if word == "!raw" and s.startswith("!raw "):
            # Everything after "!raw " counts, even trailing blanks.
            text = line.lstrip()[len("!raw "):]
            try:
                return ("raw", codecs.escape_decode(text.encode())[0])
            except ValueError as e:
                raise ScriptError("%s: bad escape in !raw: %s" % (where, e))
        raise ScriptError(where + ": bad action " + s)

    def lookup(self, name, num):
        """The numbered block wins over the plain one; None if neither."""
        if (name, num) in self.blocks:
            return self.blocks[(name, num)]
        return self.blocks.get((name, None))


def shown(line):
    """A client line as the transcript shows it: controls escaped, bounded."""
    out = bytearray()
    for b in line[:MAX_SHOWN]:
        if b < 0x20 or b == 0x7F:
            out += b"\\x%02x" % b
        else:
            out.append(b)
    if len(line) > MAX_SHOWN:
        out += b" [truncated: %d bytes]" % len(line)
    return bytes(out)


def reply_code(text):
    """Code of the last line in TEXT (bytes), to see a 334 or 354."""
    lines = [l for l in text.split(b"\n") if l.strip()]
    return lines[-1][:3] if lines else b""


def tls_exporter(sock):
    """RFC 9266's tls-exporter of a TLS 1.3 socket, through libssl itself:
    Python's ssl module does not export keying material."""
    libssl = ctypes.CDLL("libssl.so.3")
    fn = libssl.SSL_export_keying_material
    fn.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t,
                   ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p,
                   ctypes.c_size_t, ctypes.c_int]
    # the _ssl object starts: PyObject_HEAD, PyObject *Socket, SSL *ssl
    ssl_ptr = ctypes.cast(id(sock._sslobj), ctypes.POINTER(ctypes.c_void_p))[3]
    out = ctypes.create_string_buffer(32)
    label = b"EXPORTER-Channel-Binding"
    if fn(ssl_ptr, out, 32, label, len(label), None, 0, 0) != 1:
        return None
    return out.raw


class Scram:
    """The server's side of SCRAM-SHA-1/-256 and -PLUS (RFC 5802, 7677,
    5929, 9266), written from the RFCs apart from smtpsend's code: it checks
    the client's proof and channel binding and proves the password back
    (or, with "badsig", sends a wrong signature; with "loop", challenges
    again after its signature instead of ending with 235)."""

    def __init__(self, mech, password, how, sock, tls):
        self.hash = hashlib.sha1 if mech.startswith("SCRAM-SHA-1") \
            else hashlib.sha256
        self.plus = mech.endswith("-PLUS")
        self.password = password.encode()
        self.badsig = how == "badsig"
        self.loop = how == "loop"
        self.sock = sock
        self.tls = tls
        self.state = "first"
        self.salt = b"server salt"
        self.iter = 4096

    def binding(self, cbname):
        if not self.tls:
            return None
        if cbname == "tls-unique":
            return self.sock.get_channel_binding("tls-unique")
        if cbname == "tls-exporter" and self.sock.version() == "TLSv1.3":
            return tls_exporter(self.sock)
        return None

    def step(self, line):
        """The reply to the client's next message (base64 line)."""
        if line == b"*":
            return b"501 5.7.0 cancelled", "*"     # RFC 4954 4
        try:
            msg = base64.b64decode(line, validate=True).decode()
        except (ValueError, UnicodeDecodeError):
            return b"501 5.5.2 not base64", "[scram: not base64]"
        if self.state == "first":
            flag, authzid, bare = msg.split(",", 2)
            self.gs2 = "%s,%s," % (flag, authzid)
            if flag.startswith("p=") != self.plus:
                return b"535 5.7.8 wrong gs2 flag", "[scram: gs2 %s]" % flag
            self.cbname = flag[2:] if flag.startswith("p=") else None
            attrs = dict(a.split("=", 1) for a in bare.split(","))
            self.bare = bare
            self.first = "r=%sSERVERNONCE,s=%s,i=%d" % (
                attrs["r"], base64.b64encode(self.salt).decode(), self.iter)
            self.state = "final"
            return (b"334 " + base64.b64encode(self.first.encode()),
                    "[scram client-first: gs2 %s user %s]" % (flag,
                                                              attrs["n"]))
        if self.state == "final":
            without, proof = msg.rsplit(",p=", 1)
            attrs = dict(a.split("=", 1) for a in without.split(","))
            cb = b""
            if self.cbname:
                cb = self.binding(self.cbname)
                if cb is None:
                    return (b"535 5.7.8 no %s here" % self.cbname.encode(),
                            "[scram: no binding]")
            want_c = base64.b64encode(self.gs2.encode() + cb).decode()
            if attrs.get("c") != want_c:
                return (b"535 5.7.8 channel binding mismatch",
                        "[scram client-final: channel binding mismatch]")
            salted = hashlib.pbkdf2_hmac(self.hash().name, self.password,
                                         self.salt, self.iter)
            ckey = hmac.new(salted, b"Client Key", self.hash).digest()
            stored = self.hash(ckey).digest()
            am = ("%s,%s,%s" % (self.bare, self.first, without)).encode()
            csig = hmac.new(stored, am, self.hash).digest()
            got = base64.b64decode(proof)
            if bytes(a ^ b for a, b in zip(got, csig)) != ckey:
                return (b"535 5.7.8 wrong proof",
                        "[scram client-final: wrong proof]")
            skey = hmac.new(salted, b"Server Key", self.hash).digest()
            ssig = hmac.new(skey, am, self.hash).digest()
            if self.badsig:
                ssig = bytes(len(ssig))
            self.state = "done"
            self.final = b"334 " + base64.b64encode(b"v=" + base64.b64encode(
                ssig))
            shown = "[scram client-final: gs2 %s, binding %s, proof ok]" % (
                self.gs2, self.cbname or "none")
            return self.final, shown
        if self.loop:
            return self.final, "[scram: %s]" % (line.decode() or "empty")
        return b"235 2.7.0 ok", "[scram: %s]" % (line.decode() or "empty")


class Session:
    """One connection, run from the script.

    Input is processed in "reads": every recv (plus whatever else is
    already readable right after it) starts a new epoch. Replies are
    collected and sent in one write before the next blocking read, so a
    pipelined flight is answered in one write. The transcript writes a
    "---" separator before an item when a reply was sent after the read
    that brought the previous item and before the read that brought this
    one: that is exactly "the client waited for a reply".
    """

    def __init__(self, sock, script, args, log):
        self.sock = sock
        self.script = script
        self.args = args
        self.log = log
        self.tls = False
        self.buf = bytearray()
        self.base = 0           # stream offset of buf[0]
        self.chunks = []        # (stream offset where a read ends, its epoch)
        self.epoch = 0
        self.eof_epoch = None   # EOF already seen while draining
        self.out = bytearray()  # replies collected, not yet sent
        self.flushes = []       # epochs in which replies were sent
        self.last_epoch = None  # epoch of the last recorded item
        self.counts = {}
        self.mode = "cmd"       # cmd, sasl, data or bdat
        self.line = b""         # the command being answered
        self.number = 1         # which connection of the script this is
        self.scram = None       # a SCRAM server (!scram) for this AUTH
        self.data_seen = False  # "[data]" recorded for this DATA
        self.bdat_left = 0
        self.bdat_last = False  # the chunk being read ends the message
        self.msg = None         # open delivered file
        self.msgs = 0
        self.quit_seen = False
        self.hanging = None     # deadline once !hang ran
        self.broken = False     # a write failed: the peer is gone
        self.done = False

    # --- transcript -----------------------------------------------------

    def record(self, item, epoch):
        if self.last_epoch is not None and any(
                self.last_epoch <= f < epoch for f in self.flushes):
            self.log.write(b"---\n")
        self.log.write(item + b"\n")
        self.log.flush()
        self.last_epoch = epoch
        self.flushes = [f for f in self.flushes if f >= epoch]

    def epoch_at(self, offset):
        for end, epoch in self.chunks:
            if offset < end:
                return epoch
        return self.epoch

    def consume(self, n):
        del self.buf[:n]
        self.base += n
        self.chunks = [c for c in self.chunks if c[0] > self.base]

    # --- socket -----------------------------------------------------------

    def flush(self):
        if not self.out:
            return
        data, self.out = bytes(self.out), bytearray()
        self.flushes.append(self.epoch)
        if self.broken:
            return
        try:
            self.sock.settimeout(IDLE_TIMEOUT)
            self.sock.sendall(data)
        except OSError as e:
            note("write failed: %s" % e)
            self.broken = True

    def client_gone(self):
        """The runner closes our stdin once the client has exited."""
        if not self.args.watch_stdin:
            return False
        ready, _, _ = select.select([sys.stdin.fileno()], [], [], 0)
        return bool(ready) and not os.read(sys.stdin.fileno(), 4096)

    def timeout(self):
        if self.hanging is not None:
            return max(0.01, self.hanging - time.monotonic())
        return IDLE_TIMEOUT

    def fill(self):
        """Block for input, then take all that is already there too.

        Returns False at EOF. TLS keeps decrypted bytes inside the SSL
        object (pending()), which the non-blocking drain picks up as well.
        """
        if self.eof_epoch is not None:
            return False
        self.epoch += 1
        if self.script.trickle and self.client_gone():
            self.script.trickle = 0     # drain what is left at full speed
        if self.script.trickle:
            # a server that reads slowly: N bytes, then a 0.1 s pause
            time.sleep(0.1)
        try:
            self.sock.settimeout(self.timeout())
            data = self.sock.recv(self.script.trickle or 65536)
        except socket.timeout:
            raise       # run() knows whether that is the !hang limit
        except OSError as e:
            note("read failed: %s" % e)
            data = b""
        if not data:
            self.eof_epoch = self.epoch
            return False
        self.sock.settimeout(0)
        while not self.script.trickle:
            try:
                more = self.sock.recv(65536)
            except (BlockingIOError, ssl.SSLWantReadError,
                    ssl.SSLWantWriteError):
                break
            except OSError:
                more = b""
            if not more:
                self.eof_epoch = self.epoch
                break
            data += more
        self.buf += data
        self.chunks.append((self.base + len(self.buf), self.epoch))
        return True

    def starttls(self):
        if self.tls:
            raise ScriptError("!starttls while TLS is already active")
        if self.buf:
            # Sent in plaintext after STARTTLS without waiting for the
            # reply: never to be trusted, so only noted.
            self.record(b"[discarded %d plaintext bytes]" % len(self.buf),
                        self.epoch_at(self.base))
            self.consume(len(self.buf))
        self.epoch += 1
        name = self.script.cert_of.get(self.number, self.script.cert)
        ctx = CONTEXTS.get(name)
        if ctx is None:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            if self.script.tls12:
                ctx.maximum_version = ssl.TLSVersion.TLSv1_2
            ctx.load_cert_chain(os.path.join(self.args.certs, name + ".pem"),
                                os.path.join(self.args.certs,
                                             name + "-key.pem"))
            if self.script.client_cert:
                ctx.verify_mode = ssl.CERT_REQUIRED
                ctx.load_verify_locations(
                    os.path.join(self.args.certs, "ca.pem"))
            if not self.script.forget:
                CONTEXTS[name] = ctx
        try:
            self.sock.settimeout(self.timeout())
            self.sock = ctx.wrap_socket(self.sock, server_side=True)
        except (OSError, ssl.SSLError) as e:
            note("TLS handshake failed: %s" % e)
            self.record(b"[tls failed]", self.epoch)
            self.done = True
            return
        self.tls = True
        self.record(b"[tls resumed]" if self.sock.session_reused else b"[tls]",
                    self.epoch)
        peer = self.sock.getpeercert()
        if peer:
            cn = [v for rdn in peer.get("subject", ()) for k, v in rdn
                  if k == "commonName"]
            self.record(b"[tls client certificate: %s]" %
                        ", ".join(cn).encode(), self.epoch)

    # --- replies ----------------------------------------------------------

    def answer(self, name):
        """Run the block for the next occurrence of NAME; return the code
        of the last reply line sent (b"" when nothing was sent)."""
        self.counts[name] = num = self.counts.get(name, 0) + 1
        if self.hanging is not None:
            return b""
        block = self.script.lookup(name, num)
        if block is None:
            block = [("reply", DEFAULT_REPLY.encode())]
        code = b""
        for action, arg in block:
            if action == "reply":
                self.out += arg + b"\r\n"
                code = reply_code(arg)
            elif action == "raw":
                self.out += arg
                code = reply_code(arg) or code
                self.flush()
            elif action == "sleep":
                self.flush()
                time.sleep(arg)
            elif action == "scram":
                words = self.line.split()
                self.scram = Scram(words[1].decode().upper(), arg[0],
                                   arg[1] if arg[1:] else None, self.sock,
                                   self.tls)
                if len(words) > 2:
                    reply, _ = self.scram.step(words[2])
                else:
                    reply = b"334 "
                self.out += reply + b"\r\n"
                code = reply[:3]
            elif action == "starttls":
                self.flush()
                self.starttls()
                if self.done:
                    break
            elif action == "close":
                self.flush()
                self.sock.close()
                self.done = True
                break
            elif action == "hang":
                self.flush()
                self.hanging = time.monotonic() + HANG_TIMEOUT
                break
        return code

    # --- messages ---------------------------------------------------------

    def open_msg(self):
        self.msgs += 1
        name = "delivered" if self.msgs == 1 else "delivered.%d" % self.msgs
        self.msg = open(os.path.join(self.args.data_dir, name), "wb")

    def close_msg(self):
        if self.msg is not None:
            self.msg.close()
            self.msg = None

    # --- input processing -------------------------------------------------

    def step(self):
        """Handle one complete item from the buffer; False if none is."""
        if self.mode == "data":
            return self.step_data()
        if self.mode == "bdat":
            return self.step_bdat()
        nl = self.buf.find(b"\n")
        if nl < 0:
            return False
        epoch = self.epoch_at(self.base)
        raw = bytes(self.buf[:nl])
        self.consume(nl + 1)
        if raw.endswith(b"\r"):
            item = shown(raw[:-1])
        else:
            item = shown(raw) + b" [bare LF]"
        if self.mode == "sasl" and self.scram:
            reply, what = self.scram.step(raw.rstrip(b"\r"))
            self.record(what.encode(), epoch)
            self.out += reply + b"\r\n"
            code = reply[:3]
            if code != b"334":
                self.scram = None
        else:
            self.record(item, epoch)
            if self.mode == "sasl":
                code = self.answer("*")
            else:
                code = self.command(raw.rstrip(b"\r"))
        if self.mode in ("cmd", "sasl"):
            self.mode = "sasl" if code == b"334" else "cmd"
        return True

    def command(self, line):
        self.line = line
        words = line.split()
        verb = words[0].decode("latin-1").upper() if words else ""
        if verb == "QUIT":
            self.quit_seen = True
        if verb in ("MAIL", "RSET"):
            self.close_msg()    # ends an unfinished BDAT transaction
        if verb == "BDAT":
            size = words[1] if len(words) > 1 else b""
            last = len(words) == 3 and words[2].upper() == b"LAST"
            if size.isdigit() and (len(words) == 2 or last):
                # Answered (and counted) once the chunk has been read.
                self.bdat_left = int(size)
                self.bdat_last = last
                if self.msg is None:
                    self.open_msg()
                self.mode = "bdat"
                return b""
            # Malformed: answered like any command, no payload read.
        code = self.answer(verb)
        if verb == "DATA" and code == b"354" and not self.done:
            self.open_msg()
            self.mode = "data"
            self.data_seen = False
        return code

    def step_data(self):
        if not self.buf:
            return False
        if not self.data_seen:
            self.record(b"[data]", self.epoch_at(self.base))
            self.data_seen = True
        # The end is CRLF.CRLF, or "." as the very first line.
        if self.buf.startswith(b".\r\n") and self.msg.tell() == 0:
            end = 0
        else:
            end = self.buf.find(b"\r\n.\r\n")
            end = end + 2 if end >= 0 else -1
        if end < 0:
            # Keep a tail that may be the start of the terminator.
            n = len(self.buf) - 4
            if n <= 0:
                return False
            self.msg.write(self.buf[:n])
            self.consume(n)
            return False
        self.msg.write(self.buf[:end])
        self.consume(end + 3)
        self.close_msg()
        self.mode = "cmd"
        self.answer(".")
        return True

    def step_bdat(self):
        n = min(self.bdat_left, len(self.buf))
        if n:
            self.msg.write(self.buf[:n])
            self.consume(n)
            self.bdat_left -= n
        if self.bdat_left:
            return False
        self.mode = "cmd"
        self.answer("BDAT")
        if self.bdat_last:
            self.close_msg()
        return True

    def at_eof(self):
        """The client closed: keep what arrived, note it, close politely."""
        if self.buf:
            if self.mode in ("data", "bdat"):
                self.msg.write(self.buf)
            else:
                self.record(shown(bytes(self.buf)) + b" [incomplete]",
                            self.epoch_at(self.base))
            self.consume(len(self.buf))
        self.close_msg()
        if not self.quit_seen:
            self.record(b"[closed]", self.eof_epoch)
        if self.tls:
            try:    # answer the client's close_notify, best effort
                self.sock.settimeout(1)
                self.sock = self.sock.unwrap()
            except (OSError, ValueError):
                pass
        self.sock.close()

    def run(self):
        if self.script.tls_implicit:
            self.starttls()
        if not self.done:
            self.answer("GREETING")
        while not self.done:
            if self.step():
                continue
            if self.done:
                break
            self.flush()
            try:
                more = self.fill()
            except socket.timeout:
                if self.hanging is None:
                    raise ScriptError("client idle for %d s" % IDLE_TIMEOUT)
                self.record(b"[hang timeout]", self.epoch)
                self.sock.close()
                break
            if not more:
                self.at_eof()
                break
        self.close_msg()


def note(msg):
    print("server: " + msg, file=sys.stderr)


def accept(lsock, watch_stdin):
    """Wait for the one connection; None if the runner says the client is
    gone (stdin EOF) and nothing is waiting in the backlog."""
    rlist = [lsock] + ([sys.stdin.fileno()] if watch_stdin else [])
    while True:
        ready, _, _ = select.select(rlist, [], [], IDLE_TIMEOUT)
        if not ready:
            raise ScriptError("no connection within %d s" % IDLE_TIMEOUT)
        if lsock in ready:
            return lsock.accept()[0]
        if not os.read(sys.stdin.fileno(), 4096):
            # A client that connected and exited is in the backlog.
            lsock.setblocking(False)
            try:
                conn = lsock.accept()[0]
            except BlockingIOError:
                return None
            conn.setblocking(True)
            return conn


def main():
    p = argparse.ArgumentParser(description="scripted fake SMTP server")
    p.add_argument("script")
    p.add_argument("--certs", required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--data-dir", required=True)
    p.add_argument("--watch-stdin", action="store_true")
    args = p.parse_args()

    try:
        with open(args.script, encoding="utf-8") as f:
            script = Script(f.read())
    except (OSError, ScriptError) as e:
        note("%s: %s" % (args.script, e))
        return 2

    with open(args.log, "wb") as log:
        lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        lsock.bind(("127.0.0.1", 0))
        lsock.listen(1)
        print(lsock.getsockname()[1], flush=True)
        try:
            msgs = 0
            for n in range(1, script.connections + 1):
                conn = accept(lsock, args.watch_stdin)
                if conn is None:
                    break
                if n > 1:
                    log.write(b"=== connection %d\n" % n)
                # Replies go out as single writes; no Nagle delays.
                conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                session = Session(conn, script, args, log)
                session.number = n
                session.msgs = msgs     # delivered, delivered.2, ...
                session.run()
                msgs = session.msgs
            lsock.close()
        except ScriptError as e:
            note(str(e))
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
