/* confcheck.h: --check-config, every problem of the config files at once. */

/*
 * Checks the files named (none: those that apply, the system's and the
 * user's own) and prints each problem on stdout as FILE:LINE: what, or
 * "FILE: ok". FAIL_CONFIG when there was any.
 */
enum fail conf_check(char *const *paths, size_t n);
