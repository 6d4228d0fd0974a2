/* domainconnect-sandbox: a local Domain Connect DNS Provider.
 *
 *   domainconnect-sandbox --state DIR [--config FILE] [--listen ADDR[:PORT]]
 *                         [--dns-port N] [--foreground] [--verbose]
 *
 * Starts Knot DNS (a child) and an HTTPS server, prints "key: value" lines
 * (dns-server, ca-file, api-url, ux-url, listen, knot-conf, state, pid)
 * once both answer, and runs until SIGTERM or SIGINT. Without --foreground
 * it detaches: the command returns once the sandbox is ready, and the
 * printed pid is the one to stop. docs/sandbox.md has the details. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <domainconnect/dc.h>

#include "app.h"
#include "http.h"
#include "knot.h"
#include "pki.h"
#include "x/addr.h"

static const char usage[] =
    "usage: domainconnect-sandbox --state DIR [--config FILE] [--listen ADDR[:PORT]]\n"
    "         [--dns-port N] [--foreground] [--verbose]\n"
    "\n"
    "A local Domain Connect DNS Provider: HTTPS API and consent pages, and Knot DNS\n"
    "serving the hosted zones. Prints, once ready, one \"key: value\" per line:\n"
    "dns-server, ca-file, api-url, ux-url, listen, knot-conf, state, pid.\n"
    "Stop it with SIGTERM (kill PID) or SIGINT.\n"
    "\n"
    "  --state DIR       state directory (zones, CA, tokens, Knot); created if needed\n"
    "  --config FILE     configuration (JSON); default: the built-in one\n"
    "  --listen ADDR     HTTPS address, IPv4 or [IPv6], optional :PORT\n"
    "                    (default 127.0.0.2:443). On another port the URLs and\n"
    "                    the _domainconnect TXT name it; clients accept that\n"
    "                    only with --test-allow-address ADDR:PORT\n"
    "  --dns-port N      DNS port on 127.0.0.1 (default: the previous run's, or a free one)\n"
    "  --foreground      stay attached (logs on stderr) instead of detaching\n"
    "                    (logs in DIR/sandbox.log)\n"
    "  --verbose         log libmicrohttpd messages too\n";

struct opts {
  const char *state, *config, *listen;
  int dns_port;
  bool foreground, verbose;
};

/* --listen: "IP", "IPv4:PORT", "[IPv6]" or "[IPv6]:PORT" (the shared tier's
 * one parser, x/addr.h), port 443 by default; the address's text in ip. */
static bool parse_listen(const char *s, struct sockaddr_storage *ss, char *ip, size_t ipsz,
                         int *port)
{
  dcx_addr a;
  unsigned p = 0;
  if (dcx_hostport_parse(s, strlen(s), 443, &a, &p) != NULL ||
      dcx_addr_to_sockaddr(&a, p, ss) == 0)
    return false;
  dcx_addr_format(&a, ip, ipsz);
  *port = (int)p;
  return true;
}

/* Can a TCP listener on `ss` clash with Knot's 127.0.0.1 listener on the
 * same port? (127.0.0.1 itself, or a wildcard address.) */
static bool overlaps_knot(const struct sockaddr_storage *ss)
{
  if (ss->ss_family == AF_INET) {
    const struct sockaddr_in *v4 = (const struct sockaddr_in *)ss;
    uint32_t a = ntohl(v4->sin_addr.s_addr);
    return a == INADDR_LOOPBACK || a == INADDR_ANY;
  }
  const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)ss;
  return IN6_IS_ADDR_UNSPECIFIED(&v6->sin6_addr);
}

/* Detaches: the parent waits for the "key: value" lines on a pipe and
 * prints them, or reports the failure. Returns the pipe's write end in the
 * child, or -1 in the parent (which exits). */
