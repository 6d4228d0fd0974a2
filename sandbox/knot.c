/* domainconnect-sandbox: Knot DNS as a child process. The configuration
 * follows tests/integration/harness.py: zone files are the source of truth
 * (zonefile-load: whole, no journal), reloaded with knotc after each change. */
#include "knot.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "util.h"

extern char **environ;

static double now_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_ms(long ms)
{
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

static char *find_prog(const char *name)
{
  static const char *const dirs[] = {"/usr/sbin", "/usr/bin", "/sbin", "/bin",
                                     "/usr/local/sbin", "/usr/local/bin"};
  char path[PATH_MAX];
  const char *env = getenv("PATH");
  if (env != NULL) {
    const char *p = env;
    while (*p != '\0') {
      const char *end = strchr(p, ':');
      size_t len = end ? (size_t)(end - p) : strlen(p);
      if (len > 0 && sbx_fmt(path, sizeof path, "%.*s/%s", (int)len, p, name) &&
          access(path, X_OK) == 0)
        return dcx_strdup(path);
      p += len;
      if (*p == ':') p++;
    }
  }
  for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++)
    if (sbx_fmt(path, sizeof path, "%s/%s", dirs[i], name) && access(path, X_OK) == 0)
      return dcx_strdup(path);
  return NULL;
}

/* A UDP and TCP port on 127.0.0.1 that can be bound right now. */
static bool port_free(int port)
{
  bool ok = true;
  int types[2] = {SOCK_DGRAM, SOCK_STREAM};
  for (int i = 0; i < 2 && ok; i++) {
    int fd = socket(AF_INET, types[i] | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    int one = 1;
    if (types[i] == SOCK_STREAM) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ok = bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
    close(fd);
  }
  return ok;
}

static int pick_port(int avoid)
{
  for (int tries = 0; tries < 50; tries++) {
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return 0;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = 0};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t sl = sizeof sa;
    int port = 0;
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0 &&
        getsockname(fd, (struct sockaddr *)&sa, &sl) == 0)
      port = ntohs(sa.sin_port);
    close(fd);
    if (port >= 1024 && port != avoid && port_free(port)) return port;
  }
  return 0;
}

/* ---- a knotd left behind (docs/sandbox.md, "Restart after a crash")
 *
 * When the sandbox is killed hard, its knotd gets SIGTERM (PR_SET_PDEATHSIG)
 * but takes a moment to exit, and a restart in that moment would find the
 * DNS port taken and Knot's "already running". The state directory is ours
 * (STATE/sandbox.lock is held), so a knotd started with exactly our
 * configuration file is a leftover of this directory: it is stopped, by
 * PID, and waited for. Nothing else is touched: the process must be
 * "knotd -c STATE/knot/knot.conf" per /proc/PID/cmdline. */

