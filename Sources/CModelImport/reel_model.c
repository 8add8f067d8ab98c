#include "reel_model.h"

#include <assimp/cfileio.h>
#include <assimp/cimport.h>
#include <assimp/material.h>
#include <assimp/postprocess.h>
#include <assimp/scene.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// MARK: one file in memory, nothing else

typedef struct MemorySource {
    const unsigned char *bytes;
    size_t length;
    const char *name;
} MemorySource;

typedef struct MemoryFile {
    const MemorySource *source;
    size_t position;
} MemoryFile;

static size_t memory_read(struct aiFile *file, char *buffer, size_t size, size_t count) {
    MemoryFile *memory = (MemoryFile *)file->UserData;
    if (size == 0 || count == 0) return 0;
    size_t left = memory->source->length - memory->position;
    size_t items = left / size < count ? left / size : count;
    memcpy(buffer, memory->source->bytes + memory->position, items * size);
    memory->position += items * size;
    return items;
}

static size_t memory_write(struct aiFile *file, const char *buffer, size_t size, size_t count) {
    (void)file; (void)buffer; (void)size; (void)count;
    return 0;
}

static size_t memory_tell(struct aiFile *file) { return ((MemoryFile *)file->UserData)->position; }

static size_t memory_size(struct aiFile *file) { return ((MemoryFile *)file->UserData)->source->length; }

static void memory_flush(struct aiFile *file) { (void)file; }

static enum aiReturn memory_seek(struct aiFile *file, size_t offset, enum aiOrigin origin) {
    MemoryFile *memory = (MemoryFile *)file->UserData;
    size_t base = origin == aiOrigin_SET ? 0 : origin == aiOrigin_CUR ? memory->position : memory->source->length;
    if (offset > memory->source->length - base) return aiReturn_FAILURE;
    memory->position = base + offset;
    return aiReturn_SUCCESS;
}

/// assimp may prefix the name with a folder ("./model.glb"): the base name is compared.
static int names_match(const char *asked, const char *name) {
    const char *slash = strrchr(asked, '/');
    const char *backslash = strrchr(asked, '\\');
    const char *base = slash > backslash ? slash + 1 : backslash ? backslash + 1 : asked;
    return strcmp(base, name) == 0;
}

static struct aiFile *memory_open(struct aiFileIO *io, const char *name, const char *mode) {
    const MemorySource *source = (const MemorySource *)io->UserData;
    if (!name || !mode || mode[0] != 'r' || !names_match(name, source->name)) return NULL;
    struct aiFile *file = calloc(1, sizeof(struct aiFile));
    MemoryFile *memory = calloc(1, sizeof(MemoryFile));
    if (!file || !memory) { free(file); free(memory); return NULL; }
    memory->source = source;
    file->ReadProc = memory_read;
    file->WriteProc = memory_write;
    file->TellProc = memory_tell;
    file->FileSizeProc = memory_size;
    file->SeekProc = memory_seek;
    file->FlushProc = memory_flush;
    file->UserData = (aiUserData)memory;
    return file;
}

static void memory_close(struct aiFileIO *io, struct aiFile *file) {
    (void)io;
    if (!file) return;
    free(file->UserData);
    free(file);
}

// MARK: flattening

static void fail(char *error, size_t size, const char *message) {
    if (error && size > 0) snprintf(error, size, "%s", message);
}

