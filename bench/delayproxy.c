/* A delaying proxy for the latency bench (bench/latency-bench.py): this
 * kernel has no netem, so the round trips of a real network are put back
 * by a process in the middle.
 *
 *   delayproxy --rtt-ms MS [--tcp LIP:LPORT=BIP:BPORT]... [--udp LIP:LPORT=BIP:BPORT]...
 *
 * Every --tcp listens on LIP:LPORT and relays each connection to BIP:BPORT;
 * every --udp relays datagrams (DNS) from LIP:LPORT to BIP:BPORT and the
 * answers back. The model of one round trip time RTT:
 *   UDP  each query reaches the server RTT/2 after it was sent, and each
 *        answer the client RTT/2 after the server sent it: one RTT a lookup;
 *   TCP  every chunk of bytes, either way, arrives RTT/2 after it was sent,
 *        in order, and so does the end of the stream; the client's first
 *        bytes arrive 1.5 RTT after the connect, which on loopback completes
 *        at once: the SYN / SYN-ACK round trip a real handshake costs before
 *        the client may send (so a TLS 1.3 handshake then takes its one more
 *        RTT, and each request on the connection one RTT).
 * Bandwidth is not limited. Prints "delayproxy: ready" on stdout once every
 * socket listens; runs until killed (SIGTERM). Counters go to stderr at
 * exit: connections, datagrams, bytes.
 * One thread, epoll, one timer heap; at most MAX_PENDING_DNS DNS queries in
 * flight (IDs are rewritten to tell the clients apart). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_MAPS 64
#define MAX_PENDING_DNS 65536
#define CHUNK 16384

enum { EP_LISTEN, EP_CONN, EP_UDP_FRONT, EP_UDP_BACK };

struct ep {
  int type;
  int fd;
  struct conn *c;   /* EP_CONN */
  int side;         /* EP_CONN: 0 client, 1 server */
  struct map *m;
};

struct map {
  struct sockaddr_in front, back;
  struct ep listen, front_ep, back_ep;  /* TCP: listen; UDP: front + back */
};

struct chunk {
  struct chunk *next;
  size_t len, off;  /* len 0: the end of the stream (shutdown) */
  char data[];
};

struct conn {
  struct ep ep[2];
  struct chunk *head[2], *tail[2];  /* to write into side d */
  double last[2];                   /* release time of the last chunk to d */
  bool connected, first_sent, eof[2], shut[2], dead;
  unsigned events[2];
  int refs;                         /* timer events pointing here */
};

struct ev {
  double t;
  uint64_t seq;
  struct conn *c;      /* TCP: chunk ch to side `side` of c */
  struct chunk *ch;
  int side;
  struct map *m;       /* UDP: datagram ch to addr (front) or to the server */
  struct sockaddr_in to;
  bool udp_to_client;
};

static int epfd;
static double half;  /* RTT/2 in seconds */
static struct ev *heap;
static size_t nheap, capheap;
static uint64_t seq;
static volatile sig_atomic_t stop;
static unsigned long n_conns, n_dgrams, n_bytes, n_dropped;
static struct { struct sockaddr_in from; uint16_t id; bool used; } dns_ids[MAX_PENDING_DNS];
static unsigned next_id;

static double now_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static bool ev_less(const struct ev *a, const struct ev *b)
{
  return a->t < b->t || (a->t == b->t && a->seq < b->seq);
}

static void heap_push(struct ev e)
{
  if (nheap == capheap) {
    capheap = capheap ? capheap * 2 : 1024;
    heap = realloc(heap, capheap * sizeof *heap);
    if (heap == NULL) { perror("delayproxy: realloc"); exit(1); }
  }
  e.seq = seq++;
  size_t i = nheap++;
  while (i > 0 && ev_less(&e, &heap[(i - 1) / 2])) {
    heap[i] = heap[(i - 1) / 2];
    i = (i - 1) / 2;
  }
  heap[i] = e;
}

static struct ev heap_pop(void)
{
  struct ev top = heap[0], last = heap[--nheap];
  size_t i = 0;
  for (;;) {
    size_t l = 2 * i + 1, r = l + 1, m = i;
    const struct ev *best = &last;
    if (l < nheap && ev_less(&heap[l], best)) { m = l; best = &heap[l]; }
    if (r < nheap && ev_less(&heap[r], best)) m = r;
    if (m == i) break;
    heap[i] = heap[m];
    i = m;
  }
  if (nheap > 0) heap[i] = last;
  return top;
}

