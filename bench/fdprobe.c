/* LD_PRELOAD probe for bench/scale-bench.py --million: counts the open
 * descriptors of the process (/proc/self/fd) when it starts (constructor,
 * before main) and when it exits (destructor, after main has returned and
 * freed everything), and prints on stderr:
 *   fdprobe: fds_start=N fds_exit=M vmhwm_kb=K
 * so a leak of descriptors shows as M > N, exactly, with no sampling race. */
#include <dirent.h>
#include <stdio.h>
#include <string.h>

static int fds_start = -1;

static int count_fds(void)
{
  DIR *d = opendir("/proc/self/fd");
  if (d == NULL) return -1;
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL)
    if (e->d_name[0] != '.') n++;
  closedir(d);
  return n - 1;  /* the directory stream's own descriptor */
}

static long vmhwm_kb(void)
{
  char l[256];
  long kb = -1;
  FILE *f = fopen("/proc/self/status", "r");
  if (f == NULL) return -1;
  while (fgets(l, sizeof l, f))
    if (strncmp(l, "VmHWM:", 6) == 0 && sscanf(l + 6, "%ld", &kb) != 1) kb = -1;
  fclose(f);
  return kb;
}

__attribute__((constructor)) static void probe_start(void) { fds_start = count_fds(); }

__attribute__((destructor)) static void probe_exit(void)
{
  long hwm = vmhwm_kb();
  fprintf(stderr, "fdprobe: fds_start=%d fds_exit=%d vmhwm_kb=%ld\n", fds_start, count_fds(), hwm);
}
