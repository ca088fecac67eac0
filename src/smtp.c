/*
 * smtp.c: the SMTP client (RFC 5321) as one state machine.
 *
 * Each state sends its command and handles its reply; set_state() is the
 * only way to change state, and -v traces every change. With PIPELINING
 * (RFC 2920) commands are queued on a list of pending replies and answered
 * in order by collect(): AUTH PLAIN + MAIL + every RCPT + DATA go out as one
 * flight, the final dot and QUIT as the next. With CHUNKING (RFC 3030) the
 * message goes out as BDAT chunks in the same flight as the envelope.
 *
 * Replies are parsed strictly (reply.c); anything malformed ends the
 * session as a protocol error.
 */

#include <sys/socket.h>

#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "util.h"
#include "conf.h"
#include "auth.h"
#include "net.h"
#include "reply.h"
#include "smtp.h"
#include "tls.h"
#include "tlscache.h"
#include "wire.h"

#define QUIT_TIMEOUT	2	/* never wait long for the 221 */
#define BDAT_HEAD	32	/* room for "BDAT <size> LAST\r\n" */
#define MIN_ROOM	4096	/* encode no less than this into a buffer */
#define BDAT_DRAIN	16	/* chunks between looks at the replies */
#define QUIT_ROOM	(sizeof("QUIT\r\n") - 1)
#define CHUNK_ROOM	(BDAT_HEAD + MIN_ROOM + QUIT_ROOM)

enum state {
	S_CONNECT, S_TLS, S_GREETING, S_EHLO, S_HELO, S_STARTTLS, S_AUTH,
	S_READY, S_MAIL, S_RCPT, S_DATA, S_BODY, S_BDAT, S_RSET, S_QUIT,
	S_CLOSED, S_NSTATES
};

static const char *const state_names[S_NSTATES] = {
	"CONNECT", "TLS", "GREETING", "EHLO", "HELO", "STARTTLS", "AUTH",
	"READY", "MAIL", "RCPT", "DATA", "BODY", "BDAT", "RSET", "QUIT",
	"CLOSED",
};

enum {
	CAP_PIPELINING = 1 << 0,
	CAP_STARTTLS = 1 << 1,
	CAP_8BITMIME = 1 << 2,
	CAP_SIZE = 1 << 3,
	CAP_CHUNKING = 1 << 4,
	CAP_SMTPUTF8 = 1 << 5,
	CAP_DSN = 1 << 6,
	CAP_AUTH = 1 << 7,
};

/* A reply kept for later: code and its text on one line. */
struct answer {
	int code;
	char *text;
};

/* A command whose reply is still to come. */
struct pending {
	enum state cmd;
	size_t arg;
	int last;		/* BDAT: the LAST chunk */
};

/* One message: what was asked, and the replies so far. */
struct txn {
	const struct envelope *env;
	struct source *src;
	const struct policy *policy;
	int last;		/* QUIT follows this message */
	struct answer auth, mail, data, final, bdat_failed;
	struct answer *rcpt;
	size_t accepted, deferred, rejected;
	size_t last_rcpt;	/* pending index of the last RCPT */
	struct wire wire;
	const char *in;		/* source bytes not yet encoded */
	size_t inlen;
	int body_done;
	unsigned long long octets;
};

struct smtp {
	enum state state;
	const struct relay *relay;
	const char *password;
	struct smtp_result *res;
	struct smtp_result setup;	/* the session's own, until a message */
	struct conn conn;
	int connected;
	int drop;		/* the connection is unusable: no QUIT */
	unsigned caps;
	long long size_limit;
	char *mechs;		/* offered SASL mechanisms, space separated */
	struct tls_trust *trust;	/* loading while we connect */
	struct buf resume;		/* the TLS session to resume, if any */
	long long verified;		/* when its certificate was checked */
	struct buf tls_key;	/* the TLS session cache's key */
	int auth_deferred;	/* AUTH goes with the first MAIL */
	struct auth auth;
	struct reply reply;
	struct pending *pend;
	size_t npend, pendcap, pendoff;
	struct txn t;
};

static void
set_state(struct smtp *s, enum state next)
{
	if (s->state != next)
		trace("-- %s -> %s", state_names[s->state], state_names[next]);
	s->state = next;
}

static void
note_failure(struct smtp *s, enum fail f, const char *fmt, va_list ap)
{
	if (s->res->fail == FAIL_NONE) {
		s->res->fail = f;
		/* no greeting in time: as good as no connection */
		s->res->unreachable = s->conn.timed_out && (s->state ==
		    S_GREETING || (s->state == S_TLS &&
		    s->relay->tls == TLS_IMPLICIT)) ? 2 : 0;
		vsnprintf(s->res->msg, sizeof(s->res->msg), fmt, ap);
	}
}

/*
 * Ends the session with a failure. The first failure is the one reported.
 * drop: the connection can't carry a QUIT (closed, broken, mid-message).
 */
static void
fail(struct smtp *s, enum fail f, int drop, const char *fmt, ...)
{
	va_list ap;

	if (drop)
		s->drop = 1;
	va_start(ap, fmt);
	note_failure(s, f, fmt, ap);
	va_end(ap);
	s->res->session_over = 1;
	set_state(s, s->drop ? S_CLOSED : S_QUIT);
}

/*
 * Ends the message, not the session: a transaction the server opened is
 * reset (RSET), then the session is ready for the next message.
 */
static void
txn_fail(struct smtp *s, enum fail f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	note_failure(s, f, fmt, ap);
	va_end(ap);
	set_state(s, s->t.mail.code / 100 == 2 && !s->t.final.code ? S_RSET :
	    S_READY);
}

static void
keep(struct answer *a, const struct reply *r)
{
	free(a->text);
	a->code = r->code;
	a->text = reply_line(r);
}

static void
forget(struct answer *a)
{
	free(a->text);
	a->text = NULL;
	a->code = 0;
}

static void
cmd(struct smtp *s, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line) - 2) {
		/* what goes into commands is checked long before: a bug */
		fail(s, FAIL_OS, 0, "internal error: command too long");
		return;
	}
	trace("-> %s", line);
	memcpy(line + n, "\r\n", 2);
	conn_put(&s->conn, line, n + 2);
}

