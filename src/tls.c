/*
 * tls.c: TLS with GnuTLS. Certificates are always verified, against the
 * system trust store or tls_trust_file, for the configured host name or
 * address; a failed check fails the handshake (fail closed). The trust
 * store is loaded only when TLS is used, never on plaintext runs, and on
 * a thread while the first round trips are on the wire: parsing the
 * system's 150 certificates takes some 18 ms.
 *
 * With tls_fingerprint the server's certificate must match one of the
 * pins instead, and nothing else of it is checked. A refused certificate
 * is described (cert.c) for the error message. A session may be resumed
 * from the data of an earlier one (tlscache.c keeps it); GnuTLS resumes
 * only what a verified full handshake set up.
 */

#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "cert.h"
#include "tls.h"

struct tls {
	gnutls_session_t session;
	gnutls_certificate_credentials_t cred;
	int last;	/* last GnuTLS error, for tls_error() */
	int up;		/* handshake done */
	int fd;
	int sealing;	/* collect records in sealed, don't write them */
	struct buf sealed;
	char name[256];	/* the name the certificate must match */
	char *pins;	/* tls_fingerprint, or NULL */
	int trust_later;	/* resuming: the trust store is not loaded */
	char *trust_file;	/* ... and where it is, NULL: the system's */
	char why[256];	/* why the certificate was refused, or "" */
	struct buf refusal;	/* the lines for tls_refusal() */
};

/*
 * GnuTLS hands its records to us: written at once during the handshake,
 * collected while tls_seal() runs.
 */
static ssize_t
push(gnutls_transport_ptr_t ptr, const giovec_t *iov, int n)
{
	struct tls *t = ptr;
	struct msghdr msg;
	ssize_t r = 0;

	if (t->sealing) {
		for (int i = 0; i < n; i++) {
			buf_add(&t->sealed, iov[i].iov_base, iov[i].iov_len);
			r += iov[i].iov_len;
		}
		return r;
	}
	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = (struct iovec *)(void *)iov;
	msg.msg_iovlen = n;
	if ((r = sendmsg(t->fd, &msg, MSG_NOSIGNAL)) == -1)
		gnutls_transport_set_errno(t->session, errno);
	return r;
}

struct tls_trust {
	char *file;		/* NULL: the system trust store */
	gnutls_certificate_credentials_t cred;
	int result;		/* certificates loaded, or a GnuTLS error */
	int threaded;
	pthread_t thread;
};

static void *
load_trust(void *arg)
{
	struct tls_trust *tt = arg;

	if ((tt->result = gnutls_certificate_allocate_credentials(&tt->cred)) < 0)
		return NULL;
	if (tt->file)
		tt->result = gnutls_certificate_set_x509_trust_file(tt->cred,
		    tt->file, GNUTLS_X509_FMT_PEM);
	else
		tt->result = gnutls_certificate_set_x509_system_trust(tt->cred);
	return NULL;
}

static struct tls_trust *
trust_new(const char *file)
{
	struct tls_trust *tt = xmalloc(sizeof(*tt));

	memset(tt, 0, sizeof(*tt));
	tt->file = file ? xstrdup(file) : NULL;
	return tt;
}

struct tls_trust *
tls_trust_start(const char *file)
{
	struct tls_trust *tt = trust_new(file);

	if (pthread_create(&tt->thread, NULL, load_trust, tt) == 0)
		tt->threaded = 1;
	else
		load_trust(tt);
	return tt;
}

static int
trust_wait(struct tls_trust *tt)
{
	if (tt->threaded)
		pthread_join(tt->thread, NULL);
	tt->threaded = 0;
	return tt->result;
}

void
tls_trust_free(struct tls_trust *tt)
{
	if (!tt)
		return;
	trust_wait(tt);
	if (tt->cred)
		gnutls_certificate_free_credentials(tt->cred);
	free(tt->file);
	free(tt);
}

static int
is_address(const char *name)
{
	unsigned char a[16];

	return inet_pton(AF_INET, name, a) == 1 ||
	    inet_pton(AF_INET6, name, a) == 1;
}

