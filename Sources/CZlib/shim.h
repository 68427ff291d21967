#ifndef FIELDNOTES_CZLIB_SHIM_H
#define FIELDNOTES_CZLIB_SHIM_H
#include <zlib.h>

/* The macros inflateInit2 and deflateInit2 pass the library's version and the
   stream's size; Swift cannot call macros, so these wrap them. */
static inline int fieldnotes_deflate_init(z_stream *stream, int level) {
    return deflateInit2(stream, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
}
static inline int fieldnotes_inflate_init(z_stream *stream) {
    return inflateInit2(stream, -15);
}
#endif
