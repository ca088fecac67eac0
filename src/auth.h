/*
 * auth.h: SASL mechanisms for SMTP AUTH (RFC 4954), one table entry each.
 * Include conf.h first.
 */

#include <stddef.h>

struct auth {
	enum auth_mode mech;
	const char *user;
	const char *password;
	int step;		/* challenges answered */
	/* SCRAM: what the exchange needs to remember */
	char *client_first_bare;
	char nonce[33];
	unsigned char server_signature[64];
	size_t signature_len;
	int verified;		/* the server proved it knows the password */
	const char *fixed_nonce;	/* unit tests only: the RFC examples' */
};

#define AUTH_MAX_STEPS 4

/* The mechanism to use given the server's AUTH list; AUTH_OFF if none. */
enum auth_mode auth_choose(enum auth_mode wanted, const char *server_mechs);
const char *auth_name(enum auth_mode);

/* True if the mechanism sends first and finishes in one step (pipelinable). */
int auth_one_step(enum auth_mode);

/* The AUTH command line without CRLF; the caller wipes and frees it. */
char *auth_command(struct auth *);

/*
 * The response to a 334 challenge (its base64 text), or NULL with why set:
 * the challenge is not base64, or not what the mechanism expects. The
 * caller wipes and frees it.
 */
char *auth_respond(struct auth *, const char *challenge, size_t len,
    const char **why);

/* After 235: 0, or -1 with why set if the mechanism is not satisfied. */
int auth_done(const struct auth *, const char **why);

/* Wipes and frees what the exchange kept. */
void auth_clear(struct auth *);
