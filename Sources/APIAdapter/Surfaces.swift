@_exported public import ServerKit
@_exported public import RenderingVideoAPI
@_exported public import AVSAPI
@_exported public import FVSAPI
public import Hummingbird
public import Store

/// The API surfaces this server speaks, one line each. A new surface is a target conforming to
/// `SurfaceModule` and its line here (and in Package.swift); nothing else changes.
public enum Surfaces {
    public static let all: [any SurfaceModule.Type] = [
        RenderingVideoSurface.self,
        AVSSurface.self,
        FVSSurface.self,
    ]

    /// The surfaces, built on `service`.
    public static func modules(on service: ReelService) -> [any SurfaceModule] {
        all.map { $0.init(service: service) }
    }

    /// The surface whose keys are tagged `name` (for `reel keys create --api NAME`).
    public static func keySurface(named name: String) -> APISurface? {
        keySurfaces.first { $0.name == name }
    }

    /// Every surface's key format.
    public static var keySurfaces: [APISurface] { all.map { $0.keySurface } }
}

extension ReelService {
    /// The Hummingbird application serving every surface's routes and the server's own.
    public func application() -> some ApplicationProtocol {
        let surfaces = Surfaces.modules(on: self)
        let router = router(openAPI: OpenAPIDocument.json(surfaces: surfaces.map(\.openAPI)),
                            taskPages: Set(surfaces.filter(\.servesTaskPages).map(\.surface.name)))
        for surface in surfaces { surface.register(on: router) }
        return application(router: router)
    }

    /// Starts the render workers and the webhook sender (without the HTTP listener, for in-process tests).
    public func startBackgroundWork() -> Task<Void, Never> {
        startBackgroundWork(surfaces: Surfaces.modules(on: self))
    }

    /// Serves until cancelled, with the render workers and the webhook sender alongside.
    public func run() async throws {
        let work = startBackgroundWork()
        defer { work.cancel() }
        try await application().runService()
    }
}
