internal import CPNG
public import Foundation

/// Writes a ZIP archive of files stored as they are (no compression: PNGs are deflated already),
/// one after another as they come, then the central directory. Plain ZIP, not ZIP64: at most
/// 65 535 files and 4 GiB in all, which is refused past those limits rather than written wrong.
public final class ZipWriter {
    private let handle: FileHandle
    private var entries: [(name: [UInt8], crc: UInt32, size: UInt32, offset: UInt32)] = []
    private var offset: UInt64 = 0
    private var isOpen = true
    public let path: String

    /// Creates (or empties) the archive at `path`.
    public init(path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
            throw EncoderError("cannot write \(path)")
        }
        self.path = path
        self.handle = handle
    }

    deinit {
        try? handle.close()
    }

    /// Adds the file `name` (ASCII, `/` between folders) holding `data`.
    public func add(name: String, data: Data) throws {
        guard isOpen else { throw EncoderError("the archive \(path) is finished") }
        guard entries.count < 65_535 else { throw EncoderError("a ZIP archive holds at most 65535 files") }
        let nameBytes = Array(name.utf8)
        guard nameBytes.count < 65_536, UInt64(data.count) + offset + UInt64(nameBytes.count) + 30 < UInt64(UInt32.max) else {
            throw EncoderError("the archive \(path) would pass 4 GiB, the most a ZIP without ZIP64 holds")
        }
        let crc = data.withUnsafeBytes { UInt32(truncatingIfNeeded: reel_crc32(0, $0.baseAddress?.assumingMemoryBound(to: UInt8.self), $0.count)) }
        let entry = (name: nameBytes, crc: crc, size: UInt32(data.count), offset: UInt32(offset))
        var header = Data()
        header.append(le32(0x0403_4B50))          // local file header
        header.append(le16(10))                   // version needed: 1.0 (stored)
        header.append(le16(1 << 11))              // flags: names are UTF-8
        header.append(le16(0))                    // stored
        header.append(le16(0)); header.append(le16(0x21)) // time 00:00, date 1980-01-01 (fixed: same input, same bytes)
        header.append(le32(entry.crc))
        header.append(le32(entry.size)); header.append(le32(entry.size))
        header.append(le16(UInt16(nameBytes.count))); header.append(le16(0))
        header.append(contentsOf: nameBytes)
        try write(header)
        try write(data)
        entries.append(entry)
    }

    /// Writes the central directory and closes the file.
    public func finish() throws {
        guard isOpen else { return }
        let directoryStart = offset
        for entry in entries {
            var record = Data()
            record.append(le32(0x0201_4B50))      // central directory header
            record.append(le16(0x031E))           // made by: Unix, 3.0
            record.append(le16(10)); record.append(le16(1 << 11)); record.append(le16(0))
            record.append(le16(0)); record.append(le16(0x21))
            record.append(le32(entry.crc)); record.append(le32(entry.size)); record.append(le32(entry.size))
            record.append(le16(UInt16(entry.name.count))); record.append(le16(0)); record.append(le16(0))
            record.append(le16(0)); record.append(le16(0))
            record.append(le32(0o100644 << 16))   // a regular file, rw-r--r--
            record.append(le32(entry.offset))
            record.append(contentsOf: entry.name)
            try write(record)
        }
        guard offset < UInt64(UInt32.max) else { throw EncoderError("the archive \(path) would pass 4 GiB, the most a ZIP without ZIP64 holds") }
        var end = Data()
        end.append(le32(0x0605_4B50))
        end.append(le16(0)); end.append(le16(0))
        end.append(le16(UInt16(entries.count))); end.append(le16(UInt16(entries.count)))
        end.append(le32(UInt32(offset - directoryStart))); end.append(le32(UInt32(directoryStart)))
        end.append(le16(0))
        try write(end)
        try handle.close()
        isOpen = false
    }

    private func write(_ data: Data) throws {
        do {
            try handle.write(contentsOf: data)
        } catch {
            throw EncoderError("cannot write \(path): \(error.localizedDescription)")
        }
        offset += UInt64(data.count)
    }

    private func le16(_ value: UInt16) -> Data { Data([UInt8(value & 0xFF), UInt8(value >> 8)]) }
    private func le32(_ value: UInt32) -> Data { Data((0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }) }
}
