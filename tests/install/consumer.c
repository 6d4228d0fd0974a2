/* Minimal program built against the installed library. */
#include <stdio.h>
#include <domainconnect/dc.h>

int main(void)
{
  dc_client *c = NULL;
  char *zone = NULL, *host = NULL;
  if (dc_client_new(&c) != DC_OK) return 1;
  dc_status st = dc_zone_split(c, "www.example.co.uk", &zone, &host);
  if (st != DC_OK) { fprintf(stderr, "%s\n", dc_status_str(st)); return 1; }
  printf("%s %s %s\n", dc_version(), zone, host);
  dc_free(zone);
  dc_free(host);
  dc_client_free(c);
  return 0;
}