/* Why the certificate is refused, and what it is, for the message. */
static void
refuse(struct tls *t, const gnutls_datum_t *chain, unsigned n,
    const char *why)
{
	struct cert_digests d;
	char pin[64];

	snprintf(t->why, sizeof(t->why), "%s", why);
	buf_printf(&t->refusal, "  why: %s\n", why);
	if (n == 0)
		return;
	buf_printf(&t->refusal, "  the server's certificate (1 of %u sent):\n",
	    n);
	if (cert_describe(chain[0].data, chain[0].size, "    ",
	    &t->refusal) == -1 || cert_digests(chain[0].data, chain[0].size,
	    &d) == -1) {
		buf_addstr(&t->refusal, "    (does not parse)\n");
		return;
	}
	cert_spki_pin(&d, pin, sizeof(pin));
	buf_printf(&t->refusal, "  to trust this key alone, once you have "
	    "checked it is the relay's: tls_fingerprint = %s\n", pin);
}

/*
 * The server refused the session to resume and sent its certificate: the
 * trust store, as a full handshake loads it, into the session's own
 * credentials, before they check the certificate.
 */
static int
trust_now(struct tls *t)
{
	gnutls_x509_trust_list_t list;
	int r;

	t->trust_later = 0;
	if (gnutls_x509_trust_list_init(&list, 0) < 0)
		return -1;
	if (t->trust_file)
		r = gnutls_x509_trust_list_add_trust_file(list, t->trust_file,
		    NULL, GNUTLS_X509_FMT_PEM, GNUTLS_TL_USE_IN_TLS, 0);
	else
		r = gnutls_x509_trust_list_add_system_trust(list,
		    GNUTLS_TL_USE_IN_TLS, 0);
	if (r <= 0) {
		gnutls_x509_trust_list_deinit(list, 1);
		return -1;
	}
	gnutls_certificate_set_trust_list(t->cred, list, 0);	/* takes it */
	return 0;
}

/*
 * Called by GnuTLS with the server's chain, before the handshake goes
 * on: 0 accepts it. Pins replace the CA and host name checks.
 */
static int
verify_peer(gnutls_session_t session)
{
	struct tls *t = gnutls_session_get_ptr(session);
	const gnutls_datum_t *chain;
	struct cert_digests d;
	unsigned n = 0, status = 0;
	const char *why;
	int top_self_signed = 0;

	if (!(chain = gnutls_certificate_get_peers(session, &n)) || n == 0) {
		refuse(t, NULL, 0, "the server sent no certificate");
		return GNUTLS_E_CERTIFICATE_ERROR;
	}
	if (t->pins) {
		if (cert_digests(chain[0].data, chain[0].size, &d) == 0 &&
		    cert_pins_match(t->pins, &d, &why) == 1)
			return 0;
		refuse(t, chain, n, "the certificate matches no "
		    "tls_fingerprint");
		return GNUTLS_E_CERTIFICATE_ERROR;
	}
	if (t->trust_later && trust_now(t) == -1) {
		refuse(t, chain, n, t->trust_file ? "no certificates loaded "
		    "from tls_trust_file" : "cannot load the system trust store");
		return GNUTLS_E_CERTIFICATE_ERROR;
	}
	if (gnutls_certificate_verify_peers3(session, t->name, &status) < 0)
		status = GNUTLS_CERT_INVALID;
	if (status == 0)
		return 0;
	top_self_signed = cert_self_signed(chain[n - 1].data,
	    chain[n - 1].size);
	refuse(t, chain, n, cert_reason(status, (int)n, top_self_signed));
	return GNUTLS_E_CERTIFICATE_ERROR;
}

/* The client certificate, a file or a PKCS#11 URI GnuTLS can open. */
static int
client_cert(struct tls *t, const struct tls_params *p, char *err,
    size_t errlen)
{
	const char *key = p->key_file ? p->key_file : p->cert_file;
	int r = gnutls_certificate_set_x509_key_file2(t->cred, p->cert_file,
	    key, GNUTLS_X509_FMT_PEM, NULL, 0);

	if (r >= 0)
		return 0;
	snprintf(err, errlen, "tls_cert_file %s, tls_key_file %s: %s",
	    p->cert_file, key, gnutls_strerror(r));
	return -1;
}