static void read_material(const struct aiMaterial *material, ReelModelMesh *mesh) {
    struct aiColor4D color;
    mesh->baseColor[0] = mesh->baseColor[1] = mesh->baseColor[2] = mesh->baseColor[3] = 1;
    if (aiGetMaterialColor(material, "$clr.base", 0, 0, &color) == aiReturn_SUCCESS
        || aiGetMaterialColor(material, "$clr.diffuse", 0, 0, &color) == aiReturn_SUCCESS) {
        mesh->baseColor[0] = color.r; mesh->baseColor[1] = color.g; mesh->baseColor[2] = color.b; mesh->baseColor[3] = color.a;
    }
    ai_real opacity = 1;
    if (aiGetMaterialFloatArray(material, "$mat.opacity", 0, 0, &opacity, NULL) == aiReturn_SUCCESS && opacity < mesh->baseColor[3]) {
        mesh->baseColor[3] = opacity;
    }
    if (aiGetMaterialColor(material, "$clr.emissive", 0, 0, &color) == aiReturn_SUCCESS) {
        mesh->emissive[0] = color.r; mesh->emissive[1] = color.g; mesh->emissive[2] = color.b;
    }
    ai_real value = 1;
    mesh->metallic = 1;
    mesh->roughness = 1;
    if (aiGetMaterialFloatArray(material, "$mat.metallicFactor", 0, 0, &value, NULL) == aiReturn_SUCCESS) mesh->metallic = value;
    value = 1;
    if (aiGetMaterialFloatArray(material, "$mat.roughnessFactor", 0, 0, &value, NULL) == aiReturn_SUCCESS) mesh->roughness = value;
    int twoSided = 0;
    if (aiGetMaterialIntegerArray(material, "$mat.twosided", 0, 0, &twoSided, NULL) == aiReturn_SUCCESS) mesh->doubleSided = twoSided != 0;
    struct aiString mode;
    if (aiGetMaterialString(material, "$mat.gltf.alphaMode", 0, 0, &mode) == aiReturn_SUCCESS) {
        mesh->alphaBlend = strcmp(mode.data, "BLEND") == 0;
    }
    mesh->texture = -1;
    // glTF's defaults, and three.js's for a sampler that gives no filters.
    mesh->magFilter = 0x2601;  // LINEAR
    mesh->minFilter = 0x2703;  // LINEAR_MIPMAP_LINEAR
    mesh->wrapS = mesh->wrapT = 0x2901;  // REPEAT
    struct aiString path;
    enum aiTextureMapMode modes[3] = { aiTextureMapMode_Wrap, aiTextureMapMode_Wrap, aiTextureMapMode_Wrap };
    enum aiTextureType type = aiTextureType_BASE_COLOR;
    int found = aiGetMaterialTexture(material, type, 0, &path, NULL, NULL, NULL, NULL, modes, NULL) == aiReturn_SUCCESS;
    if (!found) {
        type = aiTextureType_DIFFUSE;
        found = aiGetMaterialTexture(material, type, 0, &path, NULL, NULL, NULL, NULL, modes, NULL) == aiReturn_SUCCESS;
    }
    // Embedded textures are named "*N"; files beside the model are not read.
    if (found && path.data[0] == '*') {
        char *end = NULL;
        long index = strtol(path.data + 1, &end, 10);
        if (end && *end == 0 && index >= 0 && index < 1 << 20) mesh->texture = (int)index;
        int filter = 0;
        if (aiGetMaterialIntegerArray(material, "$tex.mappingfiltermag", type, 0, &filter, NULL) == aiReturn_SUCCESS
            && (filter == 0x2600 || filter == 0x2601)) mesh->magFilter = filter;
        if (aiGetMaterialIntegerArray(material, "$tex.mappingfiltermin", type, 0, &filter, NULL) == aiReturn_SUCCESS
            && ((filter >= 0x2600 && filter <= 0x2601) || (filter >= 0x2700 && filter <= 0x2703))) mesh->minFilter = filter;
        int wraps[2];
        for (int axis = 0; axis < 2; axis++) {
            wraps[axis] = modes[axis] == aiTextureMapMode_Clamp ? 0x812F : modes[axis] == aiTextureMapMode_Mirror ? 0x8370 : 0x2901;
        }
        mesh->wrapS = wraps[0];
        mesh->wrapT = wraps[1];
    }
}

static int copy_mesh(const struct aiMesh *source, const struct aiScene *scene, ReelModelMesh *mesh) {
    unsigned vertices = source->mNumVertices, triangles = 0;
    for (unsigned f = 0; f < source->mNumFaces; f++) {
        if (source->mFaces[f].mNumIndices == 3) triangles++;
    }
    if (vertices == 0 || triangles == 0 || !source->mVertices) return 0;
    mesh->vertexCount = vertices;
    mesh->indexCount = triangles * 3;
    mesh->positions = malloc(sizeof(float) * 3 * vertices);
    mesh->normals = calloc(3 * (size_t)vertices, sizeof(float));
    mesh->indices = malloc(sizeof(unsigned) * 3 * (size_t)triangles);
    if (!mesh->positions || !mesh->normals || !mesh->indices) return -1;
    for (unsigned v = 0; v < vertices; v++) {
        mesh->positions[3 * v] = source->mVertices[v].x;
        mesh->positions[3 * v + 1] = source->mVertices[v].y;
        mesh->positions[3 * v + 2] = source->mVertices[v].z;
        if (source->mNormals) {
            mesh->normals[3 * v] = source->mNormals[v].x;
            mesh->normals[3 * v + 1] = source->mNormals[v].y;
            mesh->normals[3 * v + 2] = source->mNormals[v].z;
        }
    }
    if (source->mTextureCoords[0]) {
        mesh->uvs = malloc(sizeof(float) * 2 * vertices);
        if (!mesh->uvs) return -1;
        for (unsigned v = 0; v < vertices; v++) {
            mesh->uvs[2 * v] = source->mTextureCoords[0][v].x;
            mesh->uvs[2 * v + 1] = source->mTextureCoords[0][v].y;
        }
    }
    unsigned written = 0;
    for (unsigned f = 0; f < source->mNumFaces; f++) {
        const struct aiFace *face = &source->mFaces[f];
        if (face->mNumIndices != 3) continue;
        for (unsigned k = 0; k < 3; k++) {
            unsigned index = face->mIndices[k];
            if (index >= vertices) return -2;
            mesh->indices[written++] = index;
        }
    }
    if (source->mMaterialIndex < scene->mNumMaterials) {
        read_material(scene->mMaterials[source->mMaterialIndex], mesh);
    } else {
        mesh->baseColor[0] = mesh->baseColor[1] = mesh->baseColor[2] = mesh->baseColor[3] = 1;
        mesh->metallic = 1;
        mesh->roughness = 1;
        mesh->texture = -1;
    }
    return 1;
}