/* True when PID runs `knotd -c conf` (argv[0] named knotd). */
static bool is_our_knotd(pid_t pid, const char *conf)
{
  char path[64], buf[PATH_MAX * 2 + 64];
  snprintf(path, sizeof path, "/proc/%ld/cmdline", (long)pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return false; /* gone, or a zombie (no cmdline) */
  buf[n] = '\0';
  const char *argv0 = buf, *a1 = NULL, *a2 = NULL, *end = buf + n;
  size_t l0 = strlen(argv0);
  if (argv0 + l0 + 1 < end) a1 = argv0 + l0 + 1;
  if (a1 != NULL && a1 + strlen(a1) + 1 < end) a2 = a1 + strlen(a1) + 1;
  if (a1 == NULL || a2 == NULL || a2 + strlen(a2) + 1 != end) return false; /* exactly 3 */
  const char *base = strrchr(argv0, '/');
  base = base != NULL ? base + 1 : argv0;
  return strcmp(base, "knotd") == 0 && strcmp(a1, "-c") == 0 && strcmp(a2, conf) == 0;
}

/* True while PID exists and is not a zombie (a zombie holds no socket). */
static bool running(pid_t pid)
{
  char path[64], buf[512];
  snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return false;
  buf[n] = '\0';
  const char *rp = strrchr(buf, ')'); /* "PID (comm) STATE ..." */
  return rp != NULL && rp[1] == ' ' && rp[2] != 'Z' && rp[2] != 'X';
}

/* Waits up to ms for PID (our knotd when called) to exit: gone, or a
 * zombie whose parent has not reaped it yet. */
static bool wait_gone(pid_t pid, const char *conf, long ms)
{
  double deadline = now_s() + (double)ms / 1000.0;
  while (is_our_knotd(pid, conf) || running(pid)) {
    if (now_s() > deadline) return false;
    sleep_ms(10);
  }
  return true;
}

/* Stops every knotd running with `conf`; false when one survives SIGKILL. */
static bool stop_stale(const char *conf)
{
  bool ok = true;
  DIR *d = opendir("/proc");
  if (d == NULL) return true; /* no /proc: nothing can be found */
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    long pid = 0;
    if (!dcx_parse_long(e->d_name, 2, 1L << 30, &pid) || (pid_t)pid == getpid() ||
        !is_our_knotd((pid_t)pid, conf))
      continue;
    sbx_log(SBX_WARN, "stopping knotd %ld left running by a previous sandbox on this state", pid);
    kill((pid_t)pid, SIGTERM);
    kill((pid_t)pid, SIGCONT); /* a stopped one acts on the SIGTERM */
    if (!wait_gone((pid_t)pid, conf, 5000)) {
      kill((pid_t)pid, SIGKILL);
      ok = wait_gone((pid_t)pid, conf, 2000) && ok;
    }
  }
  closedir(d);
  return ok;
}

static bool safe_path(const char *p)
{
  for (; *p != '\0'; p++)
    if (!dcx_is_print((unsigned char)*p) || *p == '"' || *p == '\\') return false;
  return true;
}

