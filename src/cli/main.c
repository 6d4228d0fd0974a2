#include <stdio.h>
#include "domainconnect/dc.h"
int main(void) { printf("domainconnect %s\n", dc_version()); return 0; }
