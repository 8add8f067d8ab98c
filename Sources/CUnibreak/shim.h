#ifndef REEL_CUNIBREAK_SHIM_H
#define REEL_CUNIBREAK_SHIM_H
#include <linebreak.h>
#endif
