/* Replays every file of a corpus folder through LLVMFuzzerTestOneInput, so
 * ctest re-checks the fuzz corpora in every build (no libFuzzer needed). */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path)
{
  FILE *f = fopen(path, "rb");
  if (f == NULL) { perror(path); return -1; }
  uint8_t *buf = NULL;
  size_t len = 0, cap = 0;
  for (;;) {
    if (len == cap) {
      size_t ncap = cap ? cap * 2 : 4096;
      uint8_t *nb = realloc(buf, ncap);
      if (nb == NULL) { free(buf); fclose(f); return -1; }
      buf = nb; cap = ncap;
    }
    size_t n = fread(buf + len, 1, cap - len, f);
    if (n == 0) break;
    len += n;
  }
  fclose(f);
  LLVMFuzzerTestOneInput(buf, len);
  free(buf);
  return 0;
}

int main(int argc, char **argv)
{
  size_t count = 0;
  for (int i = 1; i < argc; i++) {
    struct stat st;
    if (stat(argv[i], &st) != 0) { perror(argv[i]); return 1; }
    if (!S_ISDIR(st.st_mode)) {
      if (replay_file(argv[i]) != 0) return 1;
      count++;
      continue;
    }
    DIR *d = opendir(argv[i]);
    if (d == NULL) { perror(argv[i]); return 1; }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
      if (e->d_name[0] == '.') continue;
      char path[4096];
      int n = snprintf(path, sizeof path, "%s/%s", argv[i], e->d_name);
      if (n < 0 || (size_t)n >= sizeof path) continue;
      if (replay_file(path) != 0) { closedir(d); return 1; }
      count++;
    }
    closedir(d);
  }
  printf("replayed %zu inputs\n", count);
  /* An empty corpus is a defect: the test must exercise something. */
  return count > 0 ? 0 : 1;
}