/* A command carrying a secret: traced without it, then wiped. */
static void
secret_cmd(struct smtp *s, char *line, const char *shown)
{
	trace("-> %s", shown);
	conn_put_secret(&s->conn, line, strlen(line));
	conn_put(&s->conn, "\r\n", 2);
	wipestr(line);
	free(line);
}

static void
expect(struct smtp *s, enum state cmd, size_t arg, int last)
{
	if (s->npend == s->pendcap) {
		s->pendcap = s->pendcap ? s->pendcap * 2 : 16;
		s->pend = xrealloc(s->pend, s->pendcap * sizeof(*s->pend));
	}
	s->pend[s->npend].cmd = cmd;
	s->pend[s->npend].arg = arg;
	s->pend[s->npend].last = last;
	s->npend++;
}

/* Reads one reply; 421, anywhere, means the server is going away. */
static int
read_reply(struct smtp *s, int timeout)
{
	char why[256], *l;
	enum fail f;

	s->conn.timeout = timeout;
	if (reply_read(&s->conn, &s->reply, &f, why, sizeof(why)) == -1) {
		fail(s, f, 1, "%s", why);
		return -1;
	}
	if (s->reply.code != 421)
		return 0;
	l = reply_line(&s->reply);
	fail(s, FAIL_TEMP, 1, "server closing the connection: %s", l);
	free(l);
	return -1;
}

/* Flushes what waits to be sent, and reads one reply. */
static int
wait_reply(struct smtp *s, int timeout)
{
	if (conn_flush(&s->conn) == -1) {
		fail(s, FAIL_TEMP, 1, "%s", s->conn.err);
		return -1;
	}
	return read_reply(s, timeout);
}

static enum fail
class_of(int code)
{
	return code >= 400 && code < 500 ? FAIL_TEMP : FAIL_PERM;
}

/* --serverinfo: a reply as the server sent it, code by code. */
static void
info_reply(struct smtp *s, struct buf *b)
{
	const char *p = s->reply.text.data ? s->reply.text.data : "";

	if (!s->relay->info)
		return;
	b->len = 0;
	do {
		size_t n = strcspn(p, "\n");

		buf_printf(b, "%d%c%.*s\n", s->reply.code, p[n] ? '-' : ' ',
		    (int)n, p);
		p += n;
	} while (*p++ == '\n');
}

static void
info_tls(struct smtp *s)
{
	struct smtp_info *i = s->relay->info;

	if (!i)
		return;
	tls_describe(s->conn.tls, i->tls, sizeof(i->tls));
	i->resumed = tls_resumed(s->conn.tls);
	tls_chain(s->conn.tls, &i->chain);
	{
		unsigned char cb[64];
		size_t len = sizeof(cb);
		const char *type;

		i->binding = tls_channel_binding(s->conn.tls, &type, cb,
		    &len) == 0;
	}
}

void
smtp_info_free(struct smtp_info *i)
{
	buf_free(&i->greeting);
	buf_free(&i->ehlo[0]);
	buf_free(&i->ehlo[1]);
	buf_free(&i->chain);
}

static void
greeting(struct smtp *s)
{
	char *l;

	if (wait_reply(s, s->relay->timeout.greeting) == -1)
		return;
	if (s->relay->info)
		info_reply(s, &s->relay->info->greeting);
	if (s->reply.code == 220) {
		set_state(s, S_EHLO);
		return;
	}
	l = reply_line(&s->reply);
	fail(s, class_of(s->reply.code), 0, "server refused the session: %s",
	    l);
	free(l);
}

static void
add_mechs(struct smtp *s, const char *p, size_t n)
{
	size_t old = s->mechs ? strlen(s->mechs) : 0;

	s->mechs = xrealloc(s->mechs, old + n + 2);
	if (old)
		s->mechs[old++] = ' ';
	memcpy(s->mechs + old, p, n);
	s->mechs[old + n] = '\0';
}

/* The EHLO reply: one extension per line after the first. */
static void
parse_caps(struct smtp *s)
{
	static const struct { const char *name; unsigned cap; } ext[] = {
		{ "PIPELINING", CAP_PIPELINING }, { "STARTTLS", CAP_STARTTLS },
		{ "8BITMIME", CAP_8BITMIME }, { "SIZE", CAP_SIZE },
		{ "CHUNKING", CAP_CHUNKING }, { "SMTPUTF8", CAP_SMTPUTF8 },
		{ "DSN", CAP_DSN }, { "AUTH", CAP_AUTH },
	};
	const char *p = s->reply.text.data;

	s->caps = 0;
	s->size_limit = 0;
	free(s->mechs);
	s->mechs = NULL;
	p += strcspn(p, "\n");
	while (*p == '\n') {
		const char *line = ++p;
		size_t n = strcspn(line, "\n"), kw = strcspn(line, " =\n");

		p += n;
		for (size_t i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
			if (kw != strlen(ext[i].name) ||
			    strncasecmp(line, ext[i].name, kw))
				continue;
			s->caps |= ext[i].cap;
			if (ext[i].cap == CAP_SIZE && line[kw] == ' ')
				s->size_limit = strtoll(line + kw + 1, NULL, 10);
			/* "AUTH mechs" and the old "AUTH=mechs" */
			if (ext[i].cap == CAP_AUTH && n > kw + 1)
				add_mechs(s, line + kw + 1, n - kw - 1);
		}
	}
	if (!s->mechs)
		s->mechs = xstrdup("");
}

static void
after_hello(struct smtp *s)
{
	const struct relay *a = s->relay;

	if (a->tls == TLS_STARTTLS && !s->conn.tls) {
		if (s->caps & CAP_STARTTLS)
			set_state(s, S_STARTTLS);
		else
			fail(s, FAIL_TEMP, 0, "%s does not offer STARTTLS and "
			    "tls = starttls: not sending without TLS", a->host);
		return;
	}
	set_state(s, a->auth == AUTH_OFF ? S_READY : S_AUTH);
}

