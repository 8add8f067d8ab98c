@_exported public import ServerKit
@_exported public import RenderingVideoAPI
@_exported public import AVSAPI
@_exported public import FVSAPI
public import Hummingbird
public import Store
import ServiceLifecycle
public import Foundation

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
        application(router: makeRouter(surfaces: Surfaces.modules(on: self)))
    }

    /// The router with the server's own routes and every surface's.
    public func makeRouter(surfaces: [any SurfaceModule]) -> Router<ReelRequestContext> {
        let router = router(openAPI: OpenAPIDocument.json(surfaces: surfaces.map(\.openAPI)),
                            taskPages: Set(surfaces.filter(\.servesTaskPages).map(\.surface.name)))
        for surface in surfaces { surface.register(on: router) }
        return router
    }

    /// Starts the render workers and the webhook sender (without the HTTP listener, for in-process tests).
    public func startBackgroundWork() -> Task<Void, Never> {
        startBackgroundWork(surfaces: Surfaces.modules(on: self))
    }

    /// Serves until SIGTERM or SIGINT, with the render workers and the webhook sender alongside,
    /// then shuts down gracefully: the listener closes and requests in flight finish, running
    /// renders get `shutdownGrace` seconds (then go back in the queue), the outbox is delivered.
    public func run(shutdownGrace: TimeInterval) async throws {
        let surfaces = Surfaces.modules(on: self)
        // The jobs of workers that died with the last run of this server are dealt with before
        // anything is served: a render that crashed every time is failed, not shown as running.
        reclaimAbandonedJobs(surfaces: surfaces)
        let application = application(router: makeRouter(surfaces: surfaces))
        // Services are told of a shutdown in the reverse of this order, each once the one after it
        // has stopped; past the grace period and half a minute more, what still runs is cancelled.
        var configuration = ServiceGroupConfiguration(services: [
            .init(service: BackgroundWork(service: self, surfaces: surfaces, grace: shutdownGrace)),
            .init(service: application),
            .init(service: ShutdownNotice(service: self, grace: shutdownGrace), successTerminationBehavior: .ignore),
        ], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        configuration.maximumGracefulShutdownDuration = .seconds(shutdownGrace + 30)
        try await ServiceGroup(configuration: configuration).run()
    }
}
