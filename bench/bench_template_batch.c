/* `template apply --batch` throughput against the in-process API.
 *
 *   bench_template_batch CLI [N] [SINGLE]
 *
 * Writes a template, a zone (ZONE_RECORDS records) and N request lines (one
 * application each: the same template and zone file, a different IP and
 * token per line, force on) to a temporary directory, then times, per
 * application:
 *   api          dc_template_apply on the pre-parsed template and zone
 *                (what a DNS provider embedding the library pays);
 *   api+json     the same plus dc_apply_result_to_json (what the CLI prints);
 *   api+request  dc_apply_request_parse of the line, then apply and JSON
 *                (the CLI's work per line, without its I/O);
 *   cli batch    one `CLI template apply --batch FILE` process for the N
 *                lines (wall time / N; output to /dev/null);
 *   cli single   SINGLE separate `CLI template apply` processes (default 50)
 *                (wall time / SINGLE);
 * and prints each with its ratio to `api`. */
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_num.h"
#include "bench_proc.h"
#include "domainconnect/template.h"

extern char **environ;

#define ZONE_RECORDS 100

static const char k_template[] =
  "{\"providerId\":\"bench.example\",\"providerName\":\"Bench\",\"serviceId\":\"site\","
  "\"serviceName\":\"Site\",\"records\":["
  "{\"type\":\"A\",\"host\":\"@\",\"pointsTo\":\"%ip%\",\"ttl\":600},"
  "{\"type\":\"A\",\"host\":\"www\",\"pointsTo\":\"%ip%\",\"ttl\":600},"
  "{\"type\":\"TXT\",\"host\":\"@\",\"data\":\"site-verify=%token%\",\"ttl\":600,"
  "\"txtConflictMatchingMode\":\"Prefix\",\"txtConflictMatchingPrefix\":\"site-verify=\"},"
  "{\"type\":\"MX\",\"host\":\"@\",\"pointsTo\":\"mx.bench.example\",\"ttl\":600,\"priority\":10},"
  "{\"type\":\"SPFM\",\"host\":\"@\",\"spfRules\":\"include:spf.bench.example\"}]}";

static void die(const char *what)
{
  perror(what);
  exit(1);
}

static void write_file(const char *path, const char *text)
{
  FILE *f = fopen(path, "w");
  if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0) die(path);
}

static void write_zone(const char *path)
{
  FILE *f = fopen(path, "w");
  if (f == NULL) die(path);
  fputs("[{\"type\":\"A\",\"name\":\"@\",\"ttl\":300,\"data\":\"192.0.2.9\"},"
        "{\"type\":\"TXT\",\"name\":\"@\",\"ttl\":300,\"data\":\"v=spf1 mx -all\"},"
        "{\"type\":\"TXT\",\"name\":\"@\",\"ttl\":300,\"data\":\"site-verify=old\"}",
        f);
  for (int i = 3; i < ZONE_RECORDS; i++)
    fprintf(f, ",{\"type\":\"A\",\"name\":\"h%d\",\"ttl\":300,\"data\":\"198.51.100.%d\"}", i,
            i % 250 + 1);
  fputs("]", f);
  if (fclose(f) != 0) die(path);
}

/* Line i of the batch (without newline) into buf. */
static void request_line(char *buf, size_t n, const char *dir, long i)
{
  snprintf(buf, n,
           "{\"templateFile\":\"%s/t.json\",\"zoneFile\":\"%s/z.json\",\"domain\":"
           "\"example.com\",\"params\":{\"ip\":\"192.0.2.%ld\",\"token\":\"t%ld\"},"
           "\"force\":true}",
           dir, dir, i % 250 + 1, i);
}

static dc_apply_opts *opts_for(long i)
{
  dc_apply_opts *o = NULL;
  char ip[32], tok[32];
  snprintf(ip, sizeof ip, "192.0.2.%ld", i % 250 + 1);
  snprintf(tok, sizeof tok, "t%ld", i);
  if (dc_apply_opts_new(&o) != DC_OK || dc_apply_opts_set_domain(o, "example.com") != DC_OK ||
      dc_apply_opts_set_param(o, "ip", ip) != DC_OK ||
      dc_apply_opts_set_param(o, "token", tok) != DC_OK || dc_apply_opts_set_force(o, 1) != DC_OK)
    die("options");
  return o;
}

/* Runs argv with stdout and stderr to /dev/null; dies unless it exits with
 * `want`. */
static void run(char *const argv[], int want)
{
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid;
  int st = 0;
  if (posix_spawn(&pid, argv[0], &fa, NULL, argv, environ) != 0) die("posix_spawn");
  posix_spawn_file_actions_destroy(&fa);
  if (waitpid(pid, &st, 0) < 0) die("waitpid");
  if (!WIFEXITED(st) || WEXITSTATUS(st) != want) {
    fprintf(stderr, "%s exited with %d, expected %d\n", argv[0], WEXITSTATUS(st), want);
    exit(1);
  }
}