bool sbx_knot_setup(struct sbx_knot *k, const char *state_dir, int port, int avoid,
                    char *const *zones, size_t nzones, char *err, size_t errsz)
{
  char path[PATH_MAX], portfile[PATH_MAX];
  dcx_buf conf;
  bool ok = false;
  dcx_buf_init(&conf, SBX_MAX_BUF);
  memset(k, 0, sizeof *k);
  if (!safe_path(state_dir)) {
    snprintf(err, errsz, "the state directory path must be printable ASCII without quotes");
    return false;
  }
  k->knotd = find_prog("knotd");
  k->knotc = find_prog("knotc");
  if (k->knotd == NULL || k->knotc == NULL) {
    snprintf(err, errsz, "knotd and knotc are needed (Debian package knot)");
    goto done;
  }
  if (!sbx_fmt(path, sizeof path, "%s/knot", state_dir) || (k->dir = dcx_strdup(path)) == NULL ||
      !sbx_fmt(path, sizeof path, "%s/zones", k->dir) || (k->zone_dir = dcx_strdup(path)) == NULL ||
      !sbx_fmt(path, sizeof path, "%s/knot.conf", k->dir) || (k->conf = dcx_strdup(path)) == NULL) {
    snprintf(err, errsz, "state directory path too long");
    goto done;
  }
  if (!sbx_fmt(path, sizeof path, "%s/run/knot.sock", k->dir) || strlen(path) >= 100) {
    snprintf(err, errsz, "state directory path too long for Knot's control socket");
    goto done;
  }
  static const char *const subdirs[] = {"", "/run", "/db", "/zones"};
  for (size_t i = 0; i < 4; i++) {
    if (!sbx_fmt(path, sizeof path, "%s%s", k->dir, subdirs[i]) || sbx_mkdir(path, 0700) != 0) {
      snprintf(err, errsz, "cannot create %s: %s", path, strerror(errno));
      goto done;
    }
  }
  /* before the port of the previous run is checked: a leftover knotd
   * holds it */
  if (!stop_stale(k->conf)) {
    snprintf(err, errsz, "a knotd of this state directory (%s) does not stop", k->conf);
    goto done;
  }
  /* no knotd of ours runs now: a PID file left behind names a dead one, a
   * zombie nobody reaped yet, or a stranger that got its PID, and knotd
   * would refuse to start ("already running") */
  if (sbx_fmt(path, sizeof path, "%s/run/knot.pid", k->dir) && unlink(path) != 0 &&
      errno != ENOENT) {
    snprintf(err, errsz, "cannot remove %s: %s", path, strerror(errno));
    goto done;
  }
  if (!sbx_fmt(portfile, sizeof portfile, "%s/port", k->dir)) goto done;
  if (port == 0) {
    char *prev = dcx_read_file(portfile, 32, false, NULL, NULL);
    long p = 0;
    if (prev != NULL) {
      size_t l = strlen(prev);
      while (l > 0 && (prev[l - 1] == '\n' || prev[l - 1] == ' ')) prev[--l] = '\0';
      if (dcx_parse_long(prev, 1024, 65535, &p) && p != avoid && port_free((int)p))
        port = (int)p;
      free(prev);
    }
    if (port == 0) port = pick_port(avoid);
    if (port == 0) {
      snprintf(err, errsz, "no free port for DNS on 127.0.0.1");
      goto done;
    }
  }
  k->port = port;
  char pbuf[16];
  snprintf(pbuf, sizeof pbuf, "%d\n", port);
  if (dcx_write_file_atomic(portfile, pbuf, strlen(pbuf), 0644) != DCX_WRITE_OK) {
    snprintf(err, errsz, "cannot write %s: %s", portfile, strerror(errno));
    goto done;
  }
  dcx_buf_addf(&conf,
               "# Written by domainconnect-sandbox at every start; edits are lost.\n"
               "server:\n"
               "    rundir: \"%s/run\"\n"
               "    listen: 127.0.0.1@%d\n"
               "log:\n"
               "  - target: stderr\n"
               "    any: notice\n"
               "database:\n"
               "    storage: \"%s/db\"\n"
               "template:\n"
               "  - id: default\n"
               "    storage: \"%s\"\n"
               "    file: \"%%s.zone\"\n"
               "    zonefile-sync: -1\n"
               "    zonefile-load: whole\n"
               "    journal-content: none\n"
               "zone:\n",
               k->dir, port, k->dir, k->zone_dir);
  for (size_t i = 0; i < nzones; i++) dcx_buf_addf(&conf, "  - domain: %s\n", zones[i]);
  if (conf.err || dcx_write_file_atomic(k->conf, conf.data, conf.len, 0644) != DCX_WRITE_OK) {
    snprintf(err, errsz, "cannot write %s", k->conf);
    goto done;
  }
  ok = true;
done:
  dcx_buf_free(&conf);
  if (!ok) sbx_knot_free(k);
  return ok;
}

bool sbx_knot_write_zone(const struct sbx_knot *k, const char *zone, const char *text)
{
  char path[PATH_MAX];
  if (!sbx_fmt(path, sizeof path, "%s/%s.zone", k->zone_dir, zone)) return false;
  return dcx_write_file_atomic(path, text, strlen(text), 0644) == DCX_WRITE_OK;
}

/* ---- a minimal DNS client for the SOA probe */
static size_t put_name(unsigned char *p, size_t cap, const char *name)
{
  size_t o = 0;
  const char *s = name;
  while (*s != '\0') {
    const char *dot = strchr(s, '.');
    size_t len = dot ? (size_t)(dot - s) : strlen(s);
    if (len == 0 || len > 63 || o + len + 2 > cap) return 0;
    p[o++] = (unsigned char)len;
    memcpy(p + o, s, len);
    o += len;
    s += len;
    if (*s == '.') s++;
  }
  if (o + 1 > cap) return 0;
  p[o++] = 0;
  return o;
}

static bool skip_name(const unsigned char *m, size_t len, size_t *off)
{
  size_t o = *off;
  for (int guard = 0; guard < 128; guard++) {
    if (o >= len) return false;
    unsigned char l = m[o];
    if (l == 0) {
      *off = o + 1;
      return true;
    }
    if ((l & 0xc0) == 0xc0) {
      if (o + 2 > len) return false;
      *off = o + 2;
      return true;
    }
    if (l & 0xc0) return false;
    o += 1u + l;
  }
  return false;
}

