public import Foundation
import Logging
import Store

/// What the server drives its render workers with, wherever they run.
protocol RenderWorkers: Sendable {
    /// Runs the workers until the surrounding task is cancelled or they are stopped.
    func run(workers count: Int) async
    /// A job was queued: wake a waiting worker.
    func notify()
    /// Workers take no more jobs; the renders they have go on.
    func stopClaiming()
    /// Waits up to `grace` seconds for the running renders; those still running then go back in
    /// the queue. Returns how many were put back, where known.
    func finishRunning(grace: TimeInterval) async -> Int
}

extension JobRunner: RenderWorkers {}

/// The worker processes of `reel serve`: `count` processes started with the configured command
/// (`reel worker … --report-events --supervised-by PID`), each watched and started again when it
/// dies, so that a render that crashes or hangs takes down a worker, never the server. A dead
/// worker's jobs are returned to the queue at once (or failed, once their attempts are used).
/// The server tells workers of queued jobs through their standard input; they report liveness and
/// outcomes on their standard output, which feed the server's metrics. Their logs go where the
/// server's go.
final class WorkerProcesses: RenderWorkers, Sendable {
    let service: ReelService
    let command: [String]
    let reports: any WorkerReports
    let announcement: Announcement

    private struct Child: @unchecked Sendable {
        let process: Process
        let input: FileHandle
    }
    private let children = LockedBox<[Int: Child]>([:])
    private let stopping = LockedBox(false)
    private let exited = WorkGate()

    init(service: ReelService, command: [String], reports: any WorkerReports, announcement: @escaping Announcement) {
        self.service = service
        self.command = command
        self.reports = reports
        self.announcement = announcement
    }

    func run(workers count: Int) async {
        let count = max(1, count)
        reports.configured(count)
        await withTaskGroup(of: Void.self) { group in
            for index in 0..<count {
                group.addTask { [self] in await keepRunning(index) }
            }
        }
    }

    /// Starts worker `index` and starts it again each time it dies, until the server stops;
    /// quick deaths in a row wait longer each time (a quarter second, doubling, up to 30 s).
    private func keepRunning(_ index: Int) async {
        var quickDeaths = 0
        while !stopping.value && !Task.isCancelled {
            let started = ContinuousClock.now
            guard let (process, done) = start(index) else {
                quickDeaths += 1
                try? await Task.sleep(for: .seconds(min(30, 0.25 * pow(2, Double(quickDeaths)))))
                continue
            }
            await done.wait()
            children.mutate { _ = $0.removeValue(forKey: index) }
            Task { await exited.open() }
            let pid = process.processIdentifier
            let status = process.terminationStatus, signalled = process.terminationReason == .uncaughtSignal
            if stopping.value && !signalled && status == 0 { return }
            service.logger.error("render worker died; its jobs go back to the queue", metadata: [
                "worker": "\(index)", "pid": "\(pid)", signalled ? "signal" : "status": "\(status)",
            ])
            reclaimJobs(of: pid)
            if stopping.value { return }
            quickDeaths = (ContinuousClock.now - started) < .seconds(60) ? quickDeaths + 1 : 0
            if quickDeaths > 1 { try? await Task.sleep(for: .seconds(min(30, 0.25 * pow(2, Double(quickDeaths - 1))))) }
        }
    }

    /// The jobs worker process `pid` held, back in the queue or failed.
    private func reclaimJobs(of pid: Int32) {
        let host = ProcessInfo.processInfo.hostName
        let gone = { (text: String) -> Bool in
            guard let owner = LeaseOwner(text) else { return false }
            return owner.host == host && owner.pid == pid
        }
        if service.reclaimAbandonedJobs(announce: announcement, gone: gone) { notify() }
    }

    /// Starts worker `index`: its process and a gate that opens when it has exited; nil when it
    /// could not be started.
    private func start(_ index: Int) -> (Process, OneShot)? {
        guard let executable = command.first else { return nil }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = Array(command.dropFirst())
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        let done = OneShot()
        process.terminationHandler = { _ in done.fire() }
        do {
            try process.run()
        } catch {
            service.logger.error("cannot start a render worker", metadata: ["command": "\(executable)", "error": "\(error)"])
            return nil
        }
        children.mutate { $0[index] = Child(process: process, input: input.fileHandleForWriting) }
        let reports = self.reports
        let reader = Thread {
            forEachLine(of: output.fileHandleForReading.fileDescriptor) { line in
                WorkerEvent(line: line)?.deliver(to: reports, worker: index)
            }
        }
        reader.start()
        return (process, done)
    }

    func notify() {
        for child in children.value.values {
            try? child.input.write(contentsOf: Data([0x0A]))
        }
    }

    func stopClaiming() {
        stopping.value = true
        for child in children.value.values where child.process.isRunning {
            kill(child.process.processIdentifier, SIGTERM)
        }
    }

    /// Waits for the workers, which finish their renders within the grace period they were
    /// given (`reel worker --shutdown-grace`) and put the rest back in the queue themselves; a
    /// worker still there ten seconds after `grace` is killed.
    func finishRunning(grace: TimeInterval) async -> Int {
        let deadline = ContinuousClock.now + .milliseconds(Int(saturating: (grace + 10) * 1000))
        while !children.value.isEmpty && ContinuousClock.now < deadline {
            await exited.wait(timeout: min(.seconds(1), deadline - ContinuousClock.now))
        }
        for child in children.value.values where child.process.isRunning {
            kill(child.process.processIdentifier, SIGKILL)
        }
        return 0
    }
}

/// Opens once; every wait after that returns at once.
final class OneShot: Sendable {
    private let fired = LockedBox(false)
    private let gate = WorkGate()

    func fire() {
        fired.value = true
        Task { await gate.open() }
    }

    func wait() async {
        while !fired.value { await gate.wait(timeout: .seconds(1)) }
    }
}
