import Foundation
import Testing
import Timeline
@testable import TemplateSchema

/// Stored documents are read through the dialect named with them.
@Suite struct DialectTests {
    @Test func everyDialectHasAUniqueNameAndIsFoundByIt() {
        let names = Dialects.all.map { $0.name }
        #expect(Set(names).count == names.count)
        #expect(Dialects.named("renderingvideo-v2") == RenderingVideoV2.self)
        #expect(Dialects.named("avs-template-v1") == AVSTemplateV1.self)
        #expect(Dialects.named("avs-template-v0") == nil)
    }

    @Test func aDocumentIsReadByItsDialect() throws {
        let data = Data(ValidationTests.document().utf8)
        let timeline = try Dialects.timeline(dialect: "renderingvideo-v2", document: data, sources: .localFiles(relativeTo: "/"))
        #expect(timeline.canvas.width == 100 && timeline.tracks.flatMap(\.clips).count == 1)
    }

    @Test func anUnknownDialectIsAnErrorNotATrap() {
        do {
            _ = try Dialects.timeline(dialect: "screenplay-v9", document: Data("{}".utf8), sources: .localFiles(relativeTo: "/"))
            Issue.record("an unknown dialect was read")
        } catch {
            #expect(error.description == #"$: the document is in an unknown dialect "screenplay-v9"; this build reads "renderingvideo-v2", "avs-template-v1""#)
        }
    }
}