static uint16_t rd16(const unsigned char *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t rd32(const unsigned char *p)
{
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

bool sbx_knot_soa(int port, const char *zone, uint32_t *serial)
{
  unsigned char q[300], r[1500];
  uint16_t id = 0;
  bool ok = false;
  if (RAND_bytes((unsigned char *)&id, sizeof id) != 1) return false;
  memset(q, 0, 12);
  q[0] = (unsigned char)(id >> 8);
  q[1] = (unsigned char)id;
  q[5] = 1; /* QDCOUNT */
  size_t n = put_name(q + 12, sizeof q - 16, zone);
  if (n == 0) return false;
  size_t qlen = 12 + n;
  q[qlen++] = 0;
  q[qlen++] = 6; /* SOA */
  q[qlen++] = 0;
  q[qlen++] = 1; /* IN */
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || send(fd, q, qlen, 0) != (ssize_t)qlen)
    goto done;
  struct pollfd pfd = {.fd = fd, .events = POLLIN};
  if (poll(&pfd, 1, 300) != 1) goto done;
  ssize_t got = recv(fd, r, sizeof r, 0);
  if (got < 12) goto done;
  size_t len = (size_t)got;
  if (rd16(r) != id || !(r[2] & 0x80) || (r[3] & 0x0f) != 0 || rd16(r + 6) < 1) goto done;
  size_t off = 12;
  for (uint16_t i = 0; i < rd16(r + 4); i++)
    if (!skip_name(r, len, &off) || (off += 4) > len) goto done;
  if (!skip_name(r, len, &off) || off + 10 > len) goto done;
  if (rd16(r + off) != 6) goto done;
  size_t rdlen = rd16(r + off + 8);
  off += 10;
  size_t end = off + rdlen;
  if (end > len) goto done;
  if (!skip_name(r, end, &off) || !skip_name(r, end, &off) || off + 4 > end) goto done;
  if (serial != NULL) *serial = rd32(r + off);
  ok = true;
done:
  close(fd);
  return ok;
}

bool sbx_knot_start(struct sbx_knot *k, char *const *zones, size_t nzones, char *err,
                    size_t errsz)
{
  char logpath[PATH_MAX];
  if (!sbx_fmt(logpath, sizeof logpath, "%s/knotd.log", k->dir)) return false;
  int logfd = open(logpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (logfd < 0) {
    snprintf(err, errsz, "cannot open %s: %s", logpath, strerror(errno));
    return false;
  }
  /* Called before any thread exists, so fork() is safe here; the child
   * gets SIGTERM when we die (PR_SET_PDEATHSIG) and its own process group,
   * so a terminal's ^C reaches only us and we stop it in order. */
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    close(logfd);
    snprintf(err, errsz, "fork: %s", strerror(errno));
    return false;
  }
  if (pid == 0) {
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGPIPE, SIG_DFL);
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) _exit(127);
    setpgid(0, 0);
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, 0);
    dup2(logfd, 1);
    dup2(logfd, 2);
    char *const argv[] = {k->knotd, (char *)"-c", k->conf, NULL};
    execv(k->knotd, argv);
    _exit(127);
  }
  close(logfd);
  k->pid = pid;
  double deadline = now_s() + 10.0;
  size_t ready = 0;
  while (ready < nzones) {
    if (!sbx_knot_alive(k)) {
      snprintf(err, errsz, "knotd exited at start; see %s", logpath);
      return false;
    }
    if (sbx_knot_soa(k->port, zones[ready], NULL)) {
      ready++;
      continue;
    }
    if (now_s() > deadline) {
      snprintf(err, errsz, "knotd does not answer for %s; see %s", zones[ready], logpath);
      sbx_knot_stop(k);
      return false;
    }
    sleep_ms(20);
  }
  return true;
}

