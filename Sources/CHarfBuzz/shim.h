#ifndef REEL_CHARFBUZZ_SHIM_H
#define REEL_CHARFBUZZ_SHIM_H
#include <hb.h>
#include <hb-ot.h>
#endif