static void
ehlo(struct smtp *s)
{
	char *l;

	cmd(s, "EHLO %s", s->relay->ehlo_name);
	if (wait_reply(s, s->relay->timeout.command) == -1)
		return;
	if (s->relay->info)
		info_reply(s, &s->relay->info->ehlo[!!s->conn.tls]);
	if (s->reply.code == 250) {
		parse_caps(s);
		after_hello(s);
		return;
	}
	if ((s->reply.code == 500 || s->reply.code == 502) && !s->conn.tls) {
		set_state(s, S_HELO);
		return;
	}
	l = reply_line(&s->reply);
	fail(s, class_of(s->reply.code), 0, "EHLO rejected: %s", l);
	free(l);
}

static void
helo(struct smtp *s)
{
	char *l;

	cmd(s, "HELO %s", s->relay->ehlo_name);
	if (wait_reply(s, s->relay->timeout.command) == -1)
		return;
	if (s->reply.code == 250) {
		s->caps = 0;
		free(s->mechs);
		s->mechs = xstrdup("");
		after_hello(s);
		return;
	}
	l = reply_line(&s->reply);
	fail(s, class_of(s->reply.code), 0, "HELO rejected: %s", l);
	free(l);
}

static void
starttls(struct smtp *s)
{
	char *l;

	cmd(s, "STARTTLS");
	if (wait_reply(s, s->relay->timeout.command) == -1)
		return;
	if (s->reply.code != 220) {
		l = reply_line(&s->reply);
		fail(s, FAIL_TEMP, 0, "STARTTLS refused: %s", l);
		free(l);
		return;
	}
	/* anything already here was sent before TLS: an injection attempt */
	if (conn_has_input(&s->conn)) {
		fail(s, FAIL_PROTO, 1, "protocol error: server sent data after "
		    "its STARTTLS reply (response injection); not continuing");
		return;
	}
	set_state(s, S_TLS);
}

/*
 * "TLSv1.3/AES_256_GCM" from GnuTLS's description of the session,
 * "(TLS1.3-X.509)-(ECDHE-X25519)-(RSA-PSS-RSAE-SHA256)-(AES-256-GCM)":
 * the version from the first part, the cipher from the last.
 */
static void
tls_summary(const char *desc, char *out, size_t len)
{
	const char *v = desc + (*desc == '('), *c = strrchr(desc, '(');
	struct buf b = { 0 };
	size_t n;

	if (c && c != desc && !strncmp(v, "TLS", 3)) {
		buf_printf(&b, "TLSv%.*s/", (int)strcspn(v + 3, "-)"), v + 3);
		for (c++; *c && *c != ')'; c++)
			buf_add(&b, *c == '-' ? "_" : c, 1);
	} else {
		buf_addstr(&b, desc);
	}
	n = b.len < len ? b.len : len - 1;
	memcpy(out, b.data, n);
	out[n] = '\0';
	buf_free(&b);
}

static void
tls_params_of(const struct relay *a, struct tls_params *p)
{
	memset(p, 0, sizeof(*p));
	p->server_name = a->tls_server_name ? a->tls_server_name : a->host;
	p->trust_file = a->tls_trust_file;
	p->priorities = a->tls_priorities;
	p->pins = a->tls_fingerprint;
	p->cert_file = a->tls_cert_file;
	p->key_file = a->tls_key_file;
}

static void
handshake(struct smtp *s)
{
	const struct relay *a = s->relay;
	struct tls_params p;
	char desc[256];

	tls_params_of(a, &p);
	p.trust = s->trust;
	s->trust = NULL;	/* the session takes it */
	if (s->resume.len) {
		p.resume = s->resume.data;
		p.resume_len = s->resume.len;
	}
	s->conn.timeout = a->timeout.command;
	if (conn_starttls(&s->conn, &p) == -1) {
		if (s->res->fail == FAIL_NONE && s->conn.tls)
			snprintf(s->res->detail, sizeof(s->res->detail), "%s",
			    tls_refusal(s->conn.tls));
		fail(s, FAIL_TEMP, 1, "%s", s->conn.err);
	} else {
		trace("-- TLS: %s%s", tls_describe(s->conn.tls, desc,
		    sizeof(desc)), tls_resumed(s->conn.tls) ? ", resumed" :
		    p.resume ? ", not resumed (full handshake)" : "");
		info_tls(s);
		tls_summary(desc, s->res->tls, sizeof(s->res->tls));
		/* what the server said before TLS may have been forged */
		s->caps = 0;
		set_state(s, a->tls == TLS_IMPLICIT ? S_GREETING : S_EHLO);
	}
}

/* A session that ends well is kept, to be resumed next time. */
static void
keep_tls_session(struct smtp *s)
{
	struct buf session = { 0 };

	if (!s->conn.tls || !s->relay->tls_cache_dir || s->conn.failed ||
	    tls_session_data(s->conn.tls, &session) == -1)
		return;
	/* a resumed session checked no certificate: its time stays */
	tlscache_put(s->relay->tls_cache_dir, &s->tls_key, session.data,
	    session.len, tls_resumed(s->conn.tls) ? s->verified :
	    (long long)time(NULL));
	wipe(session.data, session.cap);
	buf_free(&session);
}

static void
send_auth(struct smtp *s)
{
	char *line = auth_command(&s->auth);
	enum auth_mode m = s->auth.mech;
	char shown[40];

	/* the initial responses that carry the password or the token */
	snprintf(shown, sizeof(shown), "AUTH %s%s", auth_name(m),
	    strlen(line) > 5 + strlen(auth_name(m)) && (m == AUTH_PLAIN ||
	    m == AUTH_XOAUTH2 || m == AUTH_OAUTHBEARER) ? " <redacted>" : "");
	secret_cmd(s, line, shown);
}

/*
 * The outcome of AUTH; 0 if accepted, else -1 after fail(). drop: the
 * server is reading a pipelined message, so a QUIT would be part of it.
 */
static int
auth_outcome(struct smtp *s, const struct answer *a, int drop)
{
	const char *hint = auth_hint(a->code, a->text);
	const char *said = s->auth.error;

	if (a->code == 235)
		return 0;
	if (a->code >= 400 && a->code < 500)
		fail(s, FAIL_TEMP, drop, "authentication failed for now (AUTH %s): "
		    "%s", auth_name(s->auth.mech), a->text);
	else
		fail(s, FAIL_AUTH, drop, "authentication rejected (AUTH %s): %s%s%s%s"
		    "%s%s", auth_name(s->auth.mech), a->text,
		    *said ? " [" : "", said, *said ? "]" : "",
		    hint ? "; " : "", hint ? hint : "");
	return -1;
}

