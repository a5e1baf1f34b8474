import BinaryIO
import PEKit
import Testing

@testable import ToolSupport

@Suite struct ErrorReportingTests {
    @Test func exitCodesFollowTheErrorKind() {
        #expect(describe(PEError(.cannotOpen, path: "/x", detail: "No such file or directory")).1 == ExitStatus.noInput)
        #expect(describe(PEError(.signedImage, path: "/x")).1 == ExitStatus.dataError)
        #expect(describe(PEError(.io, path: "/x")).1 == ExitStatus.ioError)
        #expect(describe(BinaryIOError(.writeFailed, path: "/y")).1 == ExitStatus.ioError)
        #expect(describe(ToolError("bad")).1 == ExitStatus.usage)
    }

    /// sysexits.h: each category has its own status, and 0 is none of them.
    @Test func categoriesAreTheDocumentedExitCodes() {
        let categories: [ErrorCategory] = [.negative, .usage, .dataError, .noInput, .unavailable, .ioError]
        #expect(categories.map(ExitStatus.code(of:)) == [1, 64, 65, 66, 69, 74])
    }

    /// The sentence scripts/update-man.sh turns into each man page's EXIT STATUS table: "CODE TEXT" items
    /// split by "; ", in the order given, ending with ".".
    @Test func exitStatusSummaryIsTheSentenceTheManPagesAreMadeFrom() {
        let summary = ExitStatus.summary([
            ExitStatus.success: "on success", ExitStatus.usage: "for a wrong command line",
        ])
        #expect(summary == "Exit status: 0 on success; 64 for a wrong command line.")
    }

    @Test func messagesAreOneLineNamingTheFile() {
        let (message, _) = describe(
            PEError(.invalidField, path: "/boot/stub.efi", field: "SizeOfHeaders", offset: 0xD4, detail: "too small"))
        #expect(message == "/boot/stub.efi: invalid header field (SizeOfHeaders at offset 0xd4): too small")
        #expect(!message.contains("\n"))
    }
}
