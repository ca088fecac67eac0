/* serve.h: sendmail -bs, SMTP on stdin and stdout. */

struct options;

/* Serves one session; each message is relayed before the final dot is answered. */
int serve(const struct options *);