/* No mechanism to use: say what the server offers and what to set. */
static void
no_mechanism(struct smtp *s)
{
	const struct relay *a = s->relay;
	char known[256], name[32];
	enum auth_mode first;

	auth_known(s->mechs, known, sizeof(known));
	snprintf(name, sizeof(name), "%.*s", (int)strcspn(known, " "), known);
	first = auth_mode_of(name);
	if (auth_choose(a->auth, s->mechs, 1) != AUTH_OFF)
		fail(s, FAIL_PERM, 0, "AUTH %s needs a TLS channel binding, and "
		    "this session has none (no TLS, or TLS 1.2 without the "
		    "extended master secret); set auth = scram-sha-256",
		    auth_name(auth_choose(a->auth, s->mechs, 1)));
	else if (a->auth == AUTH_EXTERNAL)
		/* the certificate is all there is: no password to suggest */
		fail(s, FAIL_PERM, 0, "no usable AUTH mechanism: %s offers %s, "
		    "not EXTERNAL; if it checks the client certificate during "
		    "TLS, set auth = off", a->host, *s->mechs ? s->mechs : "none");
	else if (*known)
		fail(s, FAIL_PERM, 0, "no usable AUTH mechanism: %s offers %s "
		    "(auth = %s)%s; set auth = %s%s", a->host, s->mechs,
		    auth_config_name(a->auth), a->auth == AUTH_AUTO ? ", and "
		    "auth = on never picks OAuth or EXTERNAL" : "",
		    auth_config_name(first), first == AUTH_XOAUTH2 ||
		    first == AUTH_OAUTHBEARER ? " with an OAuth2 access token "
		    "as the password" : "");
	else
		fail(s, FAIL_PERM, 0, "no usable AUTH mechanism: %s offers %s, "
		    "none of which smtpsend knows", a->host,
		    *s->mechs ? s->mechs : "none");
}

static void
authenticate(struct smtp *s)
{
	const struct relay *a = s->relay;
	struct answer ans = { 0 };
	const char *why;
	int binding = 0;

	if (!(s->caps & CAP_AUTH)) {
		fail(s, FAIL_PERM, 0, "%s does not offer AUTH", a->host);
		return;
	}
	if (s->conn.tls) {
		s->auth.cb_len = sizeof(s->auth.cb_data);
		binding = tls_channel_binding(s->conn.tls, &s->auth.cb_type,
		    s->auth.cb_data, &s->auth.cb_len) == 0;
		if (!binding) {
			s->auth.cb_type = NULL;
			s->auth.cb_len = 0;
		}
	}
	s->auth.mech = auth_choose(a->auth, s->mechs, binding);
	if (s->auth.mech == AUTH_OFF) {
		no_mechanism(s);
		return;
	}
	if (!s->conn.tls && !(a->plaintext_auth_loopback && s->conn.loopback)) {
		fail(s, FAIL_CONFIG, 0, "not sending credentials over an "
		    "unencrypted connection to %s", a->host);
		return;
	}
	s->auth.user = a->user;
	s->auth.password = s->password;
	s->auth.host = a->tls_server_name ? a->tls_server_name : a->host;
	s->auth.port = a->port;
	if (auth_one_step(s->auth.mech) && (s->caps & CAP_PIPELINING) &&
	    a->pipelining) {
		s->auth_deferred = 1;	/* RFC 4954 4: may go with MAIL */
		set_state(s, S_READY);
		return;
	}
	send_auth(s);
	for (;;) {
		char *resp;

		if (wait_reply(s, a->timeout.command) == -1)
			return;
		if (s->reply.code != 334)
			break;
		resp = auth_respond(&s->auth, s->reply.text.data,
		    s->reply.text.len, &why);
		if (!resp) {
			cmd(s, "*");	/* cancel: nothing more to say */
			if (wait_reply(s, a->timeout.command) == -1)
				return;
			fail(s, FAIL_PROTO, 0, "protocol error: %s (AUTH %s)",
			    why, auth_name(s->auth.mech));
			return;
		}
		secret_cmd(s, resp, "<redacted>");
	}
	keep(&ans, &s->reply);
	if (auth_outcome(s, &ans, 0) == 0) {
		/* SCRAM: the server must have proved itself too */
		if (auth_done(&s->auth, &why) == -1)
			fail(s, FAIL_PROTO, 0, "protocol error: %s", why);
		else
			set_state(s, S_READY);
	}
	auth_clear(&s->auth);
	forget(&ans);
}

static void mail(struct smtp *);
static void rcpt(struct smtp *);
static void data(struct smtp *);
static void body(struct smtp *);
static void bdat(struct smtp *);
static void rset(struct smtp *);

/* Runs the machine until it reaches state until, or the session ends. */
static void
run(struct smtp *s, enum state until)
{
	while (s->state != until && s->state != S_QUIT &&
	    s->state != S_CLOSED) {
		switch (s->state) {
		case S_TLS:		handshake(s); break;
		case S_GREETING:	greeting(s); break;
		case S_EHLO:		ehlo(s); break;
		case S_HELO:		helo(s); break;
		case S_STARTTLS:	starttls(s); break;
		case S_AUTH:		authenticate(s); break;
		case S_MAIL:		mail(s); break;
		case S_RCPT:		rcpt(s); break;
		case S_DATA:		data(s); break;
		case S_BODY:		body(s); break;
		case S_BDAT:		bdat(s); break;
		case S_RSET:		rset(s); break;
		case S_CONNECT:
		case S_READY:
		case S_QUIT:
		case S_CLOSED:
		case S_NSTATES:
			fail(s, FAIL_OS, 1, "internal error: no way on from "
			    "state %s", state_names[s->state]);
		}
	}
}

