/* IP address classification for the SSRF guard (docs/security.md §3).
 *
 * The policy is data: one table of prefixes (bytes + length + fixed reason),
 * walked in order by one matcher; the first matching row decides. A row
 * either refuses the addresses inside its prefix or, for the IPv6
 * allow-list (2000::/3), the addresses outside it. Reasons are string
 * literals and never contain input bytes. */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "guard/addr.h"

/* Where an IPv6 form carries an IPv4 address (for the error message only:
 * they are refused whatever they embed, docs/security.md §3.4). */
enum embed {
  EMBED_NONE = 0,
  EMBED_LOW32,   /* bytes 12..15: mapped, compatible, translated, NAT64 /96 */
  EMBED_NAT64_48,/* RFC 6052 /48: bytes 6,7 then 9,10 (byte 8 is "u") */
  EMBED_6TO4,    /* bytes 2..5 (RFC 3056) */
  EMBED_TEREDO   /* client address: bytes 12..15 inverted (RFC 4380) */
};

struct rule {
  int family;            /* AF_INET or AF_INET6 */
  unsigned char p[16];   /* prefix, network order */
  unsigned char bits;    /* prefix length */
  bool outside;          /* refuse when NOT inside the prefix (allow-list) */
  unsigned char embed;   /* enum embed */
  const char *why;
};

#define V4(a, b, c, d) {a, b, c, d}
#define R4(a, b, c, d, len, why) {AF_INET, V4(a, b, c, d), len, false, EMBED_NONE, why}

static const struct rule k_rules[] = {
  /* ---- IPv4, docs/security.md §3.2 (every row) */
  R4(0, 0, 0, 0, 8, "\"this network\" 0.0.0.0/8"),
  R4(10, 0, 0, 0, 8, "private-use 10.0.0.0/8"),
  R4(100, 64, 0, 0, 10, "shared address space (CGNAT) 100.64.0.0/10"),
  R4(127, 0, 0, 0, 8, "loopback 127.0.0.0/8"),
  R4(169, 254, 0, 0, 16, "link-local 169.254.0.0/16"),
  R4(172, 16, 0, 0, 12, "private-use 172.16.0.0/12"),
  R4(192, 0, 0, 0, 24, "IETF protocol assignments 192.0.0.0/24"),
  R4(192, 0, 2, 0, 24, "documentation (TEST-NET-1) 192.0.2.0/24"),
  R4(192, 88, 99, 0, 24, "deprecated 6to4 relay anycast 192.88.99.0/24"),
  R4(192, 168, 0, 0, 16, "private-use 192.168.0.0/16"),
  R4(198, 18, 0, 0, 15, "benchmarking 198.18.0.0/15"),
  R4(198, 51, 100, 0, 24, "documentation (TEST-NET-2) 198.51.100.0/24"),
  R4(203, 0, 113, 0, 24, "documentation (TEST-NET-3) 203.0.113.0/24"),
  R4(224, 0, 0, 0, 4, "multicast 224.0.0.0/4"),
  R4(240, 0, 0, 0, 4, "reserved 240.0.0.0/4 (includes broadcast 255.255.255.255)"),
  R4(192, 31, 196, 0, 24, "AS112 anycast 192.31.196.0/24"),
  R4(192, 175, 48, 0, 24, "AS112 direct delegation 192.175.48.0/24"),
  R4(192, 52, 193, 0, 24, "AMT relay anycast 192.52.193.0/24"),
  /* ---- IPv4, explicit cloud deny-list (docs/security.md §3.7) */
  R4(168, 63, 129, 16, 32, "cloud platform endpoint 168.63.129.16/32"),

  /* ---- IPv6, docs/security.md §3.1 step 2b: IPv4-embedding forms (the
   * two single addresses first, so that :: and ::1 get their own names) */
  {AF_INET6, {0}, 128, false, EMBED_NONE, "unspecified address ::/128"},
  {AF_INET6, {[15] = 1}, 128, false, EMBED_NONE, "loopback ::1/128"},
  {AF_INET6, {0}, 96, false, EMBED_LOW32, "IPv4-compatible IPv6 ::/96"},
  {AF_INET6, {[10] = 0xff, [11] = 0xff}, 96, false, EMBED_LOW32,
   "IPv4-mapped IPv6 ::ffff:0:0/96"},
  {AF_INET6, {[8] = 0xff, [9] = 0xff}, 96, false, EMBED_LOW32,
   "IPv4-translated IPv6 ::ffff:0:0:0/96"},
  {AF_INET6, {0x00, 0x64, 0xff, 0x9b}, 96, false, EMBED_LOW32,
   "NAT64 well-known prefix 64:ff9b::/96"},
  {AF_INET6, {0x00, 0x64, 0xff, 0x9b, 0x00, 0x01}, 48, false, EMBED_NAT64_48,
   "local-use NAT64 64:ff9b:1::/48"},
  /* ---- step 2c: allow-list 2000::/3. The rows before it only name some
   * well-known blocks outside it more precisely. */
  {AF_INET6, {0xfc}, 7, false, EMBED_NONE,
   "unique local fc00::/7 (outside global unicast 2000::/3)"},
  {AF_INET6, {0xfe, 0x80}, 10, false, EMBED_NONE,
   "link-local fe80::/10 (outside global unicast 2000::/3)"},
  {AF_INET6, {0xfe, 0xc0}, 10, false, EMBED_NONE,
   "site-local fec0::/10 (outside global unicast 2000::/3)"},
  {AF_INET6, {0xff}, 8, false, EMBED_NONE,
   "multicast ff00::/8 (outside global unicast 2000::/3)"},
  {AF_INET6, {0x20}, 3, true, EMBED_NONE, "outside global unicast 2000::/3"},
  /* ---- step 2d: refused inside 2000::/3 (Teredo first, for its name) */
  {AF_INET6, {0x20, 0x01, 0x00, 0x00}, 32, false, EMBED_TEREDO,
   "Teredo 2001::/32"},
  {AF_INET6, {0x20, 0x01, 0x00, 0x00}, 23, false, EMBED_NONE,
   "IETF protocol assignments 2001::/23"},
  {AF_INET6, {0x20, 0x01, 0x0d, 0xb8}, 32, false, EMBED_NONE,
   "documentation 2001:db8::/32"},
  {AF_INET6, {0x20, 0x02}, 16, false, EMBED_6TO4, "6to4 2002::/16"},
  {AF_INET6, {0x3f, 0xff, 0x00}, 20, false, EMBED_NONE,
   "documentation 3fff::/20"},
  {AF_INET6, {0x26, 0x20, 0x00, 0x4f, 0x80, 0x00}, 48, false, EMBED_NONE,
   "AS112 2620:4f:8000::/48"},
};

