public import Foundation

/// What render workers tell whoever watches them: liveness, renders begun and ended, outcomes.
/// Workers inside the server report straight to its metrics (`LocalReports`); a worker process
/// writes them as JSON lines on its standard output (`EventLineReports`), which the server that
/// started it reads back into its metrics (`WorkerProcesses`).
public protocol WorkerReports: Sendable {
    /// How many workers there are.
    func configured(_ count: Int)
    /// Worker `index` is alive.
    func beat(_ index: Int)
    /// A job was taken from the queue after waiting `seconds`.
    func claimed(waited seconds: Double)
    func renderStarted()
    func renderEnded()
    /// A render's end: completed, failed, hung or cancelled (completed ones with their duration and frames).
    func finished(outcome: String, seconds: Double?, frames: Int?)
}

/// Reports into the server's own metrics and liveness table.
public struct LocalReports: WorkerReports {
    let metrics: ServerMetrics
    let liveness: LockedBox<WorkerLiveness?>

    public func configured(_ count: Int) {
        metrics.workers(configured: count)
        liveness.value = WorkerLiveness(count: count)
    }

    public func beat(_ index: Int) { liveness.value?.beat(index) }
    public func claimed(waited seconds: Double) { metrics.jobClaimed(waited: seconds) }
    public func renderStarted() { liveness.value?.renderStarted() }
    public func renderEnded() { liveness.value?.renderEnded() }
    public func finished(outcome: String, seconds: Double?, frames: Int?) {
        metrics.renderFinished(outcome: outcome, seconds: seconds, frames: frames)
    }
}

/// One report as a line of JSON.
public struct WorkerEvent: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable { case beat, claimed, started, ended, finished }
    public var kind: Kind
    public var seconds: Double?
    public var outcome: String?
    public var frames: Int?

    /// The event in `line`, or nil for a line that is not one.
    public init?(line: Substring) {
        guard let event = try? JSONDecoder().decode(WorkerEvent.self, from: Data(line.utf8)) else { return nil }
        self = event
    }

    init(kind: Kind, seconds: Double? = nil, outcome: String? = nil, frames: Int? = nil) {
        self.kind = kind
        self.seconds = seconds
        self.outcome = outcome
        self.frames = frames
    }

    /// Hands the event to `reports` as worker `index`'s.
    public func deliver(to reports: any WorkerReports, worker index: Int) {
        switch kind {
        case .beat: reports.beat(index)
        case .claimed: reports.claimed(waited: seconds ?? 0)
        case .started: reports.renderStarted()
        case .ended: reports.renderEnded()
        case .finished: reports.finished(outcome: outcome ?? "failed", seconds: seconds, frames: frames)
        }
    }
}

/// Writes each report as a JSON line to `handle` (a worker process's standard output). A worker
/// process has one worker as far as its server is concerned, whatever its renders at once.
public struct EventLineReports: WorkerReports {
    let handle: FileHandle
    private let lock = NSLock()

    public init(handle: FileHandle = .standardOutput) {
        self.handle = handle
    }

    private func send(_ event: WorkerEvent) {
        guard var data = try? JSONEncoder().encode(event) else { return }
        data.append(0x0A)
        lock.withLock { try? handle.write(contentsOf: data) }
    }

    public func configured(_ count: Int) {}
    public func beat(_ index: Int) { send(WorkerEvent(kind: .beat)) }
    public func claimed(waited seconds: Double) { send(WorkerEvent(kind: .claimed, seconds: seconds)) }
    public func renderStarted() { send(WorkerEvent(kind: .started)) }
    public func renderEnded() { send(WorkerEvent(kind: .ended)) }
    public func finished(outcome: String, seconds: Double?, frames: Int?) {
        send(WorkerEvent(kind: .finished, seconds: seconds, outcome: outcome, frames: frames))
    }
}

/// Reads `descriptor` until its end, handing each complete line to `body` (without its newline).
/// Uses read(2) itself, retrying when a signal interrupts it (FileHandle's reading traps then).
public func forEachLine(of descriptor: Int32, _ body: (Substring) -> Void) {
    var pending: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
        let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        if count < 0 && errno == EINTR { continue }
        guard count > 0 else { return }
        pending.append(contentsOf: buffer[0..<count])
        while let newline = pending.firstIndex(of: 0x0A) {
            body(Substring(String(decoding: pending[..<newline], as: UTF8.self)))
            pending.removeSubrange(...newline)
        }
    }
}
