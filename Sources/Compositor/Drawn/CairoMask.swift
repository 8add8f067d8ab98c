internal import CCairo
import Timeline

/// A coverage mask drawn by cairo: an 8-bit alpha surface and its context, freed on deinit.
/// The only place the compositor talks to cairo.
final class CairoMask {
    let width: Int
    let height: Int
    private let surface: OpaquePointer
    private let context: OpaquePointer

    /// A clear mask of width × height pixels, or nil when cairo cannot make one (no memory, or a
    /// size past its limits).
    init?(width: Int, height: Int) {
        guard width > 0, height > 0, width <= 32_767, height <= 32_767,
              let surface = cairo_image_surface_create(CAIRO_FORMAT_A8, Int32(width), Int32(height)) else { return nil }
        guard cairo_surface_status(surface) == CAIRO_STATUS_SUCCESS, let context = cairo_create(surface) else {
            cairo_surface_destroy(surface)
            return nil
        }
        self.width = width
        self.height = height
        self.surface = surface
        self.context = context
        cairo_set_antialias(context, CAIRO_ANTIALIAS_GOOD)
        cairo_set_source_rgba(context, 0, 0, 0, 1)
    }

    deinit {
        cairo_destroy(context)
        cairo_surface_destroy(surface)
    }

    func move(to p: SIMD2<Double>) { let p = Self.held(p); cairo_move_to(context, p.x, p.y) }
    func line(to p: SIMD2<Double>) { let p = Self.held(p); cairo_line_to(context, p.x, p.y) }
    func curve(_ a: SIMD2<Double>, _ b: SIMD2<Double>, _ p: SIMD2<Double>) {
        let (a, b, p) = (Self.held(a), Self.held(b), Self.held(p))
        cairo_curve_to(context, a.x, a.y, b.x, b.y, p.x, p.y)
    }

    /// `p` within ±4 million pixels: cairo keeps coordinates in 24.8 fixed point and wraps past
    /// ±8 million. (Only drawings zoomed far beyond the canvas reach this; what they show of a
    /// point that far off bends slightly.)
    private static func held(_ p: SIMD2<Double>) -> SIMD2<Double> {
        let limit = 4_000_000.0
        return SIMD2(p.x.isNaN ? 0 : min(max(p.x, -limit), limit), p.y.isNaN ? 0 : min(max(p.y, -limit), limit))
    }
    func close() { cairo_close_path(context) }

    /// Fills the current path (non-zero winding, as SVG's default) and clears it.
    func fill() {
        cairo_set_fill_rule(context, CAIRO_FILL_RULE_WINDING)
        cairo_fill(context)
    }

    /// Strokes the current path and clears it.
    func stroke(width: Double, cap: VectorShape.Cap, join: VectorShape.Join) {
        cairo_set_line_width(context, width)
        let cairoCap: cairo_line_cap_t = switch cap {
        case .butt: CAIRO_LINE_CAP_BUTT
        case .round: CAIRO_LINE_CAP_ROUND
        case .square: CAIRO_LINE_CAP_SQUARE
        }
        let cairoJoin: cairo_line_join_t = switch join {
        case .round: CAIRO_LINE_JOIN_ROUND
        case .bevel: CAIRO_LINE_JOIN_BEVEL
        case .miter: CAIRO_LINE_JOIN_MITER
        }
        cairo_set_line_cap(context, cairoCap)
        cairo_set_line_join(context, cairoJoin)
        cairo_set_miter_limit(context, 10)
        cairo_stroke(context)
    }

    /// Calls `body` with each row's coverage (0–255), top first.
    func forEachRow(_ body: (Int, UnsafePointer<UInt8>) -> Void) {
        cairo_surface_flush(surface)
        guard let data = cairo_image_surface_get_data(surface) else { return }
        let stride = Int(cairo_image_surface_get_stride(surface))
        for y in 0..<height { body(y, UnsafePointer(data + y * stride)) }
    }
}
