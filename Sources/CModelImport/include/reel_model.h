#ifndef REEL_MODEL_H
#define REEL_MODEL_H
// glTF 2.0 models read by assimp from bytes in memory, flattened into triangle meshes in the
// model's own coordinates (node transforms applied), with each mesh's material factors. The only
// file assimp may open is the one given: a reference to another file (an external buffer or
// image) fails the import instead of reading the disk.

#include <stddef.h>

typedef struct ReelModelMesh {
    unsigned vertexCount;
    unsigned indexCount;
    float *positions;   // 3 a vertex
    float *normals;     // 3 a vertex
    float *uvs;         // 2 a vertex; NULL when the mesh has none
    unsigned *indices;  // 3 a triangle
    float baseColor[4]; // linear RGBA (glTF's baseColorFactor)
    float emissive[3];  // linear RGB
    float metallic;
    float roughness;
    int doubleSided;
    int alphaBlend;     // glTF alphaMode BLEND
    int texture;        // index into the model's textures of the base colour texture, or -1
    int magFilter;      // the texture's sampler, as OpenGL (and glTF) number them
    int minFilter;
    int wrapS;
    int wrapT;
} ReelModelMesh;

typedef struct ReelModelTexture {
    unsigned char *bytes;  // the file as embedded (PNG, JPEG, ...)
    unsigned byteCount;
    char format[9];        // assimp's format hint: "png", "jpg", ...
} ReelModelTexture;

typedef struct ReelModel {
    unsigned meshCount;
    ReelModelMesh *meshes;
    unsigned textureCount;
    ReelModelTexture *textures;
} ReelModel;

/// Reads the model in `bytes` (`name` ends with its extension, ".glb" or ".gltf"). At most
/// `maxVertices` vertices in all. Returns NULL and writes a message into `error` on failure.
/// Not thread-safe (assimp's C API keeps its last error globally): callers serialise.
ReelModel *reel_model_load(const void *bytes, size_t length, const char *name, unsigned maxVertices,
                           char *error, size_t errorSize);

/// Frees what `reel_model_load` returned.
void reel_model_free(ReelModel *model);

#endif