static void watch(struct ep *e, unsigned events, int op)
{
  struct epoll_event ee = {.events = events, .data.ptr = e};
  if (epoll_ctl(epfd, op, e->fd, &ee) != 0 && op != EPOLL_CTL_DEL) perror("delayproxy: epoll_ctl");
}

static void set_events(struct conn *c, int side)
{
  unsigned want = (c->eof[side] ? 0 : EPOLLIN) |
                  ((c->head[side] != NULL || (side == 1 && !c->connected)) ? EPOLLOUT : 0);
  if (want != c->events[side]) {
    watch(&c->ep[side], want, EPOLL_CTL_MOD);
    c->events[side] = want;
  }
}

static void conn_close(struct conn *c)
{
  if (c->dead) return;
  c->dead = true;
  for (int d = 0; d < 2; d++) {
    close(c->ep[d].fd);
    for (struct chunk *k = c->head[d], *nx; k != NULL; k = nx) {
      nx = k->next;
      free(k);
    }
    c->head[d] = c->tail[d] = NULL;
  }
  c->refs--;  /* its own reference; the caller holds one more */
}

/* Freed only between event batches: an epoll batch may still hold the
 * other side's event of a connection closed by the first. */
static struct conn *graveyard[65536];
static size_t ngrave;

static void conn_unref(struct conn *c)
{
  if (--c->refs == 0 && c->dead) {
    if (ngrave == sizeof graveyard / sizeof graveyard[0]) {
      fprintf(stderr, "delayproxy: too many connections closed at once\n");
      exit(1);
    }
    graveyard[ngrave++] = c;
  }
}

/* Writes what is due into side d; false when the connection died. */
static bool flush(struct conn *c, int d)
{
  if (d == 1 && !c->connected) return true;
  while (c->head[d] != NULL) {
    struct chunk *k = c->head[d];
    if (k->len == 0) {
      shutdown(c->ep[d].fd, SHUT_WR);
      c->shut[d] = true;
    } else {
      ssize_t w = send(c->ep[d].fd, k->data + k->off, k->len - k->off, MSG_NOSIGNAL);
      if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      if (w < 0) return false;
      k->off += (size_t)w;
      if (k->off < k->len) break;
    }
    c->head[d] = k->next;
    if (c->head[d] == NULL) c->tail[d] = NULL;
    free(k);
  }
  return !(c->shut[0] && c->shut[1]);
}

static void schedule(struct conn *c, int to, struct chunk *k, double extra)
{
  double t = now_s() + half + extra;
  if (t < c->last[to]) t = c->last[to];
  c->last[to] = t;
  c->refs++;
  heap_push((struct ev){.t = t, .c = c, .ch = k, .side = to});
}

static void on_conn(struct conn *c, int side, unsigned events)
{
  if (c->dead) return;
  if (side == 1 && !c->connected && (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
    int err = 0;
    socklen_t el = sizeof err;
    if (getsockopt(c->ep[1].fd, SOL_SOCKET, SO_ERROR, &err, &el) != 0 || err != 0) {
      conn_close(c);
      return;
    }
    c->connected = true;
  }
  if ((events & EPOLLOUT) && !flush(c, side)) { conn_close(c); return; }
  if ((events & (EPOLLIN | EPOLLHUP | EPOLLERR)) && !c->eof[side]) {
    for (;;) {
      struct chunk *k = malloc(sizeof *k + CHUNK);
      if (k == NULL) { conn_close(c); return; }
      ssize_t r = recv(c->ep[side].fd, k->data, CHUNK, 0);
      if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) { free(k); break; }
      k->next = NULL;
      k->off = 0;
      k->len = r > 0 ? (size_t)r : 0;
      n_bytes += k->len;
      double extra = 0;
      if (side == 0 && !c->first_sent) {
        extra = 2 * half;  /* the handshake's round trip */
        c->first_sent = true;
      }
      schedule(c, 1 - side, k, extra);
      if (r <= 0) {  /* the end of the stream, or an error: pass it on */
        c->eof[side] = true;
        break;
      }
      if ((size_t)r < CHUNK) break;
    }
  }
  set_events(c, 0);
  set_events(c, 1);
}

