/* tls.h: a GnuTLS client session over a connected non-blocking socket. */

#include <stddef.h>
#include <sys/types.h>

struct buf;

struct tls;
struct tls_trust;

struct tls_params {
	const char *server_name;	/* checked against the certificate */
	const char *trust_file;		/* NULL: the system trust store */
	const char *priorities;		/* NULL: GnuTLS defaults */
	struct tls_trust *trust;	/* loading already, or NULL */
	const char *pins;		/* tls_fingerprint: replaces CA trust */
	const char *cert_file;		/* client certificate, or NULL */
	const char *key_file;		/* its key; NULL: in cert_file */
	const void *resume;		/* a session of before, or NULL */
	size_t resume_len;
};

/*
 * Starts loading the trust store (NULL file: the system's) in the
 * background, so that it is ready when the handshake needs it.
 */
struct tls_trust *tls_trust_start(const char *file);
void tls_trust_free(struct tls_trust *);

/* Results of the stepping calls below, besides byte counts. */
#define TLS_WANT_READ	(-2)
#define TLS_WANT_WRITE	(-3)
#define TLS_ERROR	(-1)

/* Takes p->trust, if any, whether it succeeds or not. */
struct tls *tls_new(int fd, const struct tls_params *p, char *err, size_t);

/* 0 when done, TLS_WANT_* to be called again, TLS_ERROR with err set. */
int tls_handshake(struct tls *, char *err, size_t);

/* A description of the session for -v. */
const char *tls_describe(struct tls *, char *buf, size_t);

/*
 * When the certificate was refused: lines saying why and what it is, and
 * the tls_fingerprint line that would pin it; "" otherwise.
 */
const char *tls_refusal(struct tls *);

/* 1 if the handshake resumed the session given in resume. */
int tls_resumed(struct tls *);

/* The session, to resume it next time: 0 and its data appended, or -1. */
int tls_session_data(struct tls *, struct buf *);

/* Appends a description of each certificate the server sent. */
void tls_chain(struct tls *, struct buf *);

ssize_t tls_read(struct tls *, void *, size_t);
/*
 * Encrypts n bytes into TLS records kept in a buffer (*out, *outlen) for
 * the caller to write to the socket as one run, instead of one write per
 * 16 KiB record. 0, or TLS_ERROR.
 */
int tls_seal(struct tls *, const void *, size_t n, const char **out,
    size_t *outlen);
size_t tls_pending(struct tls *);
const char *tls_error(struct tls *);
void tls_free(struct tls *);

/*
 * The channel binding of the session for SCRAM-PLUS: "tls-exporter" on
 * TLS 1.3 (RFC 9266), "tls-unique" below it, and only with the extended
 * master secret (RFC 7627) that makes it unique. Up to *len octets into
 * out; 0, or -1 if the session gives none.
 */
int tls_channel_binding(struct tls *, const char **type, unsigned char *out,
    size_t *len);
