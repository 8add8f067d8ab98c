#ifndef REEL_CRSVG_SHIM_H
#define REEL_CRSVG_SHIM_H
#include <librsvg/rsvg.h>
#endif