/* Runs knotc with `args`; its output goes into out (NUL-terminated). */
static int run_knotc(const struct sbx_knot *k, char *const *args, char *out, size_t outsz)
{
  int pfd[2] = {-1, -1}, status = -1, rc = -1;
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t attr;
  bool fa_init = false, attr_init = false;
  pid_t pid = 0;
  out[0] = '\0';
  if (pipe2(pfd, O_CLOEXEC) != 0) goto done;
  if (posix_spawn_file_actions_init(&fa) != 0) goto done;
  fa_init = true;
  if (posix_spawnattr_init(&attr) != 0) goto done;
  attr_init = true;
  sigset_t none, def;
  sigemptyset(&none);
  sigemptyset(&def);
  sigaddset(&def, SIGPIPE);
  sigaddset(&def, SIGTERM);
  sigaddset(&def, SIGINT);
  sigaddset(&def, SIGCHLD);
  sigaddset(&def, SIGHUP);
  if (posix_spawnattr_setsigmask(&attr, &none) != 0 ||
      posix_spawnattr_setsigdefault(&attr, &def) != 0 ||
      posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF) != 0)
    goto done;
  if (posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0) != 0 ||
      posix_spawn_file_actions_adddup2(&fa, pfd[1], 1) != 0 ||
      posix_spawn_file_actions_adddup2(&fa, pfd[1], 2) != 0)
    goto done;
  if (posix_spawn(&pid, k->knotc, &fa, &attr, args, environ) != 0) {
    pid = 0;
    goto done;
  }
  close(pfd[1]);
  pfd[1] = -1;
  size_t used = 0;
  for (;;) {
    char buf[512];
    ssize_t n = read(pfd[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    size_t take = (size_t)n;
    if (used + take >= outsz) take = outsz - 1 - used;
    memcpy(out + used, buf, take);
    used += take;
    out[used] = '\0';
  }
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  pid = 0;
  rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
done:
  if (pid > 0) {
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
  if (pfd[0] >= 0) close(pfd[0]);
  if (pfd[1] >= 0) close(pfd[1]);
  if (fa_init) posix_spawn_file_actions_destroy(&fa);
  if (attr_init) posix_spawnattr_destroy(&attr);
  /* one line, printable */
  for (char *p = out; *p != '\0'; p++)
    if (!dcx_is_print((unsigned char)*p)) *p = ' ';
  return rc;
}

bool sbx_knot_reload(const struct sbx_knot *k, const char *zone, uint32_t serial, char *err,
                     size_t errsz)
{
  char out[1024];
  char *const args[] = {k->knotc, (char *)"-c", k->conf, (char *)"-b", (char *)"-t",
                        (char *)"20", (char *)"zone-reload", (char *)zone, NULL};
  int rc = run_knotc(k, args, out, sizeof out);
  if (rc != 0) {
    snprintf(err, errsz, "knotc zone-reload %s failed (%d): %s", zone, rc, out);
    return false;
  }
  /* the change is visible over DNS before we answer the HTTP request */
  double deadline = now_s() + 5.0;
  for (;;) {
    uint32_t got = 0;
    if (sbx_knot_soa(k->port, zone, &got) && got == serial) return true;
    if (now_s() > deadline) {
      snprintf(err, errsz, "Knot does not serve serial %u of %s after the reload", serial, zone);
      return false;
    }
    sleep_ms(5);
  }
}

bool sbx_knot_alive(struct sbx_knot *k)
{
  if (k->pid <= 0) return false;
  int status;
  pid_t r = waitpid(k->pid, &status, WNOHANG);
  if (r == k->pid || (r < 0 && errno == ECHILD)) {
    k->pid = 0;
    return false;
  }
  return true;
}

void sbx_knot_stop(struct sbx_knot *k)
{
  if (k->pid <= 0) return;
  int status;
  kill(k->pid, SIGTERM);
  double deadline = now_s() + 5.0;
  for (;;) {
    pid_t r = waitpid(k->pid, &status, WNOHANG);
    if (r == k->pid || (r < 0 && errno != EINTR)) break;
    if (now_s() > deadline) {
      kill(k->pid, SIGKILL);
      while (waitpid(k->pid, &status, 0) < 0 && errno == EINTR) {
      }
      break;
    }
    sleep_ms(20);
  }
  k->pid = 0;
}

void sbx_knot_free(struct sbx_knot *k)
{
  free(k->dir);
  free(k->conf);
  free(k->zone_dir);
  free(k->knotd);
  free(k->knotc);
  memset(k, 0, sizeof *k);
}