static void set_nodelay_nb(int fd)
{
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

static void on_accept(struct map *m)
{
  for (;;) {
    int fd = accept4(m->listen.fd, NULL, NULL, SOCK_NONBLOCK);
    if (fd < 0) {
      if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) perror("delayproxy: accept");
      return;
    }
    int bfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (bfd < 0) { perror("delayproxy: socket"); close(fd); return; }
    set_nodelay_nb(fd);
    set_nodelay_nb(bfd);
    if (connect(bfd, (struct sockaddr *)&m->back, sizeof m->back) != 0 && errno != EINPROGRESS) {
      close(fd);
      close(bfd);
      continue;
    }
    struct conn *c = calloc(1, sizeof *c);
    if (c == NULL) { close(fd); close(bfd); return; }
    n_conns++;
    c->refs = 1;  /* the connection's own reference, dropped at close */
    for (int d = 0; d < 2; d++) {
      c->ep[d] = (struct ep){.type = EP_CONN, .fd = d ? bfd : fd, .c = c, .side = d};
      c->events[d] = d ? EPOLLIN | EPOLLOUT : EPOLLIN;
      watch(&c->ep[d], c->events[d], EPOLL_CTL_ADD);
    }
  }
}

static void on_udp(struct ep *e)
{
  for (;;) {
    struct chunk *k = malloc(sizeof *k + 4096);
    if (k == NULL) return;
    struct sockaddr_in from;
    socklen_t fl = sizeof from;
    ssize_t r = recvfrom(e->fd, k->data, 4096, 0, (struct sockaddr *)&from, &fl);
    if (r < 12) {  /* EAGAIN, an error, or no DNS header */
      free(k);
      if (r < 0) return;
      continue;
    }
    k->len = (size_t)r;
    k->off = 0;
    k->next = NULL;
    n_dgrams++;
    uint16_t id;
    memcpy(&id, k->data, 2);
    struct ev ev = {.t = now_s() + half, .ch = k, .m = e->m};
    if (e->type == EP_UDP_FRONT) {
      unsigned slot = next_id++ % MAX_PENDING_DNS;
      dns_ids[slot].from = from;
      dns_ids[slot].id = id;
      dns_ids[slot].used = true;
      uint16_t nid = htons((uint16_t)slot);
      memcpy(k->data, &nid, 2);
    } else {
      unsigned slot = ntohs(id);
      if (!dns_ids[slot].used) { free(k); n_dropped++; continue; }
      dns_ids[slot].used = false;
      memcpy(k->data, &dns_ids[slot].id, 2);
      ev.to = dns_ids[slot].from;
      ev.udp_to_client = true;
    }
    heap_push(ev);
  }
}

static void fire(struct ev *e)
{
  if (e->m != NULL) {  /* a datagram */
    if (e->udp_to_client)
      sendto(e->m->front_ep.fd, e->ch->data, e->ch->len, 0, (struct sockaddr *)&e->to, sizeof e->to);
    else
      send(e->m->back_ep.fd, e->ch->data, e->ch->len, 0);
    free(e->ch);
    return;
  }
  struct conn *c = e->c;
  if (c->dead) {
    free(e->ch);
  } else {
    int d = e->side;
    if (c->tail[d]) c->tail[d]->next = e->ch; else c->head[d] = e->ch;
    c->tail[d] = e->ch;
    if (!flush(c, d)) {
      conn_close(c);
    } else {
      set_events(c, d);
      if (c->eof[0] && c->eof[1] && c->head[0] == NULL && c->head[1] == NULL) conn_close(c);
    }
  }
  conn_unref(c);
}

static bool parse_map(const char *s, struct map *m)
{
  char a[64], b[64];
  unsigned lp, bp;
  if (sscanf(s, "%63[0-9.]:%u=%63[0-9.]:%u", a, &lp, b, &bp) != 4 || lp > 65535 || bp > 65535)
    return false;
  m->front = (struct sockaddr_in){.sin_family = AF_INET, .sin_port = htons((uint16_t)lp)};
  m->back = (struct sockaddr_in){.sin_family = AF_INET, .sin_port = htons((uint16_t)bp)};
  return inet_pton(AF_INET, a, &m->front.sin_addr) == 1 && inet_pton(AF_INET, b, &m->back.sin_addr) == 1;
}

