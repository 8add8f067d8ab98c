#ifndef REEL_COSMESA_SHIM_H
#define REEL_COSMESA_SHIM_H
// Mesa's off-screen OpenGL (llvmpipe: no GPU), with the OpenGL 3.3 core entry points it exports.
#define GL_GLEXT_PROTOTYPES 1
#include <GL/osmesa.h>
#include <GL/gl.h>
#include <GL/glext.h>
#endif