/* In-process loops; returns seconds per application. mode 0: apply, 1:
 * apply + JSON, 2: request parse + apply + JSON. */
static double in_process(int mode, long n, const dc_template *t, const dc_zone *z,
                         const char *dir)
{
  dc_client *c = NULL;
  if (dc_client_new(&c) != DC_OK) die("client");
  char line[1024];
  double total = 0;
  for (long i = 0; i < n; i++) {
    dc_apply_opts *o = mode == 2 ? NULL : opts_for(i);
    dc_apply_request *req = NULL;
    if (mode == 2) request_line(line, sizeof line, dir, i);
    dc_apply_result *res = NULL;
    char *json = NULL;
    double t0 = now();
    if (mode == 2 && dc_apply_request_parse(c, line, strlen(line), &req) != DC_OK) die("request");
    const dc_apply_opts *use = mode == 2 ? dc_apply_request_opts(req) : o;
    if (dc_template_apply(c, t, z, use, &res) != DC_OK) die(dc_client_error(c));
    if (mode >= 1 && dc_apply_result_to_json(res, &json) != DC_OK) die("json");
    total += now() - t0;
    dc_free(json);
    dc_apply_result_free(res);
    dc_apply_request_free(req);
    dc_apply_opts_free(o);
  }
  dc_client_free(c);
  return total / (double)n;
}

int main(int argc, char **argv)
{
  if (argc < 2 || argc > 4) {
    fprintf(stderr, "usage: bench_template_batch CLI [N] [SINGLE]\n");
    return 2;
  }
  long n = argc > 2 ? bench_long_or(argv[2], -1) : 2000;
  long single = argc > 3 ? bench_long_or(argv[3], -1) : 50;
  if (n < 1 || single < 1) {
    fprintf(stderr, "N and SINGLE are positive whole numbers\n");
    return 2;
  }
  char dir[] = "/tmp/bench_tbatch.XXXXXX";
  if (mkdtemp(dir) == NULL) die("mkdtemp");
  char path[512], zpath[512], bpath[512], line[1024];
  snprintf(path, sizeof path, "%s/t.json", dir);
  snprintf(zpath, sizeof zpath, "%s/z.json", dir);
  snprintf(bpath, sizeof bpath, "%s/batch.jsonl", dir);
  write_file(path, k_template);
  write_zone(zpath);
  FILE *f = fopen(bpath, "w");
  if (f == NULL) die(bpath);
  for (long i = 0; i < n; i++) {
    request_line(line, sizeof line, dir, i);
    fprintf(f, "%s\n", line);
  }
  if (fclose(f) != 0) die(bpath);

  dc_client *c = NULL;
  dc_template *t = NULL;
  dc_zone *z = NULL;
  size_t zlen = 0;
  char *ztext = NULL;
  FILE *zf = fopen(zpath, "r");
  if (zf == NULL || dc_client_new(&c) != DC_OK) die("setup");
  ztext = malloc(1 << 20);
  if (ztext == NULL) die("malloc");
  zlen = fread(ztext, 1, (1 << 20) - 1, zf);
  fclose(zf);
  if (dc_template_load(c, path, &t) != DC_OK || dc_zone_from_json(c, ztext, zlen, &z) != DC_OK)
    die(dc_client_error(c));
  free(ztext);

  double api = in_process(0, n, t, z, dir);
  double api_json = in_process(1, n, t, z, dir);
  double api_req = in_process(2, n, t, z, dir);

  char *batch_argv[] = {argv[1], "template", "apply", "--batch", bpath, NULL};
  double t0 = now();
  run(batch_argv, 0);
  double batch = (now() - t0) / (double)n;

  char ip[] = "ip=192.0.2.1", tok[] = "token=t1";
  char *one_argv[] = {argv[1], "template", "apply", "--template", path, "--zone", zpath,
                      "--domain", "example.com", "--param", ip, "--param", tok, "--force",
                      NULL};
  t0 = now();
  for (long i = 0; i < single; i++) run(one_argv, 0);
  double one = (now() - t0) / (double)single;

  printf("template apply: %ld applications (zone of %d records, 5-record template)\n", n,
         ZONE_RECORDS);
  printf("%-14s %12s %10s\n", "how", "us/apply", "ratio");
  printf("%-14s %12.2f %10.2f\n", "api", api * 1e6, 1.0);
  printf("%-14s %12.2f %10.2f\n", "api+json", api_json * 1e6, api_json / api);
  printf("%-14s %12.2f %10.2f\n", "api+request", api_req * 1e6, api_req / api);
  printf("%-14s %12.2f %10.2f\n", "cli batch", batch * 1e6, batch / api);
  printf("%-14s %12.2f %10.2f   (%ld processes)\n", "cli single", one * 1e6, one / api, single);

  dc_template_free(t);
  dc_zone_free(z);
  dc_client_free(c);
  unlink(path);
  unlink(zpath);
  unlink(bpath);
  rmdir(dir);
  return 0;
}