/* The numeric address of the peer, for the log; "" if it has none. */
static void
peer_address(int fd, char *out, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	*out = '\0';
	if (getpeername(fd, (struct sockaddr *)&ss, &sl) == 0 &&
	    (ss.ss_family == AF_INET || ss.ss_family == AF_INET6) &&
	    getnameinfo((struct sockaddr *)&ss, sl, out, len, NULL, 0,
	    NI_NUMERICHOST) != 0)
		*out = '\0';
}

/* Connects to the relay, or takes the socket fd if not -1. */
static struct smtp *
start(const struct relay *a, const char *password, int fd,
    struct smtp_result *res)
{
	struct smtp *s = xmalloc(sizeof(*s));
	int r;

	memset(s, 0, sizeof(*s));
	memset(res, 0, sizeof(*res));
	res->relay = a->host;
	res->port = a->port;
	s->relay = a;
	s->password = password;
	s->res = res;
	s->state = S_CONNECT;
	if (a->tls != TLS_NONE && a->tls_cache_dir) {
		struct tls_params p;

		/* the ticket first: with one, the trust store waits (tls.c) */
		tls_params_of(a, &p);
		tlscache_key(&s->tls_key, a->host, a->port,
		    a->tls == TLS_IMPLICIT, &p);
		tlscache_take(a->tls_cache_dir, &s->tls_key, &s->resume,
		    &s->verified);
	}
	if (a->tls != TLS_NONE && !s->resume.len)
		s->trust = tls_trust_start(a->tls_trust_file);
	if (fd == -1)
		r = conn_open(&s->conn, a->host, a->port, a->timeout.connect,
		    a->timeout_session);
	else
		r = conn_attach(&s->conn, fd, a->timeout.connect,
		    a->timeout_session);
	if (r == -1) {
		if (fd != -1)
			close(fd);
		fail(s, FAIL_TEMP, 1, "%s", s->conn.err);
		if (s->conn.resolved && !s->conn.timed_out)
			res->unreachable = 1;
	} else {
		s->connected = 1;
		peer_address(s->conn.fd, res->addr, sizeof(res->addr));
		trace("-- connected to %s port %s", a->host, a->port);
		set_state(s, a->tls == TLS_IMPLICIT ? S_TLS : S_GREETING);
		run(s, S_READY);
	}
	if (s->auth.mech != AUTH_OFF)
		res->auth = auth_name(s->auth.mech);
	/* from now on the session keeps its own, for messages to come */
	s->setup = *res;
	s->res = &s->setup;
	return s;
}

struct smtp *
smtp_open(const struct relay *a, const char *password,
    struct smtp_result *res)
{
	return start(a, password, -1, res);
}

struct smtp *
smtp_open_fd(const struct relay *a, const char *password, int fd,
    struct smtp_result *res)
{
	return start(a, password, fd, res);
}

/* An answer as the caller gets it: code, enhanced code, one-line text. */
static void
hand_over(struct smtp_reply *out, const struct answer *a)
{
	out->code = a->code;
	free(out->text);
	out->text = a->text ? xstrdup(a->text) : NULL;
	reply_enhanced(a->text, out->enhanced, sizeof(out->enhanced));
}

/* Handles the reply for the oldest pending command. */
static void
on_reply(struct smtp *s, const struct pending *p)
{
	struct txn *t = &s->t;
	const struct reply *r = &s->reply;

	switch (p->cmd) {
	case S_AUTH:
		keep(&t->auth, r);
		break;
	case S_MAIL:
		keep(&t->mail, r);
		break;
	case S_RCPT:
		keep(&t->rcpt[p->arg], r);
		if (r->code / 100 == 2)
			t->accepted++;
		else if (r->code / 100 == 4)
			t->deferred++;
		else
			t->rejected++;
		break;
	case S_DATA:
		keep(&t->data, r);
		break;
	case S_BDAT:
		if (r->code != 250 && !t->bdat_failed.code)
			keep(&t->bdat_failed, r);
		if (p->last)
			keep(&t->final, r);
		break;
	case S_BODY:
		keep(&t->final, r);
		break;
	case S_RSET:
		/* a refused RSET leaves a transaction we can't trust */
		if (r->code != 250)
			fail(s, FAIL_PROTO, 0, "protocol error: RSET answered "
			    "%d", r->code);
		break;
	default:
		break;
	}
}

static int
timeout_for(const struct smtp *s, const struct pending *p)
{
	const struct timeouts *to = &s->relay->timeout;

	switch (p->cmd) {
	case S_DATA:	return to->data_init;
	case S_BDAT:	return p->last ? to->data_end : to->data_block;
	case S_BODY:	return to->data_end;
	case S_QUIT:	return QUIT_TIMEOUT;
	default:	return to->command;
	}
}

/*
 * Reads the replies to pending commands, oldest first, up to and including
 * the one at index upto (or all). Returns -1 after fail().
 */
static int
collect_upto(struct smtp *s, size_t upto)
{
	if (conn_flush(&s->conn) == -1) {
		fail(s, FAIL_TEMP, 1, "%s", s->conn.err);
		return -1;
	}
	while (s->pendoff < s->npend && s->pendoff <= upto) {
		const struct pending *p = &s->pend[s->pendoff++];

		if (p->cmd == S_QUIT) {
			/* the outcome is known; the 221 is a courtesy */
			char why[256];
			enum fail f;

			s->conn.timeout = QUIT_TIMEOUT;
			reply_read(&s->conn, &s->reply, &f, why, sizeof(why));
			s->drop = 1;
			continue;
		}
		if (read_reply(s, timeout_for(s, p)) == -1)
			return -1;
		on_reply(s, p);
	}
	return s->state == S_QUIT || s->state == S_CLOSED ? -1 : 0;
}

static int
collect(struct smtp *s)
{
	return collect_upto(s, (size_t)-1);
}

/* Reads replies that have already arrived, without waiting. */
static int
collect_ready(struct smtp *s)
{
	while (s->pendoff < s->npend && s->pend[s->pendoff].cmd != S_QUIT &&
	    conn_wait_input(&s->conn, 0))
		if (collect_upto(s, s->pendoff) == -1)
			return -1;
	return 0;
}

static int
pipelining(const struct smtp *s)
{
	return (s->caps & CAP_PIPELINING) && s->relay->pipelining;
}