static int daemonize(const char *state, const char *logpath)
{
  int pfd[2];
  if (pipe2(pfd, O_CLOEXEC) != 0) {
    perror("domainconnect-sandbox: pipe");
    exit(1);
  }
  fflush(stdout);
  fflush(stderr);
  pid_t pid = fork();
  if (pid < 0) {
    perror("domainconnect-sandbox: fork");
    exit(1);
  }
  if (pid > 0) {
    close(pfd[1]);
    char buf[4096];
    size_t used = 0;
    for (;;) {
      ssize_t n = read(pfd[0], buf + used, sizeof buf - 1 - used);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      used += (size_t)n;
      if (used == sizeof buf - 1) break;
    }
    buf[used] = '\0';
    if (strstr(buf, "\npid: ") != NULL) {
      fputs(buf, stdout);
      fflush(stdout);
      exit(0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    fprintf(stderr, "domainconnect-sandbox: failed to start; the log %s says:\n", logpath);
    char *log = dcx_read_file(logpath, 1 << 20, false, NULL, NULL);
    if (log != NULL) {
      /* the last lines */
      size_t len = strlen(log), lines = 0;
      const char *p = log + len;
      while (p > log && lines < 8) {
        p--;
        if (*p == '\n' && p != log + len - 1) lines++;
      }
      fputs(p == log ? p : p + 1, stderr);
      free(log);
    }
    (void)state;
    exit(1);
  }
  close(pfd[0]);
  setsid();
  int devnull = open("/dev/null", O_RDWR);
  if (devnull >= 0) {
    dup2(devnull, 0);
    dup2(devnull, 1);
    close(devnull);
  }
  int logfd = open(logpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (logfd >= 0) {
    dup2(logfd, 2);
    close(logfd);
  }
  return pfd[1];
}

/* The signals the main thread takes with sigwait() (every other thread
 * blocks them). */
static void handled_signals(sigset_t *set)
{
  sigemptyset(set);
  sigaddset(set, SIGTERM);
  sigaddset(set, SIGINT);
  sigaddset(set, SIGHUP);
  sigaddset(set, SIGCHLD);
}

/* What run() sets up, step by step, and tears down. */
struct sandbox {
  char state[PATH_MAX];                /* the state directory, absolute */
  char listen_ip[INET6_ADDRSTRLEN];
  struct sockaddr_storage ss;          /* the HTTPS address */
  int listen_port;
  int lock_fd;                         /* STATE/sandbox.lock, or -1 */
  struct sbx_config *cfg;
  struct sbx_templates templates;
  struct sbx_pki pki;
  struct sbx_knot knot;
  bool knot_ready;
  struct sbx_store store;
  struct sbx_app app;
  struct sbx_http *http;
};

/* The state directory (one sandbox per directory: locked) and the listen
 * address. */
static bool claim_state(const struct opts *o, struct sandbox *s)
{
  char path[PATH_MAX];
  if (realpath(o->state, s->state) == NULL) {
    sbx_log(SBX_ERROR, "state directory %s: %s", o->state, strerror(errno));
    return false;
  }
  if (!parse_listen(o->listen, &s->ss, s->listen_ip, sizeof s->listen_ip, &s->listen_port)) {
    sbx_log(SBX_ERROR, "--listen %s: not an IPv4 or [IPv6] address with an optional :port",
            o->listen);
    return false;
  }
  if (o->dns_port != 0 && o->dns_port == s->listen_port && overlaps_knot(&s->ss)) {
    sbx_log(SBX_ERROR, "--dns-port %d is the HTTPS port of --listen %s: Knot listens on "
            "127.0.0.1 port %d too; choose another", o->dns_port, o->listen, o->dns_port);
    return false;
  }
  /* one sandbox per state directory */
  if (!sbx_fmt(path, sizeof path, "%s/sandbox.lock", s->state)) return false;
  s->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (s->lock_fd < 0 || flock(s->lock_fd, LOCK_EX | LOCK_NB) != 0) {
    sbx_log(SBX_ERROR, "another sandbox uses the state directory %s", s->state);
    return false;
  }
  return true;
}

/* Configuration, templates, PKI, the zone store and Knot (started). */
static bool start_dns(const struct opts *o, struct sandbox *s)
{
  char err[512];
  err[0] = '\0';
  if (!sbx_config_load(o->config, &s->cfg, err, sizeof err)) {
    sbx_log(SBX_ERROR, "%s", err);
    return false;
  }
  const struct sbx_config *cfg = s->cfg;
  if (!sbx_templates_load(&s->templates, cfg->template_dirs, cfg->n_template_dirs, err,
                          sizeof err)) {
    sbx_log(SBX_ERROR, "%s", err);
    return false;
  }
  if (s->templates.n == 0) sbx_log(SBX_WARN, "no template loaded");
  if (!sbx_pki_setup(s->state, cfg->hosts, cfg->n_hosts, &s->pki, err, sizeof err) ||
      !sbx_store_plan(&s->store, cfg, err, sizeof err) ||
      !sbx_knot_setup(&s->knot, s->state, o->dns_port, s->listen_port, s->store.served,
                      s->store.n_served, err, sizeof err) ||
      !sbx_store_open(&s->store, cfg, s->state, &s->knot, s->listen_ip,
                      s->ss.ss_family == AF_INET6, s->listen_port, err, sizeof err)) {
    sbx_log(SBX_ERROR, "%s", err);
    return false;
  }
  /* before any thread exists (knotd is forked) */
  if (!sbx_knot_start(&s->knot, s->store.served, s->store.n_served, err, sizeof err)) {
    sbx_log(SBX_ERROR, "%s", err);
    return false;
  }
  s->knot_ready = true;
  return true;
}

/* The application state (OAuth store, pending consents, advertised URLs)
 * and the HTTPS server. */
static bool start_https(struct sandbox *s)
{
  char err[512], path[PATH_MAX];
  struct sbx_app *app = &s->app;
  const struct sbx_config *cfg = s->cfg;
  err[0] = '\0';
  if (!sbx_fmt(path, sizeof path, "%s/oauth.json", s->state)) return false;
  app->cfg = cfg;
  app->store = &s->store;
  app->templates = &s->templates;
  app->oauth = sbx_oauth_new(path, cfg->code_lifetime, cfg->token_lifetime, err, sizeof err);
  app->pending = sbx_pending_new();
  if (app->oauth == NULL || app->pending == NULL) {
    sbx_log(SBX_ERROR, "%s", app->oauth == NULL ? err : "out of memory");
    return false;
  }
  /* The advertised URLs (settings, consent pages) name the port when it is
   * not 443, as the _domainconnect TXT does (store.c). */
  if (s->listen_port != 443) {
    snprintf(app->api_url, sizeof app->api_url, "https://%s:%d", cfg->api_host, s->listen_port);
    snprintf(app->ux_url, sizeof app->ux_url, "https://%s:%d", cfg->ux_host, s->listen_port);
  } else {
    snprintf(app->api_url, sizeof app->api_url, "https://%s", cfg->api_host);
    snprintf(app->ux_url, sizeof app->ux_url, "https://%s", cfg->ux_host);
  }
  s->http = sbx_http_start(app, (struct sockaddr *)&s->ss, s->pki.server_key,
                           s->pki.server_cert, err, sizeof err);
  if (s->http == NULL) {
    sbx_log(SBX_ERROR, "%s on %s port %d", err, s->listen_ip, s->listen_port);
    return false;
  }
  return true;
}

/* Ready: the lines a client needs, to the waiting parent (*ready_fd, then
 * closed) or to standard output. */
static void announce(const struct sandbox *s, int *ready_fd)
{
  char info[4 * PATH_MAX];
  bool v6 = s->ss.ss_family == AF_INET6;
  snprintf(info, sizeof info,
           "dns-server: 127.0.0.1:%d\nca-file: %s\napi-url: %s\nux-url: %s\n"
           "listen: %s%s%s:%d\nknot-conf: %s\nstate: %s\npid: %ld\n",
           s->knot.port, s->pki.ca_file, s->app.api_url, s->app.ux_url, v6 ? "[" : "",
           s->listen_ip, v6 ? "]" : "", s->listen_port, s->knot.conf, s->state,
           (long)getpid());
  if (*ready_fd >= 0) {
    size_t len = strlen(info), off = 0;
    while (off < len) {
      ssize_t n = write(*ready_fd, info + off, len - off);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      off += (size_t)n;
    }
    close(*ready_fd);
    *ready_fd = -1;
  } else {
    fputs(info, stdout);
    fflush(stdout);
  }
  sbx_log(SBX_INFO, "ready: https://%s%s%s:%d, DNS 127.0.0.1:%d, %zu zones, %zu templates",
          v6 ? "[" : "", s->listen_ip, v6 ? "]" : "", s->listen_port, s->knot.port,
          s->store.n_zones, s->templates.n);
}

/* Runs until SIGTERM or SIGINT (0) or until knotd dies (1). */
static int wait_for_signal(struct sandbox *s)
{
  sigset_t set;
  handled_signals(&set);
  for (;;) {
    int sig = 0;
    if (sigwait(&set, &sig) != 0) continue;
    if (sig == SIGTERM || sig == SIGINT) {
      sbx_log(SBX_INFO, "signal %d: stopping", sig);
      return 0;
    }
    if (sig == SIGCHLD && !sbx_knot_alive(&s->knot)) {
      sbx_log(SBX_ERROR, "knotd exited; stopping (see %s/knotd.log)", s->knot.dir);
      return 1;
    }
  }
}

static void teardown(struct sandbox *s)
{
  sbx_http_stop(s->http);
  if (s->knot_ready || s->knot.pid > 0) sbx_knot_stop(&s->knot);
  sbx_pending_free(s->app.pending);
  sbx_oauth_free(s->app.oauth);
  sbx_store_close(&s->store);
  sbx_knot_free(&s->knot);
  sbx_pki_free(&s->pki);
  sbx_templates_free(&s->templates);
  sbx_config_free(s->cfg);
  if (s->lock_fd >= 0) close(s->lock_fd);
  sbx_log(SBX_INFO, "stopped");
}

static int run(const struct opts *o, int ready_fd)
{
  int rc = 1;
  struct sandbox s;
  memset(&s, 0, sizeof s);
  s.lock_fd = -1;
  s.listen_port = 443;
  if (claim_state(o, &s) && start_dns(o, &s) && start_https(&s)) {
    announce(&s, &ready_fd);
    rc = wait_for_signal(&s);
  }
  if (ready_fd >= 0) close(ready_fd);
  teardown(&s);
  return rc;
}

int main(int argc, char **argv)
{
  struct opts o = {.listen = "127.0.0.2", .dns_port = 0};
  enum { O_STATE = 1, O_CONFIG, O_LISTEN, O_DNS_PORT, O_FG, O_VERBOSE, O_HELP, O_VERSION };
  static const struct option longopts[] = {
      {"state", required_argument, NULL, O_STATE},   {"config", required_argument, NULL, O_CONFIG},
      {"listen", required_argument, NULL, O_LISTEN}, {"dns-port", required_argument, NULL, O_DNS_PORT},
      {"foreground", no_argument, NULL, O_FG},       {"verbose", no_argument, NULL, O_VERBOSE},
      {"help", no_argument, NULL, O_HELP},           {"version", no_argument, NULL, O_VERSION},
      {NULL, 0, NULL, 0}};
  int ch;
  long port = 0;
  while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
    switch (ch) {
    case O_STATE: o.state = optarg; break;
    case O_CONFIG: o.config = optarg; break;
    case O_LISTEN: o.listen = optarg; break;
    case O_DNS_PORT:
      if (!dcx_parse_long(optarg, 1, 65535, &port)) {
        fprintf(stderr, "domainconnect-sandbox: --dns-port: 1..65535\n");
        return 2;
      }
      o.dns_port = (int)port;
      break;
    case O_FG: o.foreground = true; break;
    case O_VERBOSE: o.verbose = true; break;
    case O_HELP: fputs(usage, stdout); return 0;
    case O_VERSION: printf("domainconnect-sandbox %s\n", dc_version()); return 0;
    default: fputs(usage, stderr); return 2;
    }
  }
  if (optind != argc || o.state == NULL) {
    fputs(usage, stderr);
    return 2;
  }
  if (o.verbose) sbx_log_set_level(SBX_DEBUG);
  if (sbx_mkdir(o.state, 0700) != 0) {
    fprintf(stderr, "domainconnect-sandbox: cannot create %s: %s\n", o.state, strerror(errno));
    return 1;
  }
  if (dc_global_init() != DC_OK) {
    fprintf(stderr, "domainconnect-sandbox: library initialisation failed\n");
    return 1;
  }
  int ready_fd = -1;
  if (!o.foreground) {
    char logpath[PATH_MAX];
    if (!sbx_fmt(logpath, sizeof logpath, "%s/sandbox.log", o.state)) return 1;
    ready_fd = daemonize(o.state, logpath);
  }
  /* every thread created later inherits this mask; the main thread takes
   * the signals with sigwait() */
  sigset_t set;
  handled_signals(&set);
  pthread_sigmask(SIG_BLOCK, &set, NULL);
  signal(SIGPIPE, SIG_IGN);
  return run(&o, ready_fd);
}
