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

    @Test func messagesAreOneLineNamingTheFile() {
        let (message, _) = describe(
            PEError(.invalidField, path: "/boot/stub.efi", field: "SizeOfHeaders", offset: 0xD4, detail: "too small"))
        #expect(message == "/boot/stub.efi: invalid header field (SizeOfHeaders at offset 0xd4): too small")
        #expect(!message.contains("\n"))
    }
}
