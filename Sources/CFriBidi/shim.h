#ifndef REEL_CFRIBIDI_SHIM_H
#define REEL_CFRIBIDI_SHIM_H
#include <fribidi.h>

/* The paragraph direction macros as values Swift can use. */
static inline FriBidiParType reel_fribidi_auto(void) { return FRIBIDI_PAR_ON; }
#endif
