internal import CPNG
public import Compositor
public import Foundation

/// Writes rasters as 8-bit RGBA PNG through libpng.
public enum PNGWriter {
    /// Writes `raster` (premultiplied) to `path` as a straight-alpha PNG.
    public static func write(_ raster: Raster, to path: String) throws {
        let data = try encode(raster)
        do {
            try data.write(to: URL(fileURLWithPath: path))
        } catch {
            throw EncoderError("cannot write \(path): \(error.localizedDescription)")
        }
    }

    /// `raster` as PNG file bytes.
    ///
    /// Speed first (a preview frame is drawn while someone scrubs): the rows are filtered (Sub)
    /// and deflated (level 1, run-length strategy) in bands on every processor, each band a
    /// piece of one zlib stream (pieces end on a byte boundary with a full flush, so they
    /// concatenate), and libpng writes the file around that stream. A 1080p motion-graphics frame:
    /// about 2.0 MB, against 2.5 MB from libpng's own fast mode, in a fraction of the time.
    public static func encode(_ raster: Raster) throws -> Data {
        let (width, height) = (raster.width, raster.height)
        guard width > 0, height > 0, width <= 1 << 20, height <= 1 << 20 else {
            throw EncoderError("a PNG cannot be \(width)×\(height)")
        }
        let rowBytes = 1 + width * 4
        let rowsPerPiece = max(16, (height + pieceCount - 1) / pieceCount)
        let pieces = stride(from: 0, to: height, by: rowsPerPiece).map { $0..<min(height, $0 + rowsPerPiece) }
        let filtered = UnsafeMutablePointer<UInt8>.allocate(capacity: rowBytes * height)
        defer { filtered.deallocate() }
        let bounds = pieces.map { reel_deflate_piece_bound($0.count * rowBytes) }
        let compressed = UnsafeMutablePointer<UInt8>.allocate(capacity: bounds.reduce(0, +))
        defer { compressed.deallocate() }
        let offsets = bounds.reduce(into: [0]) { $0.append($0.last! + $1) }
        let results = UnsafeMutablePointer<(size: Int, adler: UInt)>.allocate(capacity: pieces.count)
        defer { results.deallocate() }
        let work = PieceWork(raster: raster, filtered: filtered, compressed: compressed, results: results)
        DispatchQueue.concurrentPerform(iterations: pieces.count) { k in
            let rows = pieces[k]
            for y in rows { filterRow(work.raster, y: y, into: work.filtered + y * rowBytes) }
            let input = work.filtered + rows.lowerBound * rowBytes, count = rows.count * rowBytes
            let size = reel_deflate_piece(input, count, work.compressed + offsets[k], bounds[k], k == pieces.count - 1 ? 1 : 0,
                                          1, Z_RLE)
            work.results[k] = (size, UInt(reel_adler32(1, input, count)))
        }
        // The zlib stream: header (deflate, 32 KiB window, fastest), the pieces, the Adler-32 of
        // all the filtered rows (big-endian).
        var stream = [UInt8]()
        stream.reserveCapacity(6 + pieces.indices.reduce(0) { $0 + max(0, results[$1].size) })
        stream += [0x78, 0x01]
        var adler: UInt = 1
        for k in pieces.indices {
            let (size, pieceAdler) = results[k]
            guard size >= 0 else { throw EncoderError("zlib cannot compress the image") }
            stream.append(contentsOf: UnsafeBufferPointer(start: compressed + offsets[k], count: size))
            adler = UInt(reel_adler32_combine(UInt(adler), UInt(pieceAdler), pieces[k].count * rowBytes))
        }
        stream += [UInt8(truncatingIfNeeded: adler >> 24), UInt8(truncatingIfNeeded: adler >> 16),
                   UInt8(truncatingIfNeeded: adler >> 8), UInt8(truncatingIfNeeded: adler)]
        var file = [UInt8](repeating: 0, count: stream.count + stream.count / (1 << 20) * 12 + 1024)
        let written = stream.withUnsafeBufferPointer { zlib in
            file.withUnsafeMutableBufferPointer { out in
                reel_png_write_compressed(png_uint_32(width), png_uint_32(height), zlib.baseAddress, zlib.count,
                                          out.baseAddress, out.count)
            }
        }
        guard written > 0 else { throw EncoderError("libpng cannot write the image") }
        return Data(file.prefix(written))
    }

    /// Bands a picture is compressed in: one a processor, at most 8.
    private static let pieceCount = min(8, max(1, ProcessInfo.processInfo.activeProcessorCount))

    /// What the bands of `encode` share: each writes only its own rows and its own result.
    private struct PieceWork: @unchecked Sendable {
        let raster: Raster
        let filtered: UnsafeMutablePointer<UInt8>
        let compressed: UnsafeMutablePointer<UInt8>
        let results: UnsafeMutablePointer<(size: Int, adler: UInt)>
    }

    /// Row `y` of `raster` as straight RGBA, Sub-filtered (each byte less the one a pixel to its
    /// left), after its filter-type byte.
    private static func filterRow(_ raster: Raster, y: Int, into out: UnsafeMutablePointer<UInt8>) {
        out[0] = 1
        let source = raster.pixels + y * raster.bytesPerRow
        var previous = SIMD4<UInt8>.zero
        for x in 0..<raster.width {
            let p = source + x * 4
            // Transparent pixels are written as 0 whatever colour they hold.
            let straight = p[3] == 0 ? .zero : Raster.straightened(SIMD4(p[0], p[1], p[2], p[3]))
            let difference = straight &- previous
            let q = out + 1 + x * 4
            (q[0], q[1], q[2], q[3]) = (difference.x, difference.y, difference.z, difference.w)
            previous = straight
        }
    }
}