/* Is the first `bits` bits of b equal to those of p? */
static bool prefix_match(const unsigned char *b, const unsigned char *p,
                         unsigned bits)
{
  unsigned full = bits / 8, rest = bits % 8;
  if (memcmp(b, p, full) != 0) return false;
  if (rest == 0) return true;
  unsigned mask = (0xffu << (8 - rest)) & 0xffu;
  return (b[full] & mask) == (p[full] & mask);
}

/* The first row that refuses `a`, or NULL. */
static const struct rule *refusing_rule(const dci_addr *a)
{
  for (size_t i = 0; i < sizeof k_rules / sizeof k_rules[0]; i++) {
    const struct rule *r = &k_rules[i];
    if (r->family != a->family) continue;
    if (prefix_match(a->b, r->p, r->bits) != r->outside) return r;
  }
  return NULL;
}

const char *dci_addr_problem(const dci_addr *a)
{
  if (a == NULL || (a->family != AF_INET && a->family != AF_INET6))
    return "not an IPv4 or IPv6 address";
  const struct rule *r = refusing_rule(a);
  return r ? r->why : NULL;
}

/* docs/security.md §3.1 step 3: an address the classifier allows may still
 * be one of this host's own (a public address on an interface reaches the
 * local listeners).
 *
 * The interface list is cached per process and read again (getifaddrs)
 * only when it may have changed: a netlink socket subscribed to the
 * kernel's address and link notifications has something to read, the
 * process forked, or it moved to another network namespace. Where the
 * socket cannot be made (no netlink), or the host has more addresses than
 * the cache holds, the list is read on every check as before. If it cannot
 * be read the address is refused: the check fails closed. */
#define LOCAL_ADDRS_MAX 256

