/* libdomainconnect umbrella header. */
#ifndef DOMAINCONNECT_DC_H
#define DOMAINCONNECT_DC_H
#include "domainconnect/common.h"
#include "domainconnect/names.h"
#include "domainconnect/settings.h"
#include "domainconnect/request.h"
#include "domainconnect/sign.h"
#include "domainconnect/oauth.h"
#include "domainconnect/net.h"
#include "domainconnect/batch.h"
#include "domainconnect/template.h"
#endif