static void
send_mail(struct smtp *s)
{
	const struct envelope *e = s->t.env;
	struct buf params = { 0 };
	int dsn = (s->caps & CAP_DSN) != 0;

	buf_add(&params, "", 0);
	if ((s->caps & CAP_SIZE) && e->size >= 0)
		buf_printf(&params, " SIZE=%lld", e->size);
	if ((s->caps & CAP_8BITMIME) && (e->body == 8 ||
	    (e->body == 0 && e->eight_bit != 0)))
		buf_addstr(&params, " BODY=8BITMIME");
	else if ((s->caps & CAP_8BITMIME) && e->body == 7)
		buf_addstr(&params, " BODY=7BIT");
	else if (e->eight_bit == 1)
		trace("-- note: 8-bit message, server lacks 8BITMIME");
	if (e->utf8)
		buf_addstr(&params, " SMTPUTF8");
	if (dsn && e->ret)
		buf_printf(&params, " RET=%s", e->ret);
	if (dsn && e->envid)
		buf_printf(&params, " ENVID=%s", e->envid);
	cmd(s, "MAIL FROM:<%s>%s", e->from, params.data);
	buf_free(&params);
	expect(s, S_MAIL, 0, 0);
}

static void
send_rcpt(struct smtp *s, size_t i)
{
	const struct envelope *e = s->t.env;

	if (e->notify && (s->caps & CAP_DSN))
		cmd(s, "RCPT TO:<%s> NOTIFY=%s", e->rcpt[i], e->notify);
	else
		cmd(s, "RCPT TO:<%s>", e->rcpt[i]);
	s->t.last_rcpt = s->npend;
	expect(s, S_RCPT, i, 0);
}

/*
 * After the sender's reply (and a pipelined AUTH's): go on (0), or end
 * the message or the session (-1). in_data: the server is reading the
 * message, so the connection can only be closed.
 */
static int
sender_outcome(struct smtp *s, int in_data)
{
	struct txn *t = &s->t;

	if (t->auth.code == 334) {
		/*
		 * A challenge after the whole response: the server took the
		 * commands that went with AUTH for SASL answers, so their
		 * replies are not theirs. If it still asks, cancel.
		 */
		if (!in_data && s->reply.code == 334) {
			cmd(s, "*");
			if (wait_reply(s, s->relay->timeout.command) == -1)
				return -1;
		}
		fail(s, FAIL_PROTO, in_data, "protocol error: unexpected AUTH "
		    "challenge (AUTH %s)", auth_name(s->auth.mech));
		return -1;
	}
	if (t->auth.code && auth_outcome(s, &t->auth, in_data) == -1)
		return -1;
	if (t->mail.code / 100 != 2) {
		if (in_data)
			fail(s, class_of(t->mail.code), 1, "MAIL FROM:<%s> "
			    "rejected: %s", t->env->from, t->mail.text);
		else
			txn_fail(s, class_of(t->mail.code), "MAIL FROM:<%s> "
			    "rejected: %s", t->env->from, t->mail.text);
		return -1;
	}
	return 0;
}

/*
 * After every recipient's reply: go on with the message (0), or end it
 * (-1). Any deferred recipient defers the whole message, so that a retry
 * reaches nobody twice; a rejected one fails it under all_or_nothing.
 */
static int
envelope_outcome(struct smtp *s, int in_data)
{
	struct txn *t = &s->t;
	enum fail f;

	if (sender_outcome(s, in_data) == -1)
		return -1;
	if (t->deferred && (!t->policy->deliver_partial || t->accepted == 0))
		f = FAIL_TEMP;
	else if (t->accepted == 0 || (t->rejected && t->policy->all_or_nothing))
		f = FAIL_RCPT;
	else
		return 0;
	if (in_data)
		fail(s, f, 1, "%s", "");
	else
		txn_fail(s, f, "%s", "");
	return -1;
}

/* The reply to the end of the message decides. */
static void
final_outcome(struct smtp *s, const struct answer *a)
{
	struct txn *t = &s->t;

	s->res->code = a->code;
	if (a->code / 100 != 2) {
		txn_fail(s, class_of(a->code), "message not accepted: %s",
		    a->text);
		return;
	}
	trace("-- accepted: %s", a->text);
	/* delivered to those accepted; the others' state says the rest */
	if (t->deferred)
		s->res->fail = FAIL_TEMP;
	else if (t->rejected)
		s->res->fail = FAIL_RCPT;
	set_state(s, S_READY);
}

/*
 * Encodes message bytes into dst until it is nearly full or the message
 * ends. Returns the number of bytes written.
 */
static size_t
encode_some(struct smtp *s, char *dst, size_t room)
{
	struct txn *t = &s->t;
	size_t used = 0;

	while (!t->body_done && room - used >= MIN_ROOM) {
		size_t take;

		if (t->inlen == 0) {
			t->inlen = t->src->next(t->src->ctx, &t->in);
			if (t->inlen == 0 && t->src->error != FAIL_NONE) {
				/* never end a message that was not all read */
				fail(s, t->src->error, 1, "%s",
				    t->src->error_msg);
				return 0;
			}
			if (t->inlen == 0) {
				used += wire_finish(&t->wire, dst + used);
				t->body_done = 1;
				break;
			}
		}
		take = (room - used - 2) / 2;
		if (take > t->inlen)
			take = t->inlen;
		used += wire_encode(&t->wire, t->in, take, dst + used);
		t->in += take;
		t->inlen -= take;
		if (t->wire.ended) {
			t->body_done = 1;
			t->inlen = 0;
		}
		if (t->wire.long_line && !t->policy->long_lines_send) {
			/* dropped before its end, the message is not sent */
			fail(s, FAIL_DATA, 1, "line %lu of the message is longer "
			    "than %d octets; not sent (see long_lines in "
			    "sendmail.ini(5))", t->wire.long_line,
			    WIRE_MAX_LINE);
			return 0;
		}
	}
	t->octets += used;
	return used;
}

