// swift-tools-version:6.0
import Foundation
import PackageDescription

let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

/// The raster kernels are compiled for the build machine's vector units when it has AVX2 and FMA
/// (Haswell and later; every x86-64 server of the last decade): the loops vectorise 8 lanes wide
/// and gather, about 20 % less compositing time on mg-1080p (docs/performance.md). Like
/// `-march=native`, the binary then needs such a processor: set REEL_PORTABLE_BUILD=1 (and build
/// from clean) for one that runs on any x86-64. Other machines build for their baseline.
let vectorSettings: [SwiftSetting] = {
    #if arch(x86_64) && os(Linux)
    guard ProcessInfo.processInfo.environment["REEL_PORTABLE_BUILD"] == nil,
          let cpuinfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
          let flags = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return [] }
    let present = Set(flags.split(separator: " ").map(String.init))
    // Haswell's features; lzcnt shows as "abm" on Intel.
    guard ["avx2", "fma", "bmi1", "bmi2", "f16c", "movbe"].allSatisfy(present.contains),
          present.contains("abm") || present.contains("lzcnt") else { return [] }
    return [.unsafeFlags(["-target-cpu", "haswell"])]
    #else
    return []
    #endif
}()

/// The raster kernels are built optimised in debug builds too, so that the test suite renders at
/// a usable speed (unoptimised SIMD code is some fifty times slower).
let kernelSettings: [SwiftSetting] = strictSettings + [.unsafeFlags(["-O"], .when(configuration: .debug))] + vectorSettings

