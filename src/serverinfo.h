/* serverinfo.h: --serverinfo, what a relay offers, without sending. */

struct options;

/* Connects to the account's relay and shows what it offers. */
enum fail serverinfo(const struct options *);