static int bound(int type, const struct sockaddr_in *a)
{
  int fd = socket(AF_INET, type | SOCK_NONBLOCK, 0), one = 1;
  if (fd < 0) return -1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(fd, (const struct sockaddr *)a, sizeof *a) != 0 ||
      (type == SOCK_STREAM && listen(fd, 4096) != 0)) {
    close(fd);
    return -1;
  }
  return fd;
}

static void on_signal(int sig) { (void)sig; stop = 1; }

int main(int argc, char **argv)
{
  static struct map maps[MAX_MAPS];
  int nmaps = 0;
  long rtt = -1;
  epfd = epoll_create1(0);
  for (int i = 1; i + 1 < argc; i += 2) {
    bool tcp = strcmp(argv[i], "--tcp") == 0, udp = strcmp(argv[i], "--udp") == 0;
    if (strcmp(argv[i], "--rtt-ms") == 0) {
      char *end;
      rtt = strtol(argv[i + 1], &end, 10);
      if (*end != '\0' || rtt < 0 || rtt > 10000) rtt = -2;
      continue;
    }
    struct map *m = &maps[nmaps];
    if ((!tcp && !udp) || nmaps == MAX_MAPS || !parse_map(argv[i + 1], m)) {
      fprintf(stderr, "usage: delayproxy --rtt-ms MS [--tcp|--udp LIP:LPORT=BIP:BPORT]...\n");
      return 2;
    }
    nmaps++;
    if (tcp) {
      m->listen = (struct ep){.type = EP_LISTEN, .fd = bound(SOCK_STREAM, &m->front), .m = m};
      if (m->listen.fd < 0) { perror(argv[i + 1]); return 1; }
      watch(&m->listen, EPOLLIN, EPOLL_CTL_ADD);
    } else {
      m->front_ep = (struct ep){.type = EP_UDP_FRONT, .fd = bound(SOCK_DGRAM, &m->front), .m = m};
      m->back_ep = (struct ep){.type = EP_UDP_BACK, .fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0), .m = m};
      if (m->front_ep.fd < 0 || m->back_ep.fd < 0 ||
          connect(m->back_ep.fd, (struct sockaddr *)&m->back, sizeof m->back) != 0) {
        perror(argv[i + 1]);
        return 1;
      }
      int sz = 4 << 20;
      setsockopt(m->front_ep.fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);
      setsockopt(m->back_ep.fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);
      watch(&m->front_ep, EPOLLIN, EPOLL_CTL_ADD);
      watch(&m->back_ep, EPOLLIN, EPOLL_CTL_ADD);
    }
  }
  if (rtt < 0 || nmaps == 0) {
    fprintf(stderr, "usage: delayproxy --rtt-ms MS [--tcp|--udp LIP:LPORT=BIP:BPORT]...\n");
    return 2;
  }
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  half = (double)rtt / 2000.0;
  signal(SIGTERM, on_signal);
  signal(SIGINT, on_signal);
  printf("delayproxy: ready (rtt %ld ms, %d mappings)\n", rtt, nmaps);
  fflush(stdout);
  struct epoll_event evs[256];
  while (!stop) {
    int timeout = -1;
    if (nheap > 0) {
      double dt = heap[0].t - now_s();
      timeout = dt <= 0 ? 0 : (int)(dt * 1000) + 1;
    }
    int n = epoll_wait(epfd, evs, 256, timeout);
    for (int i = 0; i < n; i++) {
      struct ep *e = evs[i].data.ptr;
      if (e->type == EP_LISTEN) on_accept(e->m);
      else if (e->type == EP_CONN) {
        e->c->refs++;
        on_conn(e->c, e->side, evs[i].events);
        conn_unref(e->c);
      } else on_udp(e);
    }
    double t = now_s();
    while (nheap > 0 && heap[0].t <= t) {
      struct ev e = heap_pop();
      fire(&e);
    }
    for (size_t k = 0; k < ngrave; k++) free(graveyard[k]);
    ngrave = 0;
  }
  fprintf(stderr, "delayproxy: %lu connections, %lu datagrams (%lu answers dropped), %lu bytes\n",
          n_conns, n_dgrams, n_dropped, n_bytes);
  return 0;
}
