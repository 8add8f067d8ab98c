import Foundation
import Synchronization

/// Scratch words for the row kernels, one buffer per thread: grown to the largest size asked
/// for and kept for the thread's life, so that drawing a frame allocates nothing once the sizes
/// of the frame's layers are known (a `withUnsafeTemporaryAllocation` of a 1080p row is over
/// the stack's limit and comes from the heap at every call).
enum ScratchWords {
    private final class Buffer {
        var words: UnsafeMutablePointer<UInt32>
        var capacity: Int
        var inUse = false

        init(capacity: Int) {
            self.capacity = capacity
            words = .allocate(capacity: capacity)
        }

        deinit { words.deallocate() }
    }

    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key) { pointer in
            if let pointer { Unmanaged<Buffer>.fromOpaque(pointer).release() }
        }
        return key
    }()

    /// Calls `body` with at least `count` words that it may use until it returns. A call made
    /// while the thread's buffer is in use (not done today) gets a buffer of its own.
    static func with<Result>(_ count: Int, _ body: (UnsafeMutablePointer<UInt32>) -> Result) -> Result {
        let count = max(1, count)
        let buffer: Buffer
        if let pointer = pthread_getspecific(key) {
            buffer = Unmanaged<Buffer>.fromOpaque(pointer).takeUnretainedValue()
        } else {
            buffer = Buffer(capacity: count)
            pthread_setspecific(key, Unmanaged.passRetained(buffer).toOpaque())
        }
        guard !buffer.inUse else {
            let words = UnsafeMutablePointer<UInt32>.allocate(capacity: count)
            defer { words.deallocate() }
            return body(words)
        }
        if buffer.capacity < count {
            buffer.words.deallocate()
            buffer.words = .allocate(capacity: count)
            buffer.capacity = count
        }
        buffer.inUse = true
        defer { buffer.inUse = false }
        return body(buffer.words)
    }
}

/// Work made of parts that may run in any order, on any thread.
protocol PartedWork: AnyObject {
    func run(part: Int)
}

/// Threads that share the drawing of a frame: started once with their compositor, kept, and
/// handed each frame's work without allocating (`DispatchQueue.concurrentPerform` copies its
/// closure to the heap at every call, and so does storing a closure that did not escape). The
/// calling thread works too.
final class FrameWorkers: @unchecked Sendable {
    /// The state the threads share; they hold it, not the pool, so that the pool's owner going
    /// away stops them.
    private final class Shared: @unchecked Sendable {
        let start = DispatchSemaphore(value: 0)
        let done = DispatchSemaphore(value: 0)
        let next = Atomic<Int>(0)
        /// Set before the threads are woken and read only while they work (the semaphores order it).
        var count = 0
        var work: (any PartedWork)?
        var stopping = false

        /// Runs the remaining parts, one at a time, until none is left.
        func run() {
            guard let work else { return }
            while true {
                let index = next.wrappingAdd(1, ordering: .relaxed).oldValue
                guard index < count else { return }
                work.run(part: index)
            }
        }
    }

    private let shared = Shared()
    /// Threads besides the caller's.
    let helpers: Int

    init(helpers: Int) {
        self.helpers = max(0, helpers)
        for number in 0..<self.helpers {
            let shared = self.shared
            let thread = Thread {
                while true {
                    shared.start.wait()
                    if shared.stopping { return }
                    shared.run()
                    shared.done.signal()
                }
            }
            thread.name = "reel.compositor.\(number + 1)"
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    deinit {
        shared.stopping = true
        for _ in 0..<helpers { shared.start.signal() }
    }

    /// Runs parts 0..<count of `work` on the helpers and the calling thread, and returns when
    /// every part is done. Not reentrant.
    func perform(_ count: Int, _ work: some PartedWork) {
        let woken = min(helpers, count - 1)
        guard woken > 0 else {
            for index in 0..<count { work.run(part: index) }
            return
        }
        shared.work = work
        shared.count = count
        shared.next.store(0, ordering: .relaxed)
        for _ in 0..<woken { shared.start.signal() }
        shared.run()
        for _ in 0..<woken { shared.done.wait() }
        shared.work = nil
    }
}