static struct {
  pthread_mutex_t mu;
  int fd;            /* NETLINK_ROUTE socket of process `pid`, or -1 */
  pid_t pid;
  dev_t ns_dev;      /* the network namespace it watches */
  ino_t ns_ino;
  bool valid;        /* a[0..n) is the current list */
  size_t n;
  dci_addr a[LOCAL_ADDRS_MAX];
} g_if = {PTHREAD_MUTEX_INITIALIZER, -1, 0, 0, 0, false, 0, {{0}}};

/* The notification socket for this process and namespace (g_if.mu held). */
static void if_watch(void)
{
  struct stat ns;
  bool have_ns = stat("/proc/self/ns/net", &ns) == 0;
  if (g_if.fd >= 0 && (g_if.pid != getpid() || !have_ns || ns.st_dev != g_if.ns_dev ||
                       ns.st_ino != g_if.ns_ino)) {
    close(g_if.fd); /* a forked child's copy, or another namespace's */
    g_if.fd = -1;
    g_if.valid = false;
  }
  if (g_if.fd >= 0 || !have_ns) return;
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);
  if (fd < 0) return;
  struct sockaddr_nl sa;
  memset(&sa, 0, sizeof sa);
  sa.nl_family = AF_NETLINK;
  sa.nl_groups = RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR;
  if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
    close(fd);
    return;
  }
  g_if.fd = fd;
  g_if.pid = getpid();
  g_if.ns_dev = ns.st_dev;
  g_if.ns_ino = ns.st_ino;
  g_if.valid = false; /* subscribed first, then read: no change is missed */
}

