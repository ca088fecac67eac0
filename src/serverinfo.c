/*
 * serverinfo.c: --serverinfo [account]: the session smtpsend would open
 * with the account's relay, shown as the server answered: the greeting,
 * EHLO before and after TLS, the TLS session and certificates (with the
 * pins tls_fingerprint takes), the AUTH mechanisms and the one auth = on
 * picks, the SIZE limit. No message and no credential is sent: the
 * session runs with auth off, and the password is never read.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util.h"
#include "conf.h"
#include "auth.h"
#include "smtp.h"
#include "submit.h"
#include "serverinfo.h"

/* Text from the server or a certificate, with controls escaped. */
static void
show(const char *indent, const struct buf *b)
{
	const unsigned char *p = (const unsigned char *)(b->data ? b->data : "");
	int bol = 1;

	for (size_t i = 0; i < b->len; i++) {
		if (bol)
			fputs(indent, stdout);
		bol = p[i] == '\n';
		if (p[i] == '\n' || (p[i] >= 0x20 && p[i] != 0x7f))
			putchar(p[i]);
		else
			printf("\\x%02x", p[i]);
	}
	if (!bol)
		putchar('\n');
}

/* The mechanisms of an EHLO reply's AUTH line, space separated. */
static char *
mechanisms(const struct buf *ehlo)
{
	const char *p = ehlo->data ? ehlo->data : "";
	struct buf m = { 0 };

	while (*p) {
		size_t n = strcspn(p, "\n");

		/* "250-AUTH PLAIN LOGIN", or the old "250-AUTH=PLAIN" */
		if (n > 9 && !strncasecmp(p + 4, "AUTH", 4) &&
		    (p[8] == ' ' || p[8] == '='))
			buf_printf(&m, "%s%.*s", m.len ? " " : "", (int)(n - 9),
			    p + 9);
		p += n + (p[n] == '\n');
	}
	buf_add(&m, "", 1);
	return m.data;
}

static const char *
size_of(const struct buf *ehlo, char *out, size_t len)
{
	const char *p = ehlo->data ? ehlo->data : "";

	snprintf(out, len, "none announced");
	while (*p) {
		size_t n = strcspn(p, "\n");

		if (n >= 8 && !strncasecmp(p + 4, "SIZE", 4) && (n == 8 ||
		    p[8] == ' ')) {
			long long v = n > 9 ? strtoll(p + 9, NULL, 10) : 0;

			if (v > 0)
				snprintf(out, len, "%lld bytes", v);
			else
				snprintf(out, len, "SIZE without a limit");
		}
		p += n + (p[n] == '\n');
	}
	return out;
}

enum fail
serverinfo(const struct options *o)
{
	struct config *conf = conf_read(o->config ? o->config :
	    conf_default_path());
	struct account *a = conf_account(conf, o->account, NULL);
	struct smtp_info info;
	struct smtp_result res;
	struct envelope none;
	struct relay r;
	struct smtp *s;
	const struct buf *last;
	char size[64], *mechs;
	enum auth_mode pick;
	enum fail f;

	memset(&info, 0, sizeof(info));
	account_relay(a, &r);
	r.auth = AUTH_OFF;		/* never a credential */
	r.tls_cache_dir = NULL;		/* a full handshake shows the chain */
	r.info = &info;
	s = smtp_open(&r, NULL, &res);
	smtp_close(s);

	printf("account: [%s] in %s\n", a->name, a->file);
	printf("relay: %s port %s, tls = %s\n", a->host, a->port,
	    a->tls == TLS_IMPLICIT ? "tls" : a->tls == TLS_STARTTLS ?
	    "starttls" : "none");
	if (info.tls[0] && a->tls == TLS_IMPLICIT)
		printf("TLS: %s\n", info.tls);
	if (info.greeting.len) {
		printf("greeting:\n");
		show("  ", &info.greeting);
	}
	if (info.ehlo[0].len) {
		printf("EHLO%s:\n", a->tls == TLS_STARTTLS ? " before TLS" : "");
		show("  ", &info.ehlo[0]);
	}
	if (info.tls[0] && a->tls != TLS_IMPLICIT)
		printf("TLS: %s\n", info.tls);
	if (info.chain.len) {
		printf("certificates%s:\n", a->tls_fingerprint ?
		    " (checked against tls_fingerprint)" : "");
		show("  ", &info.chain);
	}
	if (info.ehlo[1].len && a->tls == TLS_STARTTLS) {
		printf("EHLO after TLS:\n");
		show("  ", &info.ehlo[1]);
	}
	last = info.ehlo[1].len ? &info.ehlo[1] : &info.ehlo[0];
	/* what is offered before TLS is not what smtpsend would get */
	if (last->len && (a->tls == TLS_NONE || info.tls[0])) {
		mechs = mechanisms(last);
		pick = auth_choose(AUTH_AUTO, mechs, info.binding);
		printf("AUTH mechanisms: %s\n", *mechs ? mechs : "none offered");
		printf("auth = on would use: %s\n", pick == AUTH_OFF ? "none "
		    "(no mechanism smtpsend has)" : auth_name(pick));
		printf("SIZE: %s\n", size_of(last, size, sizeof(size)));
		free(mechs);
	}
	fflush(stdout);
	f = res.fail;
	memset(&none, 0, sizeof(none));
	report(&none, &res, a);
	smtp_result_free(&res);
	smtp_info_free(&info);
	conf_free(conf);
	return f;
}
