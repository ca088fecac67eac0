/* auth.h: SASL mechanisms for SMTP AUTH (RFC 4954). */


struct auth {
	enum auth_mode mech;
	const char *user;
	const char *password;
	int step;		/* challenges answered */
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
 * The response to a 334 challenge (base64 text), or NULL when the
 * mechanism has nothing more to say. Caller wipes and frees it.
 */
char *auth_respond(struct auth *, const char *challenge, size_t len);
