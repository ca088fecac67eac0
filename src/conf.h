/* conf.h: sendmail.ini, read with libinih: accounts and their settings. */

#include <limits.h>

#include <stddef.h>

#define CONF_MAX_SECRET	65536	/* an OAuth token can be long */

enum tls_mode { TLS_STARTTLS, TLS_IMPLICIT, TLS_NONE };
enum auth_mode { AUTH_OFF, AUTH_AUTO, AUTH_PLAIN, AUTH_LOGIN, AUTH_CRAM_MD5,
    AUTH_SCRAM_SHA_1, AUTH_SCRAM_SHA_256, AUTH_SCRAM_SHA_1_PLUS,
    AUTH_SCRAM_SHA_256_PLUS, AUTH_XOAUTH2, AUTH_OAUTHBEARER, AUTH_EXTERNAL };

/* Phase timeouts in seconds; RFC 5321 4.5.3.2 values by default. */
struct timeouts {
	int connect, greeting, command, data_init, data_block, data_end;
};

struct account {
	char *name;
	char *host;
	char *port;
	enum tls_mode tls;
	char *tls_trust_file;	/* NULL: the system trust store */
	char *tls_server_name;	/* NULL: host */
	char *tls_priorities;	/* NULL: GnuTLS defaults */
	char *tls_fingerprint;	/* pins that replace CA trust, or NULL */
	char *tls_cert_file;	/* client certificate, or NULL */
	char *tls_key_file;	/* its key; NULL: in tls_cert_file */
	int tls_resume;		/* keep sessions to resume next time */
	char *tls_cache_dir;	/* where, NULL: nowhere (no HOME) */
	enum auth_mode auth;
	char *user;
	char *password;
	char *password_file;
	char *password_command;
	int plaintext_auth_loopback;
	char *from;
	char *ehlo_name;
	int pipelining;
	int chunking;
	char *aliases;		/* aliases(5) file for local names */
	char *admin_addr;	/* where other local names' mail goes */
	char *qualify_domain;	/* NULL: the domain of from */
	int long_lines_send;	/* send lines over 998 octets as they are */
	int dsn_required;	/* no DSN at the server: don't send */
	struct timeouts timeout;
	int timeout_session;	/* the whole session, from connect to close */
	int timeout_password_command;	/* password_command may take this long */
	int queue;		/* keep what can't go now, and try again */
	char *queue_dir;	/* NULL: no place for a queue (no HOME) */
	int retry_min;		/* seconds before the first retry, doubling */
	int retry_max;		/* ... up to this */
	int queue_lifetime;	/* seconds a message may wait, then bounces */
	int syslog;		/* -1 off, 0 on with log_facility, or a facility */
	int log_facility;	/* syslog(3)'s LOG_MAIL and the like */
	char *logfile;		/* a line per outcome appended here, or NULL */
	int log_json;		/* log_format = json */
	char queue_dir_default[PATH_MAX];
	char tls_cache_dir_default[PATH_MAX];
	const char *file;	/* where the account was read from */
};

struct config;

/* The file to read when -C is not given. */
const char *conf_default_path(void);

/*
 * Reads and checks a whole file; dies with FAIL_CONFIG naming file:line.
 * The file must be a regular file, the user's or root's, and writable by
 * no one else; one holding a password must also be private.
 */
struct config *conf_read(const char *path);

/*
 * The parser behind conf_read, for tests and the fuzzer: the file's text.
 * Returns NULL and the message in *error (malloc'd) instead of dying.
 */
struct config *conf_parse(const char *path, const char *text, size_t len,
    char **error);

/*
 * The account to use: the one named, else the first whose from matches
 * the envelope sender, else the default. Dies with FAIL_CONFIG when there is
 * none or it is incomplete.
 */
struct account *conf_account(struct config *, const char *name,
    const char *sender);

/*
 * conf_account, returning NULL and the message in *error (malloc'd)
 * instead of dying. Each call frees the account the one before returned.
 */
struct account *conf_pick(struct config *, const char *name,
    const char *sender, char **error);

/*
 * The account called name, as conf_pick() builds it, even when it is
 * incomplete: then *why (malloc'd) says what it lacks, else NULL.
 */
struct account *conf_build(struct config *, const char *name, char **why);

/* --check-config: told each problem, with its line (0: the whole file). */
typedef void conf_report_fn(void *ctx, unsigned long line, const char *what);

/*
 * conf_read, going on past problems: each is told to report(), and what
 * is valid is kept. NULL if the file could not be read at all.
 */
struct config *conf_read_all(const char *path, conf_report_fn *report,
    void *ctx);

/* The i-th setting in file order: 0 past the last. */
struct conf_item {
	const char *section, *key, *value;
	unsigned long line;
};
int conf_item(const struct config *, size_t i, struct conf_item *);

/* The line of [name] (read by conf_read_all), or of its first setting. */
unsigned long conf_section_line(const struct config *, const char *name);

/*
 * Whether smtpsend may take orders from a file so owned and mode'd (and,
 * with secret, keep a secret in it): NULL, or the problem (malloc'd),
 * starting with subject ("the password file is ").
 */
struct stat;
char *conf_file_problem(const struct stat *, const char *subject, int secret);

/* The name of the i-th account in file order, or NULL past the last. */
const char *conf_account_name(const struct config *, size_t i);

/*
 * The password from password, password_file (its first line) or
 * password_command (the first line it prints, within
 * timeout_password_command), in a buffer of its own length: wipe and
 * free it. Dies with FAIL_CONFIG when there is none or it is too long.
 */
char *conf_password(const struct account *);

/*
 * Die (FAIL_CONFIG) unless the file is the user's or root's and writable by
 * no one else; and, for conf_check_private, readable by no one else but
 * the group smtpsend. subject and what name the file in the message.
 */
void conf_check_trusted(const struct stat *, const char *path,
    const char *subject);
void conf_check_private(const struct stat *, const char *path,
    const char *what);

/* Whether the account's auth needs a password (or token) at all. */
int conf_needs_secret(const struct account *);

void conf_free(struct config *);
