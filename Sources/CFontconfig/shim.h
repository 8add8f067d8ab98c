#ifndef REEL_CFONTCONFIG_SHIM_H
#define REEL_CFONTCONFIG_SHIM_H
#include <fontconfig/fontconfig.h>

/* fontconfig's property names are macros of string literals; Swift sees them as these. */
static inline const char *reel_fc_family(void) { return FC_FAMILY; }
static inline const char *reel_fc_file(void) { return FC_FILE; }
static inline const char *reel_fc_index(void) { return FC_INDEX; }
static inline const char *reel_fc_weight(void) { return FC_WEIGHT; }
static inline const char *reel_fc_slant(void) { return FC_SLANT; }
static inline const char *reel_fc_charset(void) { return FC_CHARSET; }
static inline const char *reel_fc_color(void) { return FC_COLOR; }
static inline const char *reel_fc_scalable(void) { return FC_SCALABLE; }
static inline const char *reel_fc_fontformat(void) { return FC_FONTFORMAT; }
#endif
