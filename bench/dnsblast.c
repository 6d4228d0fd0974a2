/* Raw DNS query rate of a server: the baseline for batch discovery.
 *
 * Sends TXT queries for the names in NAMES_FILE (one per line, cycled) over
 * UDP to SERVER:PORT from one socket, keeping WINDOW queries in flight, until
 * COUNT answers arrived or SECONDS passed (both bounds always apply). A query
 * unanswered for 1 s is counted lost and its slot reused. Prints one line:
 *   dnsblast: sent=N answered=N lost=N seconds=S qps=R rcode_noerror=N rcode_nxdomain=N
 *
 * usage: dnsblast SERVER PORT NAMES_FILE [COUNT] [SECONDS] [WINDOW] */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench_num.h"

#define MAX_WINDOW 4096

static double now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Builds a TXT query for `name` with `id`; returns the length or 0. */
static size_t build_query(uint8_t *buf, size_t cap, uint16_t id, const char *name)
{
  size_t n = 0;
  if (cap < 12 + 256 + 4) return 0;
  buf[n++] = (uint8_t)(id >> 8);
  buf[n++] = (uint8_t)id;
  buf[n++] = 0x01; /* RD */
  buf[n++] = 0x00;
  buf[n++] = 0; buf[n++] = 1; /* QDCOUNT */
  memset(buf + n, 0, 6);
  n += 6;
  const char *p = name;
  while (*p) {
    const char *dot = strchr(p, '.');
    size_t l = dot ? (size_t)(dot - p) : strlen(p);
    if (l == 0 || l > 63 || n + l + 1 > 12 + 255) return 0;
    buf[n++] = (uint8_t)l;
    memcpy(buf + n, p, l);
    n += l;
    p += l;
    if (*p == '.') p++;
  }
  buf[n++] = 0;
  buf[n++] = 0; buf[n++] = 16; /* TXT */
  buf[n++] = 0; buf[n++] = 1;  /* IN */
  return n;
}

int main(int argc, char **argv)
{
  long count = 200000, window = 100;
  double seconds = 5.0;
  if (!bench_blast_args(argc, argv, 4,
                        "usage: dnsblast SERVER PORT NAMES_FILE [COUNT] [SECONDS] [WINDOW]",
                        &count, &seconds, &window))
    return 2;
  if (count < 1 || seconds <= 0 || window < 1 || window > MAX_WINDOW) {
    fprintf(stderr, "dnsblast: bad COUNT/SECONDS/WINDOW\n");
    return 2;
  }
  FILE *f = fopen(argv[3], "r");
  if (f == NULL) { perror(argv[3]); return 2; }
  size_t nnames = 0, cap = 0;
  char **names = NULL, line[512];
  while (fgets(line, sizeof line, f)) {
    line[strcspn(line, "\r\n")] = '\0';
    if (line[0] == '\0') continue;
    if (nnames == cap) {
      cap = cap ? cap * 2 : 1024;
      names = realloc(names, cap * sizeof *names);
      if (names == NULL) return 2;
    }
    names[nnames++] = strdup(line);
  }
  fclose(f);
  if (nnames == 0) { fprintf(stderr, "dnsblast: no names\n"); return 2; }

  struct sockaddr_in sa;
  memset(&sa, 0, sizeof sa);
  sa.sin_family = AF_INET;
  long port = bench_long_or(argv[2], 0);
  if (port < 1 || port > 65535) {
    fprintf(stderr, "dnsblast: bad port\n");
    return 2;
  }
  sa.sin_port = htons((uint16_t)port);
  if (inet_pton(AF_INET, argv[1], &sa.sin_addr) != 1) { fprintf(stderr, "dnsblast: bad address\n"); return 2; }
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) { perror("socket"); return 2; }
  int rcvbuf = 4 << 20;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);

  /* slot i carries ids with (id % window) == i; sent_at 0 = free */
  static double sent_at[MAX_WINDOW];
  static uint16_t slot_id[MAX_WINDOW];
  static unsigned gen[MAX_WINDOW];
  long sent = 0, answered = 0, lost = 0, noerror = 0, nxdomain = 0, other = 0;
  size_t next_name = 0;
  double t0 = now(), end = t0 + seconds;
  uint8_t q[512], r[4096];
  for (;;) {
    double t = now();
    if (answered >= count || t >= end) break;
    for (long i = 0; i < window; i++) {
      if (sent_at[i] != 0 && t - sent_at[i] > 1.0) { lost++; sent_at[i] = 0; }
      if (sent_at[i] == 0 && answered + (sent - answered - lost) < count) {
        uint16_t qid = (uint16_t)((uint16_t)i + (uint16_t)((gen[i]++ & 0xf) * MAX_WINDOW));
        size_t n = build_query(q, sizeof q, qid, names[next_name]);
        next_name = (next_name + 1) % nnames;
        if (n == 0) continue;
        if (send(fd, q, n, 0) < 0) {
          if (errno == EAGAIN || errno == ENOBUFS) break;
          perror("send");
          return 1;
        }
        slot_id[i] = qid;
        sent_at[i] = t;
        sent++;
      }
    }
    struct pollfd pfd = {fd, POLLIN, 0};
    int pr = poll(&pfd, 1, 50);
    if (pr <= 0) continue;
    for (;;) {
      ssize_t got = recv(fd, r, sizeof r, MSG_DONTWAIT);
      if (got < 12) break;
      uint16_t id = (uint16_t)((r[0] << 8) | r[1]);
      long slot = (long)(id % MAX_WINDOW);
      if (slot >= window || sent_at[slot] == 0 || slot_id[slot] != id) continue;
      sent_at[slot] = 0;
      answered++;
      int rcode = r[3] & 0x0f;
      if (rcode == 0) noerror++;
      else if (rcode == 3) nxdomain++;
      else other++;
    }
  }
  double el = now() - t0;
  printf("dnsblast: sent=%ld answered=%ld lost=%ld seconds=%.3f qps=%.0f "
         "rcode_noerror=%ld rcode_nxdomain=%ld rcode_other=%ld window=%ld\n",
         sent, answered, lost, el, (double)answered / el, noerror, nxdomain, other, window);
  close(fd);
  for (size_t i = 0; i < nnames; i++) free(names[i]);
  free(names);
  return answered > 0 ? 0 : 1;
}