struct tls *
tls_new(int fd, const struct tls_params *p, char *err, size_t errlen)
{
	struct tls *t = xmalloc(sizeof(*t));
	const char *errpos = NULL;
	int r;

	struct tls_trust *tt = p->trust;

	memset(t, 0, sizeof(*t));
	snprintf(t->name, sizeof(t->name), "%s", p->server_name);
	if (!tt && p->resume) {
		/*
		 * A resumed session sends no certificate: the trust store
		 * (18 ms of CPU for the system's) is loaded only if the
		 * server makes it a full handshake after all.
		 */
		if ((r = gnutls_certificate_allocate_credentials(&t->cred)) < 0)
			goto fail;
		t->trust_later = 1;
		t->trust_file = p->trust_file ? xstrdup(p->trust_file) : NULL;
		r = 1;
	} else {
		if (!tt)	/* nobody started it early: load it now */
			load_trust(tt = trust_new(p->trust_file));
		r = trust_wait(tt);
		t->cred = tt->cred;	/* the session owns them now */
		tt->cred = NULL;
		tls_trust_free(tt);
	}
	if (r <= 0) {
		if (p->trust_file)
			snprintf(err, errlen, "no certificates loaded from "
			    "tls_trust_file %s%s%s", p->trust_file,
			    r < 0 ? ": " : "", r < 0 ? gnutls_strerror(r) : "");
		else
			snprintf(err, errlen, "cannot load the system trust "
			    "store%s%s", r < 0 ? ": " : "",
			    r < 0 ? gnutls_strerror(r) : "");
		tls_free(t);
		return NULL;
	}
	if (p->cert_file && client_cert(t, p, err, errlen) == -1) {
		tls_free(t);
		return NULL;
	}
	t->pins = p->pins ? xstrdup(p->pins) : NULL;
	gnutls_certificate_set_verify_function(t->cred, verify_peer);
	if ((r = gnutls_init(&t->session, GNUTLS_CLIENT | GNUTLS_NONBLOCK)) < 0)
		goto fail;
	gnutls_session_set_ptr(t->session, t);
	if (p->priorities)
		r = gnutls_priority_set_direct(t->session, p->priorities,
		    &errpos);
	else
		r = gnutls_set_default_priority(t->session);
	if (r < 0) {
		snprintf(err, errlen, "tls_priorities: %s%s%s",
		    gnutls_strerror(r), errpos ? " at " : "",
		    errpos ? errpos : "");
		tls_free(t);
		return NULL;
	}
	if ((r = gnutls_credentials_set(t->session, GNUTLS_CRD_CERTIFICATE,
	    t->cred)) < 0)
		goto fail;
	/* SNI carries names only, never addresses (RFC 6066 3) */
	if (!is_address(p->server_name) && (r = gnutls_server_name_set(
	    t->session, GNUTLS_NAME_DNS, p->server_name,
	    strlen(p->server_name))) < 0)
		goto fail;
	/* refused data (a server's other key, say) means a full handshake */
	if (p->resume)
		gnutls_session_set_data(t->session, p->resume, p->resume_len);
	t->fd = fd;
	gnutls_transport_set_ptr2(t->session,
	    (gnutls_transport_ptr_t)(long)fd, t);
	gnutls_transport_set_vec_push_function(t->session, push);
	return t;
fail:
	snprintf(err, errlen, "TLS setup: %s", gnutls_strerror(r));
	tls_free(t);
	return NULL;
}

int
tls_handshake(struct tls *t, char *err, size_t errlen)
{
	int r = gnutls_handshake(t->session);

	if (r == GNUTLS_E_SUCCESS) {
		t->up = 1;
		return 0;
	}
	if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED ||
	    !gnutls_error_is_fatal(r))
		return gnutls_record_get_direction(t->session) ?
		    TLS_WANT_WRITE : TLS_WANT_READ;
	if (t->why[0]) {
		snprintf(err, errlen, "TLS certificate check failed for %s: "
		    "%s; nothing sent", t->name, t->why);
		return TLS_ERROR;
	}
	snprintf(err, errlen, "TLS handshake failed: %s", gnutls_strerror(r));
	return TLS_ERROR;
}

const char *
tls_describe(struct tls *t, char *buf, size_t len)
{
	char *desc = gnutls_session_get_desc(t->session);

	snprintf(buf, len, "%s", desc ? desc : "?");
	gnutls_free(desc);
	return buf;
}