let package = Package(
    name: "Reel",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "reel", targets: ["reel"]),
        .library(name: "ReelRender", targets: ["Render"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.0.0"),
        .package(url: "https://github.com/modelcontextprotocol/swift-sdk", from: "0.12.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.81.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.25.0"),
    ],
    targets: [
        // C libraries, each behind a small module map and shim header.
        .systemLibrary(name: "CFFmpeg", path: "Sources/CFFmpeg", pkgConfig: "libavformat",
                       providers: [.apt(["libavformat-dev", "libavcodec-dev", "libavfilter-dev", "libavutil-dev", "libswscale-dev",
                                          "libswresample-dev"])]),
        .systemLibrary(name: "CPNG", path: "Sources/CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CFreeType", path: "Sources/CFreeType", pkgConfig: "freetype2", providers: [.apt(["libfreetype-dev"])]),
        .systemLibrary(name: "CHarfBuzz", path: "Sources/CHarfBuzz", pkgConfig: "harfbuzz", providers: [.apt(["libharfbuzz-dev"])]),
        .systemLibrary(name: "CCairo", path: "Sources/CCairo", pkgConfig: "cairo", providers: [.apt(["libcairo2-dev"])]),
        .systemLibrary(name: "CRsvg", path: "Sources/CRsvg", pkgConfig: "librsvg-2.0", providers: [.apt(["librsvg2-dev"])]),
        .systemLibrary(name: "CRubberBand", path: "Sources/CRubberBand", pkgConfig: "rubberband", providers: [.apt(["librubberband-dev"])]),
        .systemLibrary(name: "CFriBidi", path: "Sources/CFriBidi", pkgConfig: "fribidi", providers: [.apt(["libfribidi-dev"])]),
        .systemLibrary(name: "CUnibreak", path: "Sources/CUnibreak", pkgConfig: "libunibreak", providers: [.apt(["libunibreak-dev"])]),
        .systemLibrary(name: "CFontconfig", path: "Sources/CFontconfig", pkgConfig: "fontconfig", providers: [.apt(["libfontconfig-dev"])]),
        .systemLibrary(name: "CAubio", path: "Sources/CAubio", pkgConfig: "aubio", providers: [.apt(["libaubio-dev"])]),
        // three clips: Mesa's off-screen OpenGL (llvmpipe, no GPU) and assimp's glTF reader.
        .systemLibrary(name: "COSMesa", path: "Sources/COSMesa", pkgConfig: "osmesa", providers: [.apt(["libosmesa6-dev"])]),
        .systemLibrary(name: "CAssimp", path: "Sources/CAssimp", pkgConfig: "assimp", providers: [.apt(["libassimp-dev"])]),
        // The C library's processor affinity, for `reel render --threads`.
        .systemLibrary(name: "CProcessors", path: "Sources/CProcessors"),

        // The timeline IR: knows nothing about JSON dialects or pixels.
        .target(name: "Timeline", swiftSettings: strictSettings),
        // GNU source-highlight behind a small C API (libsource-highlight-dev, which links Boost.Regex).
        .target(name: "CHighlight", linkerSettings: [.linkedLibrary("source-highlight"), .linkedLibrary("boost_regex")]),
        // glTF models read by assimp from memory (no other file opened), flattened into meshes.
        .target(name: "CModelImport", dependencies: ["CAssimp"]),
        // Syntax highlighting for code clips: tokens of a few kinds; Swift and TypeScript built in.
        .target(name: "SyntaxHighlight", dependencies: ["CHighlight"], swiftSettings: strictSettings),
        // Input dialects: decode, validate with JSON paths, lower to the IR.
        .target(name: "TemplateSchema", dependencies: ["Timeline", "SyntaxHighlight"], swiftSettings: strictSettings),
        // The SIMD raster: premultiplied RGBA, layers, shapes, gradients, text (FreeType glyphs,
        // HarfBuzz shaping, FriBiDi directions, libunibreak line breaks, fontconfig fallback).
        // The three clip's OpenGL painter (OSMesa) and glTF models (assimp).
        .target(name: "Compositor", dependencies: ["Timeline", "CFreeType", "CHarfBuzz", "CFriBidi", "CUnibreak", "CFontconfig", "CCairo", "CRsvg",
                                                   "COSMesa", "CModelImport"],
                swiftSettings: kernelSettings),
        // Media decoding and probing through libavformat/libavcodec/libswscale; beats with aubio.
        .target(name: "Media", dependencies: ["CFFmpeg", "CAubio", "CRubberBand", "Compositor"], swiftSettings: kernelSettings),
        // Encoding and muxing: movies (H.264, HEVC, VP9, ProRes; AAC, Opus, PCM; MP4, WebM, MOV), GIF
        // (libavfilter palettes), PNG (libpng) and JPEG stills, ZIP archives of PNG sequences.
        .target(name: "Encoder", dependencies: ["CFFmpeg", "CPNG", "Compositor"], swiftSettings: strictSettings + vectorSettings),
        // The render pipeline: timeline → draw lists → compositor → encoder.
        .target(name: "Render", dependencies: ["Timeline", "Compositor", "Media", "Encoder", "CProcessors"], swiftSettings: kernelSettings),
        // Durable state: accounts, keys, credits, tasks, files, previews, jobs. Embedded SQLite
        // through GRDB by default; a shared PostgreSQL through postgres-nio for several nodes.
        .target(name: "Store", dependencies: [
            .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "PostgresNIO", package: "postgres-nio"), .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"), .product(name: "NIOSSL", package: "swift-nio-ssl"),
        ], swiftSettings: strictSettings),
        // What every API surface is built on: the service (store, data folder, media access, limits),
        // the job runner and webhook outbox, the shared routes (links, viewer), request reading, and
        // the `SurfaceModule` protocol a surface conforms to; metrics (swift-metrics, exposed for
        // Prometheus), logs (swift-log), the service lifecycle.
        .target(name: "ServerKit", dependencies: [
            "Store", "Render", "TemplateSchema", "Timeline", "Media", "Encoder",
            .product(name: "Hummingbird", package: "hummingbird"), .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Logging", package: "swift-log"), .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], swiftSettings: strictSettings),
        // The API surfaces, one target each: routes, key format, error envelope, vocabulary, pricing, webhooks.
        .target(name: "RenderingVideoAPI", dependencies: ["ServerKit", "Store", "TemplateSchema", "Timeline",
                                                          .product(name: "Hummingbird", package: "hummingbird")],
                swiftSettings: strictSettings),
        .target(name: "AVSAPI", dependencies: ["ServerKit", "Store", "TemplateSchema", "Timeline", "Media",
                                               .product(name: "Hummingbird", package: "hummingbird"),
                                               .product(name: "Crypto", package: "swift-crypto")],
                swiftSettings: strictSettings),
        .target(name: "FVSAPI", dependencies: ["ServerKit", "Store", "TemplateSchema", "Timeline", "Media",
                                               .product(name: "Hummingbird", package: "hummingbird"),
                                               .product(name: "MCP", package: "swift-sdk")],
                swiftSettings: strictSettings),
        // The server: the list of surfaces composed into one application.
        .target(name: "APIAdapter", dependencies: [
            "ServerKit", "RenderingVideoAPI", "AVSAPI", "FVSAPI", "Store",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], swiftSettings: strictSettings),
        .executableTarget(name: "reel", dependencies: [
            "TemplateSchema", "Render", "Media", "APIAdapter", "Store", "CProcessors",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], swiftSettings: strictSettings),

        // The fuzz target: structure-aware mutations of documents through every stage (scripts/fuzz).
        .target(name: "FuzzKit", dependencies: ["TemplateSchema", "Timeline", "Render", "Compositor", "Encoder", "APIAdapter"],
                swiftSettings: strictSettings),
        .executableTarget(name: "reel-fuzz", dependencies: ["FuzzKit", "TemplateSchema", "Media"], swiftSettings: strictSettings),

        // Test support shared by the test targets: a loopback HTTP server; fresh databases of
        // each store backend (PostgreSQL when REEL_TEST_POSTGRES_URL names a server, as scripts/test does).
        .target(name: "LoopbackHTTP", path: "Tests/Support/LoopbackHTTP", swiftSettings: strictSettings),
        .target(name: "ScratchDatabases", dependencies: ["Store"], path: "Tests/Support/ScratchDatabases", swiftSettings: strictSettings),
        .testTarget(name: "StoreTests", dependencies: ["Store", "ScratchDatabases", .product(name: "GRDB", package: "GRDB.swift")],
                    swiftSettings: strictSettings),
        .testTarget(name: "TimelineTests", dependencies: ["Timeline"], swiftSettings: strictSettings),
        .testTarget(name: "TemplateSchemaTests", dependencies: ["TemplateSchema", "Timeline"], swiftSettings: strictSettings),
        .testTarget(name: "SyntaxHighlightTests", dependencies: ["SyntaxHighlight"], swiftSettings: strictSettings),
        .testTarget(name: "CompositorTests", dependencies: ["Compositor", "Timeline"], swiftSettings: strictSettings),
        .testTarget(name: "RenderTests", dependencies: ["Render", "TemplateSchema", "Timeline", "Compositor", "Media", "Encoder", "LoopbackHTTP"],
                    swiftSettings: strictSettings),
        .testTarget(name: "ReelCLITests", dependencies: ["reel", "ScratchDatabases"], swiftSettings: strictSettings),
        .testTarget(name: "FuzzTests", dependencies: ["FuzzKit", "TemplateSchema"], swiftSettings: strictSettings),
        .testTarget(name: "APIAdapterTests", dependencies: [
            "APIAdapter", "Store", "Compositor", "Encoder", "Media", "LoopbackHTTP", "ScratchDatabases", "TemplateSchema", "Timeline",
            .product(name: "HummingbirdTesting", package: "hummingbird"),
            .product(name: "Crypto", package: "swift-crypto"),
        ], swiftSettings: strictSettings),
    ]
)
