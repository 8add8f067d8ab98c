#ifndef REEL_CASSIMP_SHIM_H
#define REEL_CASSIMP_SHIM_H
// Open Asset Import Library's C API (glTF 2.0 models for three clips).
#include <assimp/cimport.h>
#include <assimp/cfileio.h>
#include <assimp/scene.h>
#include <assimp/material.h>
#include <assimp/postprocess.h>
#endif