const char *
tls_refusal(struct tls *t)
{
	return t->refusal.len ? t->refusal.data : "";
}

int
tls_resumed(struct tls *t)
{
	return t->up && gnutls_session_is_resumed(t->session);
}

int
tls_session_data(struct tls *t, struct buf *b)
{
	gnutls_datum_t d;

	if (!t->up)
		return -1;
	/* TLS 1.3: resumable only once a ticket came after the handshake */
	if (gnutls_protocol_get_version(t->session) == GNUTLS_TLS1_3 &&
	    !(gnutls_session_get_flags(t->session) &
	    GNUTLS_SFLAGS_SESSION_TICKET))
		return -1;
	if (gnutls_session_get_data2(t->session, &d) < 0)
		return -1;
	buf_add(b, d.data, d.size);
	gnutls_free(d.data);
	return 0;
}

void
tls_chain(struct tls *t, struct buf *b)
{
	unsigned n = 0;
	const gnutls_datum_t *chain = gnutls_certificate_get_peers(t->session,
	    &n);

	for (unsigned i = 0; chain && i < n; i++) {
		buf_printf(b, "certificate %u of %u%s:\n", i + 1, n,
		    i == 0 ? " (the server's)" : "");
		if (cert_describe(chain[i].data, chain[i].size, "  ", b) == -1)
			buf_addstr(b, "  (does not parse)\n");
	}
	if (n == 0)
		buf_addstr(b, "no certificates (a resumed session keeps none)\n");
}

static ssize_t
result(struct tls *t, ssize_t r)
{
	if (r >= 0)
		return r;
	if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED)
		return gnutls_record_get_direction(t->session) ?
		    TLS_WANT_WRITE : TLS_WANT_READ;
	t->last = r;
	return TLS_ERROR;
}

ssize_t
tls_read(struct tls *t, void *buf, size_t n)
{
	ssize_t r = gnutls_record_recv(t->session, buf, n);

	/* a server that closes without close_notify has still closed */
	if (r == GNUTLS_E_PREMATURE_TERMINATION)
		return 0;
	return result(t, r);
}

int
tls_seal(struct tls *t, const void *p, size_t n, const char **out,
    size_t *outlen)
{
	size_t done = 0;
	ssize_t r;

	t->sealed.len = 0;
	t->sealing = 1;
	while (done < n) {
		/* never blocks: push() only collects */
		if ((r = gnutls_record_send(t->session, (const char *)p + done,
		    n - done)) < 0) {
			t->sealing = 0;
			t->last = r;
			return TLS_ERROR;
		}
		done += r;
	}
	t->sealing = 0;
	*out = t->sealed.data;
	*outlen = t->sealed.len;
	return 0;
}

size_t
tls_pending(struct tls *t)
{
	return gnutls_record_check_pending(t->session);
}

const char *
tls_error(struct tls *t)
{
	return gnutls_strerror(t->last);
}

void
tls_free(struct tls *t)
{
	if (!t)
		return;
	if (t->session) {
		if (t->up)
			gnutls_bye(t->session, GNUTLS_SHUT_WR);
		gnutls_deinit(t->session);
	}
	if (t->cred)
		gnutls_certificate_free_credentials(t->cred);
	buf_free(&t->sealed);
	buf_free(&t->refusal);
	free(t->pins);
	free(t->trust_file);
	free(t);
}

int
tls_channel_binding(struct tls *t, const char **type, unsigned char *out,
    size_t *len)
{
	gnutls_channel_binding_t kind = GNUTLS_CB_TLS_EXPORTER;
	gnutls_datum_t cb = { NULL, 0 };
	int ok;

	*type = "tls-exporter";
	if (gnutls_protocol_get_version(t->session) != GNUTLS_TLS1_3) {
		if (!gnutls_session_ext_master_secret_status(t->session))
			return -1;
		kind = GNUTLS_CB_TLS_UNIQUE;
		*type = "tls-unique";
	}
	if (gnutls_session_channel_binding(t->session, kind, &cb) < 0)
		return -1;
	ok = cb.size > 0 && cb.size <= *len;
	if (ok) {
		memcpy(out, cb.data, cb.size);
		*len = cb.size;
	}
	gnutls_free(cb.data);
	return ok ? 0 : -1;
}