/* MAIL, with a deferred AUTH before it; checks that need no round trip. */
static void
mail(struct smtp *s)
{
	const struct envelope *e = s->t.env;
	const struct relay *r = s->relay;

	if ((e->notify || e->ret || e->envid) && !(s->caps & CAP_DSN)) {
		if (s->t.policy->dsn_required) {
			txn_fail(s, FAIL_PERM, "%s does not offer DSN, and dsn = "
			    "required", r->host);
			return;
		}
		s->res->dsn_dropped = 1;
	}
	/* RFC 6531: without SMTPUTF8 the server would mangle the message */
	if (e->utf8 && !(s->caps & CAP_SMTPUTF8)) {
		txn_fail(s, FAIL_PERM, "the message has a non-ASCII address or "
		    "header, and %s does not offer SMTPUTF8", r->host);
		return;
	}
	if ((s->caps & CAP_SIZE) && s->size_limit > 0 && e->size > s->size_limit) {
		txn_fail(s, FAIL_PERM, "message of %lld octets exceeds the "
		    "server's limit of %lld", e->size, s->size_limit);
		return;
	}
	if (s->auth_deferred) {
		s->auth_deferred = 0;
		send_auth(s);
		expect(s, S_AUTH, 0, 0);
	}
	send_mail(s);
	if (!pipelining(s) && (collect(s) == -1 || sender_outcome(s, 0) == -1))
		return;
	set_state(s, S_RCPT);
}

/* Every RCPT: in one flight with PIPELINING, else one at a time. */
static void
rcpt(struct smtp *s)
{
	struct txn *t = &s->t;
	int chunking = pipelining(s) && (s->caps & CAP_CHUNKING) &&
	    s->relay->chunking;

	for (size_t i = 0; i < t->env->nrcpt && s->state == S_RCPT; i++) {
		send_rcpt(s, i);
		if (!pipelining(s) && collect(s) == -1)
			return;
		if (!pipelining(s) && t->deferred && !t->policy->deliver_partial)
			break;	/* the message waits anyway */
	}
	if (s->state != S_RCPT)
		return;
	if (chunking) {
		set_state(s, S_BDAT);
		return;
	}
	if (!pipelining(s) && envelope_outcome(s, 0) == -1)
		return;
	set_state(s, S_DATA);
}

/* DATA; with PIPELINING, this reads the whole envelope's replies too. */
static void
data(struct smtp *s)
{
	struct txn *t = &s->t;

	cmd(s, "DATA");
	expect(s, S_DATA, 0, 0);
	if (collect(s) == -1 || envelope_outcome(s, t->data.code == 354) == -1)
		return;
	if (t->data.code != 354) {
		txn_fail(s, class_of(t->data.code), "DATA rejected: %s",
		    t->data.text);
		return;
	}
	set_state(s, S_BODY);
}

/* The message, dot-stuffed, and its end (with QUIT, if it is the last). */
static void
body(struct smtp *s)
{
	struct conn *c = &s->conn;
	struct txn *t = &s->t;

	wire_init(&t->wire, 1, t->src->stop_at_dot);
	while (!t->body_done && !c->failed && s->state == S_BODY) {
		char *dst = conn_space(c, MIN_ROOM * 2);

		conn_commit(c, encode_some(s, dst, NET_OUT_SIZE - c->outlen));
	}
	if (s->state != S_BODY)
		return;
	trace("-> (message: %llu octets)", t->octets);
	cmd(s, ".");
	expect(s, S_BODY, 0, 0);
	if (t->last && pipelining(s)) {
		cmd(s, "QUIT");
		expect(s, S_QUIT, 0, 0);
	}
	if (collect(s) == -1)
		return;
	final_outcome(s, &t->final);
}

/*
 * BDAT: a chunk is encoded in place after room for its command, which is
 * put in front of it once its size is known; commands still buffered
 * (MAIL, RCPT) are moved up to join it, so a flight is one write.
 */
static void
send_chunks(struct smtp *s)
{
	struct conn *c = &s->conn;
	struct txn *t = &s->t;
	int quit_too = t->last && s->relay->pipelining;
	size_t last_rcpt = t->last_rcpt;
	unsigned long chunks = 0;

	wire_init(&t->wire, 0, t->src->stop_at_dot);
	while (s->state == S_BDAT) {
		char head[BDAT_HEAD];
		size_t data_off, n, start;
		int hl;

		/* the envelope may have filled the buffer: a chunk needs room
		 * for its head, MIN_ROOM of data and QUIT after it */
		if (NET_OUT_SIZE - c->outlen < CHUNK_ROOM &&
		    conn_flush(c) == -1) {
			fail(s, FAIL_TEMP, 1, "%s", c->err);
			return;
		}
		data_off = c->outlen + BDAT_HEAD;
		n = encode_some(s, c->out + data_off,
		    NET_OUT_SIZE - data_off - QUIT_ROOM);
		if (s->state != S_BDAT)
			return;
		if (n == 0 && !t->body_done) {
			/* never "BDAT 0" but as the LAST chunk (RFC 3030) */
			fail(s, FAIL_OS, 1, "internal error: empty BDAT chunk");
			return;
		}
		/* several recipients: hold LAST until all have answered */
		if (t->body_done && t->env->nrcpt > 1 && last_rcpt != (size_t)-1) {
			/* in a BDAT transaction only RSET can follow a refusal,
			 * and no chunk has gone yet: a failure here is clean */
			if (collect_upto(s, last_rcpt) == -1 ||
			    envelope_outcome(s, 0) == -1)
				return;
			last_rcpt = (size_t)-1;
		}
		hl = snprintf(head, sizeof(head), "BDAT %zu%s", n,
		    t->body_done ? " LAST" : "");
		trace("-> %s", head);
		memcpy(head + hl, "\r\n", 2);
		hl += 2;
		start = data_off - hl - c->outlen;
		memmove(c->out + start, c->out, c->outlen);
		memcpy(c->out + data_off - hl, head, hl);
		c->outlen = data_off + n;
		expect(s, S_BDAT, 0, t->body_done);
		if (t->body_done && quit_too) {
			cmd(s, "QUIT");
			expect(s, S_QUIT, 0, 0);
		}
		if (conn_flush_from(c, start) == -1) {
			fail(s, FAIL_TEMP, 1, "%s", c->err);
			return;
		}
		if (t->body_done)
			break;
		/* now and then, read the replies that have come, to stop
		 * early if the server gave up (not after every chunk: that
		 * cost a poll and a read per 128 KiB) */
		if (++chunks % BDAT_DRAIN == 0 && collect_ready(s) == -1)
			return;
		if (t->bdat_failed.code || (t->mail.code && t->mail.code / 100 != 2))
			break;	/* the server has given up on this message */
	}
}

