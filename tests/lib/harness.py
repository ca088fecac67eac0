"""harness.py: what tests/integration/run and tests/callers/run share.

- make_certs(): the test certificates (tests/lib/mkcerts), once per run;
- Relay: tests/lib/relay.py as a child process with its own spool;
- write_config(): a sendmail.ini, mode 0600;
- run(): smtpsend as a child, with its exit status, output and, when
  asked, its own peak RSS;
- expected_message() and compare_message(): what a message must look like
  after smtpsend, and a readable account of any difference.

Runs with Debian's /usr/bin/python3; nothing outside the standard library.
"""

import datetime
import difflib
import email.utils
import hashlib
import json
import os
import re
import select
import signal
import subprocess
import threading
import time

LIB = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(LIB))
RELAY = os.path.join(LIB, "relay.py")
MKCERTS = os.path.join(LIB, "mkcerts")
PYTHON = "/usr/bin/python3"

# Sanitizer builds are tuned through these; they do not change behaviour.
PASS_ENV = ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS")

CLIENT_TIMEOUT = 60     # seconds smtpsend may take, even for 25 MB
RELAY_START = 10        # seconds the relay may take to say its port
RELAY_STOP = 10         # seconds it may take to finish after stdin EOF


class Broken(Exception):
    """The test cannot run: setup failed (not a finding about smtpsend)."""


def binary():
    return os.path.abspath(os.environ.get("SMTPSEND",
                                          os.path.join(TOP, "smtpsend")))


def sanitized():
    """Is the binary built with a sanitizer (so its memory use is not
    its own)?"""
    try:
        with open(binary(), "rb") as f:
            data = f.read()
    except OSError:
        return False
    return any(s in data for s in (b"__asan_", b"__msan_", b"__tsan_",
                                   b"__hwasan_"))


def base_env(**extra):
    env = {"PATH": "/usr/bin:/bin"}
    for name in PASS_ENV:
        if name in os.environ:
            env[name] = os.environ[name]
    env.update(extra)
    return env


def make_certs(root):
    """Test certificates in root/certs; returns that path."""
    certs = os.path.join(root, "certs")
    gen = subprocess.run([MKCERTS, certs], stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if gen.returncode != 0:
        raise Broken("mkcerts failed: " + gen.stdout.decode(
            "utf-8", "replace").strip().replace("\n", " | "))
    return certs


# --- the relay ------------------------------------------------------------

class Relay:
    """relay.py on 127.0.0.1:0 with a fresh spool in root. It watches its
    stdin, so it ends with this process even if we crash."""

    def __init__(self, root, certs=None, mode="starttls", cert="server",
                 user=None, password=None, port=0, extra=()):
        self.spool = os.path.join(root, "spool")
        os.makedirs(self.spool, 0o700, exist_ok=True)
        self.logpath = os.path.join(root, "relay.log")
        argv = [PYTHON, RELAY, "--mode", mode, "--spool", self.spool,
                "--watch-stdin"]
        if certs:
            argv += ["--certs", certs, "--cert", cert]
        if user is not None:
            argv += ["--user", user, "--password", password]
        if port:
            argv += ["--port", str(port)]
        argv += list(extra)
        self.returncode = None
        self.err = open(self.logpath, "ab")
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=self.err)
        ready, _, _ = select.select([self.proc.stdout], [], [], RELAY_START)
        line = self.proc.stdout.readline() if ready else b""
        if not line.strip().isdigit():
            self.stop()
            raise Broken("relay did not start: " + self.log().strip())
        self.port = int(line)

    def stop(self):
        """Closes its stdin and waits; kills it if it lingers."""
        if self.proc is None:
            return
        try:
            self.proc.stdin.close()
            self.proc.wait(RELAY_STOP)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        finally:
            self.returncode = self.proc.returncode
            self.proc.stdout.close()
            self.err.close()
            self.proc = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def log(self):
        try:
            with open(self.logpath, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def connections(self):
        return self.log().count("relay: connection accepted")

    def messages(self):
        """[(n, eml bytes, envelope dict)] in order. A .eml without its
        .json (or a leftover .tmp) raises Broken: the relay broke."""
        names = os.listdir(self.spool)
        out = []
        for name in names:
            m = re.fullmatch(r"(\d+)\.json", name)
            if m:
                n = int(m.group(1))
                with open(os.path.join(self.spool, "%d.eml" % n), "rb") as f:
                    eml = f.read()
                with open(os.path.join(self.spool, name)) as f:
                    meta = json.load(f)
                out.append((n, eml, meta))
        if len(names) != 2 * len(out):
            raise Broken("relay spool is inconsistent: %s" % sorted(names))
        return sorted(out, key=lambda x: x[0])


# --- configuration ----------------------------------------------------------

def write_config(path, settings, section="default"):
    """settings: [(key, value)] in order; the file is made mode 0600."""
    text = "[%s]\n" % section + "".join("%s = %s\n" % kv for kv in settings)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    return text


def write_private(path, data):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)


