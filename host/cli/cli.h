/* The credal command line: one file per subcommand, each returning a sysexits status. */
#ifndef CREDAL_CLI_H
#define CREDAL_CLI_H

#include <stdint.h>
#include <stdio.h>

#include "credal.h"

/* argv[0] is the subcommand name ("eval", "gen", ...). */
int credal__cli_eval(int argc, char **argv);
int credal__cli_gen(int argc, char **argv);
int credal__cli_gen_mdp(int argc, char **argv); /* credal gen --mdp */
int credal__cli_validate(int argc, char **argv);
int credal__cli_info(int argc, char **argv);
int credal__cli_convert(int argc, char **argv);
int credal__cli_import_prism(int argc, char **argv);

/* Shared helpers (host/cli/args.c). */
/* "1048576", "64MiB", "2G", "512k": bytes into *out; 0 on success, -1 when malformed or
 * overflowing. K/M/G/T with optional "i" and "B" are binary multiples (1024). */
int credal__parse_size(const char *text, uint64_t *out);
/* A whole decimal integer in [lo, hi]; 0 on success, -1 otherwise. */
int credal__parse_int(const char *text, int64_t lo, int64_t hi, int64_t *out);
/* A 64-bit seed, decimal or 0x hexadecimal, no sign or space; 0 on success, -1 otherwise. */
int credal__parse_seed(const char *text, uint64_t *out);
/* A finite double; 0 on success, -1 otherwise. */
int credal__parse_double(const char *text, double *out);
/* Prints "credal SUBCOMMAND: message" plus credal_last_error() to stderr; returns the exit code. */
int credal__cli_report(const char *subcommand, credal_status status);
/* Ctrl-C and SIGTERM (Slurm's time limit) call handler, which stays installed. */
void credal__cli_on_signals(void (*handler)(int));
/* A flag SIGINT and SIGTERM set (a plain stop: a writer that removes its partial file). */
volatile int *credal__cli_stop_flag(void);
/* Usage error: prints "credal SUB: message\nTry 'credal SUB --help'." and returns 64. */
int credal__cli_usage_error(const char *subcommand, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif /* CREDAL_CLI_H */
