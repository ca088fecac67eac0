/* msg.h: the message from stdin: header checks, -t, rewriting, the body. */

#include <stddef.h>
#include <stdio.h>
#include <time.h>


struct addrlist;

struct field {
	size_t off, len;	/* the whole field in message.hdr, CRLF ends */
	size_t namelen;
	int removed;
	size_t out_off, out_len;	/* the field as sent, in message.out */
	int rewritten;		/* an address in it was replaced */
};

struct message {
	int fd;
	int stop_at_dot;	/* without -i a "." line ends the message */

	char *buf;		/* read-ahead: the header, then the body */
	size_t cap, len, off;
	int eof;

	struct buf hdr;		/* the header fields, CRLF line ends */
	struct field *fields;
	size_t nfields, fieldcap;
	struct buf out;		/* the header as sent, after msg_rewrite() */
	size_t added_off, added_end;	/* the fields msg_rewrite() added */
	int has_body;		/* a blank line or body follows the header */
	int ended;		/* a "." line ended the message in the header */
	int out_sent;

	long long body_offset;	/* where the body starts in fd, -1: a pipe */
	FILE *copy;		/* a pipe's body as handed out, to queue it */
	int body_out;		/* some of the body has been handed out */

	long long deadline;	/* reading may not go past this (ms), 0: none */
	int deadline_limit;	/* seconds, for the message */
	enum fail error;	/* while sending: why reading stopped */
	char error_msg[256];

	long long size;		/* estimated size for SIZE=, or -1 */
	int eight_bit;		/* 1: has 8-bit bytes, 0: 7-bit, -1: unknown */
	int header_8bit;	/* the header has non-ASCII bytes */
};

#define MSG_MAX_HEADER (1024 * 1024)

void msg_open(struct message *, int fd, int stop_at_dot);

/* Reads and checks the header; dies with FAIL_DATA or FAIL_IO. */
void msg_read_header(struct message *);

/*
 * -t: the recipients named by To/Cc/Bcc, or by the newest Resent- block.
 * -1 with why set if a field does not parse.
 */
int msg_recipients(struct message *, struct addrlist *, char *why, size_t);

struct rewrite {
	const char *from_addr;	/* for a missing From: */
	const char *from_name;	/* -F, or NULL */
	const char *id_domain;	/* right side of a generated Message-ID */
	time_t now;
	/*
	 * Called for each address in To, Cc (recipient) and From, Sender,
	 * Reply-To (sender), and their Resent- forms: a replacement
	 * (malloc'd), or NULL to keep the address. May be NULL.
	 */
	char *(*address)(void *ctx, const char *spec, int recipient);
	void *ctx;
};

/*
 * Drops Bcc and Resent-Bcc; rewrites addresses; adds From, Date and
 * Message-ID when missing.
 */
void msg_rewrite(struct message *, const struct rewrite *);

/*
 * From now on, reading the message may not wait past at_ms (now_ms()
 * time): the rest of it is read during the session, whose time is limited.
 * And a read error or timeout no longer exits: msg_next() ends the message
 * early with error set, for the session to give it up.
 */
void msg_set_deadline(struct message *, long long at_ms, int seconds);

/* Sets size and eight_bit as far as known before sending. */
void msg_estimate(struct message *);

/*
 * The message as sent, piece by piece: the rewritten header, then the body
 * as read. Sets *data and returns its length; 0 at the end, or with error
 * set after msg_set_deadline() (before it, a read error exits).
 */
size_t msg_next(struct message *, const char **data);

/*
 * Keeps what msg_next() hands out of the body, when the input can't be
 * read again (a pipe), so that msg_write_body() can still give it all.
 */
void msg_keep_copy(struct message *);

/*
 * The whole body, from its first byte, as read (not yet CRLF), to put():
 * read again from the file, or the copy and then the rest of the input.
 * -1 with why set if it can't be had.
 */
int msg_write_body(struct message *, int (*put)(void *, const void *, size_t),
    void *ctx, char *why, size_t);

void msg_free(struct message *);

/* Encodes a display name for a header: atom, quoted string or RFC 2047. */
void msg_encode_name(struct buf *, const char *name);