# --- running smtpsend -------------------------------------------------------

class Result:
    status = None       # exit status, or -N for signal N
    out = b""           # captured stdout (when it was a pipe)
    err = b""           # captured stderr (when it was a pipe)
    maxrss_kb = None    # smtpsend's peak RSS (KiB), with measure=True
    timed_out = False
    seconds = 0.0

    def describe(self):
        if self.timed_out:
            return "timed out"
        if self.status is not None and self.status < 0:
            return "killed by signal %d" % -self.status
        return "exit status %s" % self.status


def _drain(stream, chunks):
    while True:
        data = stream.read(65536)
        if not data:
            break
        chunks.append(data)
    stream.close()


def _feed(stream, data):
    try:
        view = memoryview(data)
        for i in range(0, len(view), 1 << 20):
            stream.write(view[i:i + (1 << 20)])
    except (BrokenPipeError, ConnectionResetError):
        pass
    finally:
        try:
            stream.close()
        except BrokenPipeError:
            pass


def _kill_group(pid):
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


# Measuring a child's peak RSS: ru_maxrss survives exec, so a child forked
# (or vforked, as subprocess does) from this big process would report our
# size, not its own. A small Python forks smtpsend instead, waits for it
# with wait4 and writes the child's ru_maxrss (KiB) to the descriptor it is
# given; a fork of it starts at about 5 MB. It exits as smtpsend did.
MEASURE = r"""
import os, signal, sys
fd, exe, argv = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
pid = os.fork()
if pid == 0:
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    signal.signal(signal.SIGXFSZ, signal.SIG_DFL)
    os.close(fd)
    try:
        os.execv(exe, argv)
    finally:
        os._exit(127)
while True:
    try:
        _, status, ru = os.wait4(pid, 0)
        break
    except InterruptedError:
        pass
os.write(fd, b"%d\n" % ru.ru_maxrss)
os.close(fd)
if os.WIFSIGNALED(status):
    try:
        signal.signal(os.WTERMSIG(status), signal.SIG_DFL)
    except (OSError, ValueError):
        pass
    os.kill(os.getpid(), os.WTERMSIG(status))
os._exit(os.waitstatus_to_exitcode(status))
"""


