@testable import Compositor
import Testing

/// Large pictures are mapped in whole huge pages, small ones come from malloc; either way a
/// raster starts transparent black, and blocks go back the way they came.
@Suite struct PictureMemoryTests {
    @Test(arguments: [1, 4096, PictureMemory.mappedFloor - 1, PictureMemory.mappedFloor, 1920 * 1080 * 4, 3 * PictureMemory.hugePage + 5])
    func blocksStartZeroedAndAreWritableToTheirEnd(bytes: Int) {
        let block = PictureMemory.allocate(bytes: bytes).bindMemory(to: UInt8.self, capacity: bytes)
        defer { PictureMemory.release(UnsafeMutableRawPointer(block), bytes: bytes) }
        var nonZero = 0
        for i in stride(from: 0, to: bytes, by: 997) where block[i] != 0 { nonZero += 1 }
        #expect(nonZero == 0 && block[bytes - 1] == 0)
        block.update(repeating: 0xA5, count: bytes)
        #expect(block[0] == 0xA5 && block[bytes - 1] == 0xA5)
        if bytes >= PictureMemory.mappedFloor {
            #expect(UInt(bitPattern: block) % UInt(PictureMemory.hugePage) == 0, "mapped on a huge-page boundary")
        }
    }

    /// Rasters made and dropped again and again (a slow zoom's prepared sizes) come back zeroed.
    @Test func largeRastersComeBackTransparent() {
        for round in 0..<4 {
            let raster = Raster(width: 1920, height: 1080 + round)
            #expect(raster.pixel(x: 0, y: 0) == .zero && raster.pixel(x: 1919, y: 1079 + round) == .zero
                    && raster.pixel(x: 960, y: 540) == .zero)
            raster.fill(SIMD4(255, 0, 0, 255))
            #expect(raster.pixel(x: 1919, y: 1079 + round) == SIMD4(255, 0, 0, 255))
        }
    }
}
