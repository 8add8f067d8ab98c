public import Foundation

/// How many requests a client may make: `perMinute` on average, up to `burst` at once.
public struct RateLimit: Sendable, Equatable {
    public var perMinute: Int
    public var burst: Int

    public init(perMinute: Int, burst: Int) {
        self.perMinute = perMinute
        self.burst = burst
    }
}

/// Token buckets, one per client key: each request takes a token, tokens come back at the
/// limit's rate, and a bucket holds at most `burst`. The clock is injected so tests can move
/// time without waiting.
public final class RateLimiter: @unchecked Sendable {
    private struct Bucket {
        var tokens: Double
        var updated: Double
    }

    public let limit: RateLimit
    private let clock: @Sendable () -> Double
    private let lock = NSLock()
    private var buckets: [String: Bucket] = [:]
    /// Buckets kept before full ones are forgotten (a full bucket is the same as no bucket); after a
    /// trim it doubles past what is left, so that many busy clients do not make every request trim.
    private var trimThreshold = 10_000

    public init(limit: RateLimit, clock: @escaping @Sendable () -> Double = { ProcessInfo.processInfo.systemUptime }) {
        self.limit = limit
        self.clock = clock
    }

    /// Takes a token for `key`: nil when the request may go ahead, else the seconds until it may.
    public func admit(_ key: String) -> Int? {
        let rate = Double(max(limit.perMinute, 1)) / 60, capacity = Double(max(limit.burst, 1))
        let now = clock()
        lock.lock()
        defer { lock.unlock() }
        var bucket = buckets[key] ?? Bucket(tokens: capacity, updated: now)
        bucket.tokens = min(capacity, bucket.tokens + max(0, now - bucket.updated) * rate)
        bucket.updated = now
        guard bucket.tokens >= 1 else {
            buckets[key] = bucket
            return max(1, Int(((1 - bucket.tokens) / rate).rounded(.up)))
        }
        bucket.tokens -= 1
        buckets[key] = bucket
        if buckets.count > trimThreshold {
            buckets = buckets.filter { $0.value.tokens + (now - $0.value.updated) * rate < capacity }
            trimThreshold = max(10_000, 2 * buckets.count)
        }
        return nil
    }
}