def run(args, stdin=None, env=None, cwd=None, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, argv0="smtpsend", timeout=CLIENT_TIMEOUT,
        executable=None, measure=False, user=None, group=None):
    """Runs smtpsend (argv0 + args). stdin: bytes (fed through a pipe), an
    open file (given as is) or None (/dev/null). stdout, stderr: PIPE
    (captured), DEVNULL, a file object or a descriptor. measure: also
    find its peak RSS (through a wrapper, see MEASURE). user, group: run
    as this uid and gid, without supplementary groups (needs root)."""
    r = Result()
    feed = None
    if isinstance(stdin, (bytes, bytearray)):
        feed, stdin = stdin, subprocess.PIPE
    elif stdin is None:
        stdin = subprocess.DEVNULL
    exe = executable or binary()
    argv = [argv0] + list(args)
    pass_fds = ()
    ids = {}
    if user is not None:
        ids = {"user": user, "group": group, "extra_groups": []}
    if measure:
        rfd, wfd = os.pipe()
        argv = [PYTHON, "-I", "-S", "-c", MEASURE, str(wfd), exe] + argv
        exe, pass_fds = PYTHON, (wfd,)
    start = time.monotonic()
    try:
        p = subprocess.Popen(argv, executable=exe, stdin=stdin,
                             stdout=stdout, stderr=stderr,
                             env=env if env is not None else base_env(),
                             cwd=cwd, start_new_session=True,
                             pass_fds=pass_fds, **ids)
    finally:
        if measure:
            os.close(wfd)
    threads = []
    outs, errs = [], []
    if feed is not None:
        threads.append(threading.Thread(target=_feed, args=(p.stdin, feed)))
    if stdout == subprocess.PIPE:
        threads.append(threading.Thread(target=_drain, args=(p.stdout, outs)))
    if stderr == subprocess.PIPE:
        threads.append(threading.Thread(target=_drain, args=(p.stderr, errs)))
    for t in threads:
        t.daemon = True
        t.start()

    def expire():
        r.timed_out = True
        _kill_group(p.pid)
    timer = threading.Timer(timeout, expire)
    timer.start()
    try:
        while True:
            try:
                _, status, _ = os.wait4(p.pid, 0)
                break
            except InterruptedError:
                continue
    finally:
        timer.cancel()
        r.seconds = time.monotonic() - start
        _kill_group(p.pid)      # whatever it left running
    r.status = p.returncode = os.waitstatus_to_exitcode(status)
    for t in threads:
        t.join(10)
    if measure:
        with os.fdopen(rfd, "rb") as f:
            report = f.read().split()
        if len(report) == 1:
            r.maxrss_kb = int(report[0])
    r.out, r.err = b"".join(outs), b"".join(errs)
    return r


# --- messages ---------------------------------------------------------------

DAY = rb"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)"
MONTH = rb"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
DATE_VALUE = (DAY + rb", [0-9]{1,2} " + MONTH +
              rb" [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} [+-][0-9]{4}")
ATEXT = rb"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
DOT_ATOM = ATEXT + rb"(?:\." + ATEXT + rb")*"
MSGID_VALUE = rb"<" + DOT_ATOM + rb"@" + DOT_ATOM + rb">"


class Pattern:
    """A header line that smtpsend generates: matched, not compared."""

    def __init__(self, label, regex, check=None):
        self.label = label
        self.regex = re.compile(regex)
        self.check = check

    def matches(self, line):
        m = self.regex.fullmatch(line)
        return bool(m) and (self.check is None or self.check(line))


def _date_is_now(line):
    """A generated Date is this run's: within 15 minutes of now."""
    try:
        when = email.utils.parsedate_to_datetime(
            line.split(b":", 1)[1].strip().decode())
    except (TypeError, ValueError):
        return False
    now = datetime.datetime.now(datetime.timezone.utc)
    return abs((when - now).total_seconds()) < 900


DATE = Pattern("Date: <a RFC 5322 date, now>", rb"Date: " + DATE_VALUE,
               _date_is_now)
MESSAGE_ID = Pattern("Message-ID: <a RFC 5322 msg-id>",
                     rb"Message-ID: " + MSGID_VALUE)

LINE = re.compile(rb"([^\r\n]*)(\r\n|\r|\n|$)")
FIELD = re.compile(rb"[\x21-\x39\x3b-\x7e]+[ \t]*:")


def split_lines(data):
    """[(text, eol)]: LF, CRLF and a bare CR all end a line."""
    out = []
    pos = 0
    while pos < len(data):
        m = LINE.match(data, pos)
        out.append((m.group(1), m.group(2)))
        pos = m.end()
    return out