/* Drains the notifications; true when there was any (or a lost one). */
static bool if_changed(void)
{
  bool changed = false;
  char buf[4096];
  for (;;) {
    ssize_t n = recv(g_if.fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n > 0) {
      changed = true;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return changed;
    /* ENOBUFS (notifications were dropped) or anything else: re-read, and
     * stop trusting the socket if it is broken */
    if (!(n < 0 && errno == ENOBUFS)) {
      close(g_if.fd);
      g_if.fd = -1;
    }
    return true;
  }
}

/* Reads the list into the cache; false when it cannot be read. valid
 * stays false when it does not fit (checked uncached then). */
static bool if_read(void)
{
  struct ifaddrs *list = NULL;
  g_if.valid = false;
  g_if.n = 0;
  if (getifaddrs(&list) != 0) return false;
  bool fits = true;
  for (const struct ifaddrs *i = list; i != NULL; i = i->ifa_next) {
    dci_addr own;
    if (i->ifa_addr == NULL || !dci_addr_from_sockaddr(i->ifa_addr, &own, NULL, NULL)) continue;
    if (g_if.n == LOCAL_ADDRS_MAX) {
      fits = false;
      break;
    }
    g_if.a[g_if.n++] = own;
  }
  freeifaddrs(list);
  g_if.valid = fits && g_if.fd >= 0;
  return true;
}

/* The uncached check: the list read for this one address. */
static const char *local_uncached(const dci_addr *a)
{
  struct ifaddrs *list = NULL;
  if (getifaddrs(&list) != 0) return "local interfaces could not be listed";
  const char *why = NULL;
  for (const struct ifaddrs *i = list; i != NULL && why == NULL; i = i->ifa_next) {
    dci_addr own;
    if (i->ifa_addr == NULL) continue;
    if (!dci_addr_from_sockaddr(i->ifa_addr, &own, NULL, NULL)) continue;
    if (dci_addr_equal(&own, a)) why = "address of a local network interface";
  }
  freeifaddrs(list);
  return why;
}

const char *dci_local_interface_problem(const dci_addr *a)
{
  if (a == NULL || (a->family != AF_INET && a->family != AF_INET6))
    return "not an IPv4 or IPv6 address";
  if (pthread_mutex_lock(&g_if.mu) != 0) return local_uncached(a);
  if_watch();
  if (g_if.fd >= 0 && g_if.valid && if_changed()) g_if.valid = false;
  if (g_if.fd >= 0 && !g_if.valid && !if_read()) {
    pthread_mutex_unlock(&g_if.mu);
    return "local interfaces could not be listed";
  }
  const char *why = NULL;
  bool cached = g_if.fd >= 0 && g_if.valid;
  for (size_t i = 0; cached && i < g_if.n && why == NULL; i++)
    if (dci_addr_equal(&g_if.a[i], a)) why = "address of a local network interface";
  pthread_mutex_unlock(&g_if.mu);
  return cached ? why : local_uncached(a);
}

void dci_guard_note(const dc_client *c, dc_guard_reason reason)
{
  /* The caller's record is per-call state (like the detail), not part of
   * the configuration the const protects. */
  if (c != NULL) dci_call_of((dc_client *)c)->guard_reason = (int)reason;
}

/* The rule behind dci_guard_addr_port(): NULL or the reason text, and the
 * machine-readable reason in *reason. */
static const char *addr_port_problem(const dc_client *c, const dci_addr *a,
                                     unsigned port, dc_guard_reason *reason)
{
  *reason = DC_GUARD_BLOCKED_ADDRESS;
  if (a == NULL) return "not an IPv4 or IPv6 address";
  if (c != NULL) {
    for (size_t i = 0; i < c->cfg->n_test_allow && i < DC_MAX_TEST_ALLOW; i++) {
      const struct dci_allowed_addr *t = &c->cfg->test_allow[i];
      dci_addr allowed;
      allowed.family = t->family;
      memcpy(allowed.b, t->b, sizeof allowed.b);
      if (t->port == port && dci_addr_equal(&allowed, a)) return NULL;
    }
  }
  if (port != DCI_HTTPS_PORT) {
    *reason = DC_GUARD_PORT;
    return "port other than 443 for an address not on the test-only allow list with "
           "that port";
  }
  const char *why = dci_addr_problem(a);
  if (why != NULL) return why;
  *reason = DC_GUARD_LOCAL_ADDRESS;
  return dci_local_interface_problem(a);
}

const char *dci_guard_addr_port(const dc_client *c, const dci_addr *a, unsigned port)
{
  dc_guard_reason reason = DC_GUARD_NONE;
  const char *why = addr_port_problem(c, a, port, &reason);
  if (why != NULL) dci_guard_note(c, reason);
  return why;
}

const char *dci_guard_addr(const dc_client *c, const dci_addr *a)
{
  return dci_guard_addr_port(c, a, DCI_HTTPS_PORT);
}

bool dci_guard_test_port(const dc_client *c, unsigned port)
{
  if (c == NULL || port == DCI_HTTPS_PORT) return false;
  for (size_t i = 0; i < c->cfg->n_test_allow && i < DC_MAX_TEST_ALLOW; i++)
    if (c->cfg->test_allow[i].port == port) return true;
  return false;
}

bool dci_addr_embedded_ipv4(const dci_addr *a, dci_addr *v4)
{
  if (v4 != NULL) memset(v4, 0, sizeof *v4);
  if (a == NULL || v4 == NULL || a->family != AF_INET6) return false;
  const struct rule *r = refusing_rule(a);
  if (r == NULL) return false;
  const unsigned char *b = a->b;
  unsigned char *o = v4->b;
  switch ((enum embed)r->embed) {
  case EMBED_NONE: return false;
  case EMBED_LOW32: memcpy(o, b + 12, 4); break;
  case EMBED_NAT64_48: o[0] = b[6]; o[1] = b[7]; o[2] = b[9]; o[3] = b[10]; break;
  case EMBED_6TO4: memcpy(o, b + 2, 4); break;
  case EMBED_TEREDO:
    for (int k = 0; k < 4; k++) o[k] = (unsigned char)(b[12 + k] ^ 0xffu);
    break;
  }
  v4->family = AF_INET;
  return true;
}

void dci_addr_reason(const dci_addr *a, const char *why, char *buf, size_t n)
{
  if (buf == NULL || n == 0) return;
  if (why == NULL) why = "allowed";
  dci_addr v4;
  const struct rule *r = (a != NULL && a->family == AF_INET6) ? refusing_rule(a) : NULL;
  /* Only when `why` is that row's own reason (not, say, the interface
   * check's) does the embedded address explain it. */
  if (r != NULL && r->why == why && dci_addr_embedded_ipv4(a, &v4)) {
    char text[INET6_ADDRSTRLEN];
    dci_addr_format(&v4, text, sizeof text);
    snprintf(buf, n, "%s (embeds %s)", why, text);
    return;
  }
  snprintf(buf, n, "%s", why);
}