/* The message in BDAT chunks, pipelined with the envelope. */
static void
bdat(struct smtp *s)
{
	struct txn *t = &s->t;

	send_chunks(s);
	if (s->state != S_BDAT || collect(s) == -1 ||
	    envelope_outcome(s, 0) == -1)
		return;
	/* a refused chunk fails the transaction, whatever LAST got */
	if (t->bdat_failed.code)
		final_outcome(s, &t->bdat_failed);
	else if (t->final.code)
		final_outcome(s, &t->final);
	else
		txn_fail(s, FAIL_TEMP, "message not sent: the server gave up "
		    "on it");
}

/*
 * Resets a transaction that failed. Before QUIT, the reply is read with
 * QUIT's; else now, so that it is never taken for the next MAIL's.
 */
static void
rset(struct smtp *s)
{
	cmd(s, "RSET");
	expect(s, S_RSET, 0, 0);
	if ((!s->t.last || !pipelining(s)) && collect(s) == -1)
		return;
	set_state(s, S_READY);
}

/* What the transaction leaves for the caller: each recipient's reply. */
static void
hand_over_results(struct smtp *s)
{
	struct txn *t = &s->t;
	struct smtp_result *r = s->res;

	r->nrcpt = t->env->nrcpt;
	r->rcpt = xmalloc(r->nrcpt * sizeof(*r->rcpt));
	memset(r->rcpt, 0, r->nrcpt * sizeof(*r->rcpt));
	for (size_t i = 0; i < t->env->nrcpt; i++) {
		const struct answer *a = &t->rcpt[i];

		hand_over(&r->rcpt[i].reply, a);
		r->rcpt[i].state = a->code == 0 ? RCPT_UNTRIED :
		    a->code / 100 == 2 ? RCPT_ACCEPTED :
		    a->code / 100 == 4 ? RCPT_DEFERRED : RCPT_REJECTED;
	}
	r->accepted = t->accepted;
	r->deferred = t->deferred;
	r->rejected = t->rejected;
	/* the reply that decided: a refused chunk's, else the last one's */
	if (t->bdat_failed.code)
		hand_over(&r->final, &t->bdat_failed);
	else if (t->final.code)
		hand_over(&r->final, &t->final);
}

static void
txn_free(struct txn *t)
{
	forget(&t->auth);
	forget(&t->mail);
	forget(&t->data);
	forget(&t->final);
	forget(&t->bdat_failed);
	if (t->rcpt)
		for (size_t i = 0; i < t->env->nrcpt; i++)
			forget(&t->rcpt[i]);
	free(t->rcpt);
	memset(t, 0, sizeof(*t));
}

/* Ends the session politely, unless the connection can't carry it. */
static void
quit(struct smtp *s)
{
	if (s->connected && !s->drop && s->state != S_CLOSED) {
		if (!pipelining(s))
			collect(s);
		if (s->state != S_CLOSED && !s->drop) {
			set_state(s, S_QUIT);
			cmd(s, "QUIT");
			expect(s, S_QUIT, 0, 0);
			collect(s);
		}
	}
	set_state(s, S_CLOSED);
}

enum fail
smtp_send(struct smtp *s, const struct envelope *e, struct source *src,
    const struct policy *p, int last, struct smtp_result *res)
{
	struct txn *t = &s->t;

	memset(res, 0, sizeof(*res));
	res->relay = s->relay->host;
	res->port = s->setup.port;
	res->auth = s->setup.auth;
	memcpy(res->addr, s->setup.addr, sizeof(res->addr));
	memcpy(res->tls, s->setup.tls, sizeof(res->tls));
	if (s->state != S_READY) {
		/* the session failed before: say so for this message too */
		res->fail = s->setup.fail != FAIL_NONE ? s->setup.fail :
		    FAIL_TEMP;
		snprintf(res->msg, sizeof(res->msg), "%s", s->setup.msg[0] ?
		    s->setup.msg : "the session with the relay has ended");
		res->session_over = 1;
		res->unreachable = s->setup.unreachable;
		return res->fail;
	}
	s->res = res;
	s->npend = s->pendoff = 0;	/* every reply of before has been read */
	memset(t, 0, sizeof(*t));
	t->env = e;
	t->src = src;
	t->policy = p;
	t->last = last;
	t->last_rcpt = (size_t)-1;
	t->rcpt = xmalloc(e->nrcpt * sizeof(*t->rcpt));
	memset(t->rcpt, 0, e->nrcpt * sizeof(*t->rcpt));

	set_state(s, S_MAIL);
	run(s, S_READY);
	hand_over_results(s);
	res->octets = t->octets;
	txn_free(t);
	if (s->state != S_READY || last)
		quit(s);
	/* a later message on a session that ended learns why */
	if (res->session_over) {
		s->setup.fail = res->fail;
		snprintf(s->setup.msg, sizeof(s->setup.msg), "%s", res->msg);
	}
	s->res = &s->setup;
	return res->fail;
}

void
smtp_result_free(struct smtp_result *r)
{
	for (size_t i = 0; r->rcpt && i < r->nrcpt; i++)
		free(r->rcpt[i].reply.text);
	free(r->rcpt);
	free(r->final.text);
	r->rcpt = NULL;
	r->final.text = NULL;
	r->nrcpt = 0;
}

void
smtp_close(struct smtp *s)
{
	if (!s)
		return;
	if (s->state != S_CLOSED)
		quit(s);
	keep_tls_session(s);
	buf_free(&s->tls_key);
	wipe(s->resume.data, s->resume.cap);
	buf_free(&s->resume);
	conn_close(&s->conn);
	auth_clear(&s->auth);
	tls_trust_free(s->trust);
	buf_free(&s->reply.text);
	free(s->mechs);
	free(s->pend);
	free(s);
}
