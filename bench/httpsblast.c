/* Raw HTTPS request rate of the provider servers with keep-alive: the
 * baseline for batch discovery.
 *
 * GETs the URLs in URLS_FILE (one "ADDRESS URL" per line, cycled; ADDRESS is
 * pinned with CURLOPT_RESOLVE for the URL's host on port 443) with libcurl
 * multi, CONNS transfers in flight on CONNS keep-alive connections (handle i
 * sends only to the i-th host modulo the number of hosts, so that every
 * connection is reused rather than evicted for another host),
 * TLS verified against CA_FILE, until COUNT responses arrived or SECONDS
 * passed (both bounds always apply; each transfer also has a 10 s timeout).
 * Prints one line:
 *   httpsblast: done=N ok2xx=N failed=N seconds=S rps=R connects=N
 *
 * usage: httpsblast CA_FILE URLS_FILE [COUNT] [SECONDS] [CONNS] */
#include <curl/curl.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/resource.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_num.h"

static double now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t sink(char *p, size_t s, size_t n, void *u)
{
  (void)p;
  (void)u;
  return s * n;
}

struct target {
  char *url;
  char host[300];
  struct curl_slist *resolve;
};

static int by_host(const void *a, const void *b)
{
  return strcmp(((const struct target *)a)->host, ((const struct target *)b)->host);
}

int main(int argc, char **argv)
{
  long count = 20000, conns = 16;
  double seconds = 5.0;
  if (!bench_blast_args(argc, argv, 3,
                        "usage: httpsblast CA_FILE URLS_FILE [COUNT] [SECONDS] [CONNS]", &count,
                        &seconds, &conns))
    return 2;
  if (count < 1 || seconds <= 0 || conns < 1 || conns > 1024) {
    fprintf(stderr, "httpsblast: bad COUNT/SECONDS/CONNS\n");
    return 2;
  }
  FILE *f = fopen(argv[2], "r");
  if (f == NULL) { perror(argv[2]); return 2; }
  size_t nt = 0, cap = 0;
  struct target *t = NULL;
  char line[1024], addr[128], url[900], host[300];
  while (fgets(line, sizeof line, f)) {
    if (sscanf(line, "%127s %899s", addr, url) != 2) continue;
    if (sscanf(url, "https://%299[^/:]", host) != 1) continue;
    if (nt == cap) {
      cap = cap ? cap * 2 : 1024;
      t = realloc(t, cap * sizeof *t);
      if (t == NULL) return 2;
    }
    char r[512];
    snprintf(r, sizeof r, "%s:443:%s", host, addr);
    t[nt].url = strdup(url);
    snprintf(t[nt].host, sizeof t[nt].host, "%s", host);
    t[nt].resolve = curl_slist_append(NULL, r);
    nt++;
  }
  fclose(f);
  if (nt == 0) { fprintf(stderr, "httpsblast: no URLs\n"); return 2; }
  qsort(t, nt, sizeof *t, by_host);
  /* groups: [gstart[g], gstart[g+1]) share a host */
  size_t ng = 0, *gstart = calloc(nt + 1, sizeof *gstart);
  if (gstart == NULL) return 2;
  for (size_t i = 0; i < nt; i++)
    if (i == 0 || strcmp(t[i].host, t[i - 1].host) != 0) gstart[ng++] = i;
  gstart[ng] = nt;
  size_t *cursor = calloc((size_t)conns, sizeof *cursor);
  if (cursor == NULL) return 2;

  curl_global_init(CURL_GLOBAL_DEFAULT);
  CURLM *m = curl_multi_init();
  curl_multi_setopt(m, CURLMOPT_MAXCONNECTS, conns);
  CURL **easy = calloc((size_t)conns, sizeof *easy);
  CURLSH *share = curl_share_init();
  curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
  curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
  long started = 0, done = 0, ok = 0, failed = 0, connects = 0;
  double t0 = now(), end = t0 + seconds;
  for (long i = 0; i < conns; i++) {
    easy[i] = curl_easy_init();
    curl_easy_setopt(easy[i], CURLOPT_CAINFO, argv[1]);
    curl_easy_setopt(easy[i], CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(easy[i], CURLOPT_TIMEOUT_MS, 10000L);
    curl_easy_setopt(easy[i], CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy[i], CURLOPT_SHARE, share);
    curl_easy_setopt(easy[i], CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1);
  }
  /* start the next transfer of handle i: its host group, round robin */
#define START(i)                                                      \
  do {                                                                \
    size_t g_ = (size_t)(i) % ng;                                     \
    size_t k_ = gstart[g_] + cursor[(i)] % (gstart[g_ + 1] - gstart[g_]); \
    cursor[(i)]++;                                                    \
    curl_easy_setopt(easy[(i)], CURLOPT_URL, t[k_].url);              \
    curl_easy_setopt(easy[(i)], CURLOPT_RESOLVE, t[k_].resolve);      \
    curl_multi_add_handle(m, easy[(i)]);                              \
    started++;                                                        \
  } while (0)
  for (long i = 0; i < conns && started < count; i++) {
    curl_easy_setopt(easy[i], CURLOPT_PRIVATE, (void *)(intptr_t)i);
    START(i);
  }
  int running = 1;
  while (running || started > done) {
    if (now() >= end) break;
    curl_multi_perform(m, &running);
    CURLMsg *msg;
    int left;
    while ((msg = curl_multi_info_read(m, &left)) != NULL) {
      if (msg->msg != CURLMSG_DONE) continue;
      CURL *h = msg->easy_handle;
      long code = 0, nc = 0;
      curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
      curl_easy_getinfo(h, CURLINFO_NUM_CONNECTS, &nc);
      connects += nc;
      done++;
      if (msg->data.result == CURLE_OK && code >= 200 && code < 300) ok++;
      else failed++;
      curl_multi_remove_handle(m, h);
      if (started < count && now() < end) {
        char *priv = NULL;
        curl_easy_getinfo(h, CURLINFO_PRIVATE, &priv);
        long i = (long)(intptr_t)priv;
        START(i);
      }
    }
    if (done >= count) break;
    curl_multi_poll(m, NULL, 0, 50, NULL);
  }
  double el = now() - t0;
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  double cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
               (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
  printf("httpsblast: done=%ld ok2xx=%ld failed=%ld seconds=%.3f rps=%.0f connects=%ld conns=%ld hosts=%zu client_cpu=%.0f%%\n",
         done, ok, failed, el, (double)done / el, connects, conns, ng, 100 * cpu / el);
  for (long i = 0; i < conns; i++) {
    curl_multi_remove_handle(m, easy[i]);
    curl_easy_cleanup(easy[i]);
  }
  free(easy);
  curl_multi_cleanup(m);
  curl_share_cleanup(share);
  for (size_t i = 0; i < nt; i++) {
    free(t[i].url);
    curl_slist_free_all(t[i].resolve);
  }
  free(t);
  free(gstart);
  free(cursor);
  curl_global_cleanup();
  return ok > 0 ? 0 : 1;
}