def cut_at_dot(data):
    """Without -i/-oi a line holding only "." ends the message."""
    pos = 0
    for text, eol in split_lines(data):
        if text == b".":
            return data[:pos]
        pos += len(text) + len(eol)
    return data


def parse_header(data):
    """Splits a message as smtpsend documents it (msg.c): a leading mbox
    "From " line is dropped; fields and their continuation lines up to an
    empty line (consumed) or up to the first line that is neither (the
    body starts there). Returns ([(name, [line, ...])], body_lines,
    has_body), lines without their line ends."""
    lines = split_lines(data)
    i = 0
    if lines and lines[0][0].startswith(b"From "):
        i = 1
    fields = []
    has_body = False
    while i < len(lines):
        text = lines[i][0]
        if text == b"":
            i += 1
            has_body = True
            break
        if text[:1] in (b" ", b"\t") and fields:
            fields[-1][1].append(text)
        elif FIELD.match(text):
            fields.append((text.split(b":", 1)[0].rstrip(b" \t"), [text]))
        else:
            has_body = True
            break
        i += 1
    return fields, [t for t, _ in lines[i:]], has_body


def field_value(lines):
    """A field's unfolded value, as text."""
    value = b"\r\n".join(lines).split(b":", 1)[1]
    return re.sub(rb"\r\n([ \t])", rb"\1", value).decode("utf-8", "replace")


def header_recipients(data):
    """-t: the addresses in To, Cc and Bcc, or in Resent-To, Resent-Cc and
    Resent-Bcc when there are any (a resent message goes to those)."""
    fields, _, _ = parse_header(data)
    names = [n.lower() for n, _ in fields]
    wanted = (b"resent-to", b"resent-cc", b"resent-bcc")
    if not any(n in wanted for n in names):
        wanted = (b"to", b"cc", b"bcc")
    values = [field_value(lines) for name, lines in fields
              if name.lower() in wanted]
    return [addr for _, addr in email.utils.getaddresses(values) if addr]


def unique(addrs):
    """Each address once (compared without regard to case), first kept."""
    seen, out = set(), []
    for a in addrs:
        if a.lower() not in seen:
            seen.add(a.lower())
            out.append(a)
    return out


