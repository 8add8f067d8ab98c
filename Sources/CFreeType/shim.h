#ifndef REEL_CFREETYPE_SHIM_H
#define REEL_CFREETYPE_SHIM_H
#include <ft2build.h>
#include FT_FREETYPE_H
#include FT_GLYPH_H
#include FT_STROKER_H
#include FT_OUTLINE_H
#include FT_TRUETYPE_TABLES_H

static inline int reel_ft_has_kerning(FT_Face face) { return FT_HAS_KERNING(face) ? 1 : 0; }

/* The bitmap of a glyph converted with FT_Glyph_To_Bitmap, with its offsets. */
static inline FT_BitmapGlyph reel_ft_bitmap_glyph(FT_Glyph glyph) { return (FT_BitmapGlyph)glyph; }

/* The outline of a glyph in outline format (FT_Get_Glyph of an outline slot, FT_Glyph_Stroke). */
static inline FT_OutlineGlyph reel_ft_outline_glyph(FT_Glyph glyph) { return (FT_OutlineGlyph)glyph; }

/* usWeightClass from the OS/2 table, or 0 when the face has none. */
static inline int reel_ft_weight_class(FT_Face face) {
    TT_OS2 *os2 = (TT_OS2 *)FT_Get_Sfnt_Table(face, FT_SFNT_OS2);
    return os2 ? (int)os2->usWeightClass : 0;
}
#endif
