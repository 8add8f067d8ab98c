#ifndef REEL_CPNG_SHIM_H
#define REEL_CPNG_SHIM_H
#include <png.h>
/* The simplified libpng API needs no setjmp, which Swift cannot use. */
static inline png_uint_32 reel_png_image_version(void) { return PNG_IMAGE_VERSION; }
static inline png_uint_32 reel_png_format_rgba(void) { return PNG_FORMAT_RGBA; }
static inline png_uint_32 reel_png_flag_fast(void) { return PNG_IMAGE_FLAG_FAST; }
/* The most bytes png_image_write_to_memory can need for the image (a 16-bit row stride of 0). */
static inline size_t reel_png_size_max(png_imagep image) { return PNG_IMAGE_PNG_SIZE_MAX(*image); }
static inline int reel_png_image_failed(png_imagep image) { return PNG_IMAGE_FAILED(*image); }
#endif
