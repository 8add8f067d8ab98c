#ifndef REEL_CPNG_SHIM_H
#define REEL_CPNG_SHIM_H
#include <png.h>
#include <zlib.h>
#include <setjmp.h>
#include <string.h>
/* Writing a PNG whose image data the caller compressed (in pieces, in parallel). libpng reports
 * errors by longjmp, which Swift cannot catch: the one function that calls into it sets its jump
 * here, in C. */

/* The most bytes reel_deflate_piece can write for `count` input bytes. */
static inline size_t reel_deflate_piece_bound(size_t count) { return compressBound((uLong)count) + 64; }

/* Compresses in[0..<count) as one piece of a raw deflate stream (no zlib header or trailer) at
 * `level` with `strategy`: the last piece ends the stream, the others end on a byte boundary with
 * a full flush, so that pieces compressed apart concatenate into one stream. Returns the bytes
 * written to out, or -1 (out too small, or zlib failed). */
static inline long reel_deflate_piece(const unsigned char *in, size_t count, unsigned char *out, size_t capacity,
                                      int last, int level, int strategy) {
    if (count > 0x7fffffffu || capacity > 0x7fffffffu) return -1;
    z_stream stream;
    memset(&stream, 0, sizeof stream);
    if (deflateInit2(&stream, level, Z_DEFLATED, -15, 8, strategy) != Z_OK) return -1;
    stream.next_in = (Bytef *)in;
    stream.avail_in = (uInt)count;
    stream.next_out = out;
    stream.avail_out = (uInt)capacity;
    int result = deflate(&stream, last ? Z_FINISH : Z_FULL_FLUSH);
    long written = (long)(capacity - stream.avail_out);
    int complete = last ? result == Z_STREAM_END : (result == Z_OK && stream.avail_in == 0 && stream.avail_out > 0);
    deflateEnd(&stream);
    return complete ? written : -1;
}

static inline unsigned long reel_adler32(unsigned long adler, const unsigned char *bytes, size_t count) {
    return adler32_z(adler, bytes, count);
}

static inline unsigned long reel_crc32(unsigned long crc, const unsigned char *bytes, size_t count) {
    return crc32_z(crc, bytes, count);
}

static inline unsigned long reel_adler32_combine(unsigned long first, unsigned long second, size_t secondCount) {
    return adler32_combine(first, second, (z_off_t)secondCount);
}

typedef struct {
    unsigned char *data;
    size_t size, capacity;
} reel_png_buffer;

static void reel_png_buffer_write(png_structp png, png_bytep bytes, size_t length) {
    reel_png_buffer *buffer = (reel_png_buffer *)png_get_io_ptr(png);
    if (length > buffer->capacity - buffer->size) png_error(png, "the output buffer is full");
    memcpy(buffer->data + buffer->size, bytes, length);
    buffer->size += length;
}

static void reel_png_buffer_flush(png_structp png) { (void)png; }

/* Writes an 8-bit RGBA, non-interlaced PNG through libpng into out: the header (with the sRGB
 * chunk and its gAMA and cHRM stand-ins), `zlibStream`
 * (the rows, each with its filter byte, as a zlib stream) as IDAT chunks of at most 1 MiB, and
 * the end. Returns the size written, or 0 when libpng fails or out is too small. */
static inline size_t reel_png_write_compressed(png_uint_32 width, png_uint_32 height, const unsigned char *zlibStream,
                                               size_t zlibSize, unsigned char *out, size_t capacity) {
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    if (png == NULL) return 0;
    png_infop info = png_create_info_struct(png);
    if (info == NULL) {
        png_destroy_write_struct(&png, NULL);
        return 0;
    }
    reel_png_buffer buffer = { out, 0, capacity };
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        return 0;
    }
    png_set_write_fn(png, &buffer, reel_png_buffer_write, reel_png_buffer_flush);
    png_set_IHDR(png, info, width, height, 8, PNG_COLOR_TYPE_RGB_ALPHA, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    /* The colour is sRGB: an sRGB chunk (perceptual intent), with the gAMA and cHRM chunks
     * that stand for it in readers without sRGB support. */
    png_set_sRGB_gAMA_and_cHRM(png, info, PNG_sRGB_INTENT_PERCEPTUAL);
    png_write_info(png, info);
    static const png_byte idat[5] = { 'I', 'D', 'A', 'T', 0 }, iend[5] = { 'I', 'E', 'N', 'D', 0 };
    for (size_t at = 0; at < zlibSize; at += (size_t)1 << 20) {
        size_t piece = zlibSize - at < ((size_t)1 << 20) ? zlibSize - at : ((size_t)1 << 20);
        png_write_chunk(png, idat, zlibStream + at, piece);
    }
    png_write_chunk(png, iend, NULL, 0);
    size_t written = buffer.size;
    png_destroy_write_struct(&png, &info);
    return written;
}
#endif
