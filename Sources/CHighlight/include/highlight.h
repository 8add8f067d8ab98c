#ifndef REEL_CHIGHLIGHT_HIGHLIGHT_H
#define REEL_CHIGHLIGHT_HIGHLIGHT_H

/* A plain C face on GNU source-highlight's engine: the tokens of a piece of code, as byte ranges
   of the input with the name of the language element each belongs to. */

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One highlighted run: `length` bytes from byte `start` of the input belong to `element`
   (a source-highlight element name such as "keyword", "string", "comment"; NUL-terminated,
   cut at 31 bytes). */
typedef struct {
    size_t start;
    size_t length;
    char element[32];
} reel_hl_token;

/* What reel_hl_highlight returns: the tokens in input order (never overlapping; text of the
   "normal" element is left out, and adjacent runs of one element are joined), or an error. */
typedef struct {
    reel_hl_token *tokens;
    size_t count;
    char error[256];
} reel_hl_result;

/* Highlights `code` (UTF-8, `length` bytes) with the language definition `lang_file` (e.g.
   "python.lang") read from the folder `data_dir`, where its includes are looked up too.
   Lines end at "\n"; a "\r" before it is left out of every token.
   Returns 0 with `result` filled (release it with reel_hl_free), or non-zero with
   `result->error` set and no tokens. Safe to call from several threads at once: each language
   is read once per process and shared. */
int reel_hl_highlight(const char *data_dir, const char *lang_file, const char *code, size_t length,
                      reel_hl_result *result);

/* Releases the tokens of a result filled by reel_hl_highlight; the result may be reused. */
void reel_hl_free(reel_hl_result *result);

#ifdef __cplusplus
}
#endif

#endif
