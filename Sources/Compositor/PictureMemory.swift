#if canImport(Glibc)
import Glibc
#endif

/// Memory for large pictures (rasters, blur planes): for a block of 4 MiB or more, whole 2 MiB
/// pages mapped straight from the kernel and marked for transparent huge pages, so that the first
/// touch of a fresh 1080p raster costs four page faults instead of two thousand (the first preview
/// of a composition spent a fifth of its CPU in page faults); smaller blocks come from `malloc`.
/// Either way the block starts zeroed.
///
/// Where the kernel gives no huge pages (THP off, or fragmented memory), the mapping still works
/// with ordinary pages.
enum PictureMemory {
    /// Blocks from this size up are mapped (and rounded up to whole huge pages).
    static let mappedFloor = 4 << 20
    static let hugePage = 2 << 20

    /// `bytes` of zeroed memory, aligned to at least 64 bytes; give it back with `release`.
    static func allocate(bytes: Int) -> UnsafeMutableRawPointer {
        let bytes = max(1, bytes)
        #if canImport(Glibc)
        if bytes >= mappedFloor, let mapped = map(bytes) { return mapped }
        #endif
        guard let block = calloc(1, bytes) else { fatalError("out of memory allocating \(bytes) bytes") }
        return block
    }

    /// Gives back a block `allocate(bytes:)` returned for the same `bytes`.
    static func release(_ block: UnsafeMutableRawPointer, bytes: Int) {
        let bytes = max(1, bytes)
        #if canImport(Glibc)
        if bytes >= mappedFloor, isMapped(block) {
            munmap(block, rounded(bytes))
            return
        }
        #endif
        free(block)
    }

    private static func rounded(_ bytes: Int) -> Int { (bytes + hugePage - 1) / hugePage * hugePage }

    /// Mapped blocks start on a huge-page boundary; `calloc`'s never do for these sizes (its
    /// chunks carry a header before the block).
    private static func isMapped(_ block: UnsafeMutableRawPointer) -> Bool {
        UInt(bitPattern: block) % UInt(hugePage) == 0
    }

    #if canImport(Glibc)
    /// A mapping of `bytes` (rounded up to whole huge pages) starting on a huge-page boundary: one
    /// huge page more is mapped, and the slack before and after the aligned part unmapped.
    private static func map(_ bytes: Int) -> UnsafeMutableRawPointer? {
        let size = rounded(bytes)
        let raw = mmap(nil, size + hugePage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
        guard let raw, raw != MAP_FAILED else { return nil }
        let address = UInt(bitPattern: raw)
        let aligned = (address + UInt(hugePage) - 1) / UInt(hugePage) * UInt(hugePage)
        let head = Int(aligned - address), tail = hugePage - head
        if head > 0 { munmap(raw, head) }
        guard let block = UnsafeMutableRawPointer(bitPattern: aligned) else { return nil }
        if tail > 0 { munmap(block + size, tail) }
        _ = madvise(block, size, 14 /* MADV_HUGEPAGE */)
        return block
    }
    #endif
}
