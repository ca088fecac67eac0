/*
 * tls.c: TLS with GnuTLS. Certificates are always verified, against the
 * system trust store or tls_trust_file, for the configured host name or
 * address; a failed check fails the handshake (fail closed). The trust
 * store is loaded only when TLS is used, never on plaintext runs, and on
 * a thread while the first round trips are on the wire: parsing the
 * system's 150 certificates takes some 18 ms.
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

#include "tls.h"
#include "util.h"

struct tls {
	gnutls_session_t session;
	gnutls_certificate_credentials_t cred;
	int last;	/* last GnuTLS error, for tls_error() */
	int up;		/* handshake done */
	int fd;
	int sealing;	/* collect records in sealed, don't write them */
	struct buf sealed;
	char name[256];	/* the name the certificate must match */
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

struct tls *
tls_new(int fd, const struct tls_params *p, char *err, size_t errlen)
{
	struct tls *t = xmalloc(sizeof(*t));
	const char *errpos = NULL;
	int r;

	struct tls_trust *tt = p->trust;

	memset(t, 0, sizeof(*t));
	snprintf(t->name, sizeof(t->name), "%s", p->server_name);
	if (!tt)	/* nobody started it early: load it now */
		load_trust(tt = trust_new(p->trust_file));
	r = trust_wait(tt);
	t->cred = tt->cred;	/* the session owns them now */
	tt->cred = NULL;
	tls_trust_free(tt);
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
	if ((r = gnutls_init(&t->session, GNUTLS_CLIENT | GNUTLS_NONBLOCK)) < 0)
		goto fail;
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
	gnutls_session_set_verify_cert(t->session, p->server_name, 0);
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
	gnutls_datum_t why;
	unsigned status;
	int r = gnutls_handshake(t->session);

	if (r == GNUTLS_E_SUCCESS) {
		t->up = 1;
		return 0;
	}
	if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED ||
	    !gnutls_error_is_fatal(r))
		return gnutls_record_get_direction(t->session) ?
		    TLS_WANT_WRITE : TLS_WANT_READ;
	if (r == GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR) {
		status = gnutls_session_get_verify_cert_status(t->session);
		if (gnutls_certificate_verification_status_print(status,
		    GNUTLS_CRT_X509, &why, 0) == 0) {
			size_t n = strlen((char *)why.data);

			while (n > 0 && why.data[n - 1] == ' ')
				why.data[--n] = '\0';
			snprintf(err, errlen, "TLS certificate check failed for "
			    "%s: %s", t->name, why.data);
			gnutls_free(why.data);
			return TLS_ERROR;
		}
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