ReelModel *reel_model_load(const void *bytes, size_t length, const char *name, unsigned maxVertices,
                           char *error, size_t errorSize) {
    MemorySource source = { bytes, length, name };
    struct aiFileIO io = { memory_open, memory_close, (aiUserData)&source };
    unsigned flags = aiProcess_Triangulate | aiProcess_GenSmoothNormals | aiProcess_JoinIdenticalVertices
        | aiProcess_PreTransformVertices | aiProcess_SortByPType | aiProcess_ValidateDataStructure;
    const struct aiScene *scene = aiImportFileEx(name, flags, &io);
    if (!scene) {
        const char *message = aiGetErrorString();
        fail(error, errorSize, message && *message ? message : "assimp could not read the model");
        return NULL;
    }
    if (scene->mFlags & AI_SCENE_FLAGS_INCOMPLETE) {
        fail(error, errorSize, "the model is incomplete");
        aiReleaseImport(scene);
        return NULL;
    }
    unsigned long long total = 0;
    for (unsigned m = 0; m < scene->mNumMeshes; m++) total += scene->mMeshes[m]->mNumVertices;
    if (total > maxVertices) {
        char message[160];
        snprintf(message, sizeof message, "the model has %llu vertices; at most %u", total, maxVertices);
        fail(error, errorSize, message);
        aiReleaseImport(scene);
        return NULL;
    }
    ReelModel *model = calloc(1, sizeof(ReelModel));
    if (!model) { aiReleaseImport(scene); fail(error, errorSize, "out of memory"); return NULL; }
    model->meshes = calloc(scene->mNumMeshes ? scene->mNumMeshes : 1, sizeof(ReelModelMesh));
    model->textures = calloc(scene->mNumTextures ? scene->mNumTextures : 1, sizeof(ReelModelTexture));
    int status = model->meshes && model->textures ? 1 : -1;
    for (unsigned m = 0; m < scene->mNumMeshes && status >= 0; m++) {
        ReelModelMesh *slot = &model->meshes[model->meshCount];
        int copied = copy_mesh(scene->mMeshes[m], scene, slot);
        if (copied > 0) {
            model->meshCount++;
        } else {
            // A mesh of points or lines is skipped; a failed copy ends the import.
            free(slot->positions); free(slot->normals); free(slot->uvs); free(slot->indices);
            memset(slot, 0, sizeof *slot);
            if (copied < 0) status = copied;
        }
    }
    for (unsigned t = 0; t < scene->mNumTextures && status >= 0; t++) {
        const struct aiTexture *texture = scene->mTextures[t];
        ReelModelTexture *copy = &model->textures[model->textureCount++];
        memcpy(copy->format, texture->achFormatHint, sizeof copy->format - 1);
        // mHeight 0: a compressed file of mWidth bytes; otherwise raw texels, not used.
        if (texture->mHeight == 0 && texture->mWidth > 0) {
            copy->bytes = malloc(texture->mWidth);
            if (!copy->bytes) { status = -1; break; }
            memcpy(copy->bytes, texture->pcData, texture->mWidth);
            copy->byteCount = texture->mWidth;
        }
    }
    aiReleaseImport(scene);
    if (status < 0) {
        reel_model_free(model);
        fail(error, errorSize, status == -2 ? "a face names a vertex the mesh does not have" : "out of memory");
        return NULL;
    }
    if (model->meshCount == 0) {
        reel_model_free(model);
        fail(error, errorSize, "the model has no triangles");
        return NULL;
    }
    return model;
}

void reel_model_free(ReelModel *model) {
    if (!model) return;
    for (unsigned m = 0; m < model->meshCount; m++) {
        free(model->meshes[m].positions);
        free(model->meshes[m].normals);
        free(model->meshes[m].uvs);
        free(model->meshes[m].indices);
    }
    for (unsigned t = 0; t < model->textureCount; t++) free(model->textures[t].bytes);
    free(model->meshes);
    free(model->textures);
    free(model);
}