def display_name(name):
    """-F NAME as a display name: a phrase of atoms as is, else quoted."""
    if re.fullmatch(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+( [A-Za-z0-9!#$%&'*+/="
                    r"?^_`{|}~-]+)*", name):
        return name
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


class LocalNames:
    """How smtpsend resolves local names (alias.c), for a config with an
    aliases file and a qualify_domain: a name without "@" is an alias's
    one target, else name@domain. Only what the corpus needs: bare names,
    no recursion, no @localhost forms."""

    def __init__(self, aliases, domain):
        self.aliases = aliases
        self.domain = domain

    def recipient(self, addr):
        if "@" in addr:
            return addr
        return self.aliases.get(addr.lower(), "%s@%s" % (addr, self.domain))

    def sender(self, addr):
        return addr if "@" in addr or not addr else \
            "%s@%s" % (addr, self.domain)


RCPT_FIELDS = (b"to", b"cc", b"resent-to", b"resent-cc")
SENDER_FIELDS = (b"from", b"sender", b"reply-to", b"resent-from",
                 b"resent-sender", b"resent-reply-to")
BARE_NAME = re.compile(rb"(?<![\w.@<(\"-])([a-z_][a-z0-9_.-]*)(?=\s*(?:$|,|\())",
                       re.I)


def rewrite_local(name, line, local):
    """A header line with its bare local names as smtpsend rewrites them:
    recipients to their alias, senders qualified."""
    if local is None:
        return line
    lname = name.lower()
    if lname not in RCPT_FIELDS and lname not in SENDER_FIELDS:
        return line
    head, sep, value = line.partition(b":") if line[:1] not in (b" ", b"\t") \
        else (b"", b"", line)

    def repl(m):
        addr = m.group(1).decode()
        new = local.recipient(addr) if lname in RCPT_FIELDS \
            else local.sender(addr)
        return new.encode()
    return head + sep + BARE_NAME.sub(repl, value)


def expected_message(data, dot_ends, from_addr, from_name=None, local=None):
    """What must arrive for input data: ([header line: bytes or Pattern],
    body bytes or None when there is no blank line and no body)."""
    if dot_ends:
        data = cut_at_dot(data)
    fields, body, has_body = parse_header(data)
    header = []
    present = set()
    for name, lines in fields:
        present.add(name.lower())
        if name.lower() in (b"bcc", b"resent-bcc"):
            continue
        header += [rewrite_local(name, line, local) for line in lines]
    if b"from" not in present:
        if from_name:
            header.append(("From: %s <%s>" % (display_name(from_name),
                                              from_addr)).encode())
        else:
            header.append(b"From: " + from_addr.encode())
    if b"date" not in present:
        header.append(DATE)
    if b"message-id" not in present:
        header.append(MESSAGE_ID)
    if not has_body:
        return header, None
    return header, b"".join(t + b"\r\n" for t in body)


def visible(line):
    return (line.decode("utf-8", "backslashreplace")
            .replace("\r", "\\r").replace("\t", "\\t"))


def _split_delivered(eml):
    if eml.startswith(b"\r\n"):
        return [], eml[2:]
    end = eml.find(b"\r\n\r\n")
    if end < 0:
        head = eml[:-2] if eml.endswith(b"\r\n") else eml
        return head.split(b"\r\n"), None
    return eml[:end].split(b"\r\n"), eml[end + 4:]


def compare_message(eml, header, body):
    """Problems ([reason], [detail line]) between a delivered message and
    expected_message()'s (header, body). Generated lines match patterns."""
    reasons, details = [], []
    act_head, act_body = _split_delivered(eml)
    exp_show, act_show = [], []
    ok = len(act_head) == len(header)
    for i in range(max(len(act_head), len(header))):
        exp = header[i] if i < len(header) else None
        act = act_head[i] if i < len(act_head) else None
        if isinstance(exp, Pattern):
            if act is not None and exp.matches(act):
                act_show.append(exp.label)
            else:
                ok = False
                if act is not None:
                    act_show.append(visible(act))
            exp_show.append(exp.label)
        else:
            if exp is not None:
                exp_show.append(visible(exp))
            if act is not None:
                act_show.append(visible(act))
            if exp != act:
                ok = False
    if not ok:
        reasons.append("header differs")
        details += difflib.unified_diff(exp_show, act_show, "expected header",
                                        "delivered header", lineterm="", n=3)
    if body != act_body:
        if body is None or act_body is None:
            reasons.append("body %s" % ("missing" if act_body is None
                                        else "unexpected"))
        else:
            reasons.append("body differs")
            details += body_diff(body, act_body)
    return reasons, details


def body_diff(exp, act):
    if len(exp) + len(act) < 200000:
        e = [visible(l) for l in exp.split(b"\n")]
        a = [visible(l) for l in act.split(b"\n")]
        return list(difflib.unified_diff(e, a, "expected body",
                                         "delivered body", lineterm="",
                                         n=2))[:60]
    at = next((i for i in range(min(len(exp), len(act)))
               if exp[i] != act[i]), min(len(exp), len(act)))
    return ["expected %d bytes sha256 %s" % (len(exp), sha256(exp)),
            "delivered %d bytes sha256 %s" % (len(act), sha256(act)),
            "first difference at offset %d: expected %r, delivered %r"
            % (at, exp[max(0, at - 20):at + 20], act[max(0, at - 20):at + 20])]


def sha256(data):
    return hashlib.sha256(data).hexdigest()
