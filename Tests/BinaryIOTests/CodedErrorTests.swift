import BinaryIO
import Testing

@Suite struct CodedErrorTests {
    /// Errors compare by code: the context is for people, not for matching.
    @Test func equalityIsTheCode() {
        #expect(BinaryIOError(.cannotOpen, path: "/a", detail: "x") == BinaryIOError(.cannotOpen, path: "/b"))
        #expect(BinaryIOError(.cannotOpen, path: "/a") != BinaryIOError(.readFailed, path: "/a"))
    }

    @Test func messagesNameTheFileFieldAndOffset() {
        let error = BinaryIOError(.truncated, path: "/x", field: "e_lfanew", offset: 0x3C, detail: "short")
        #expect(error.description == "/x: truncated data reading e_lfanew at offset 0x3c: short")
        #expect(error.message == "truncated data reading e_lfanew at offset 0x3c: short")
        #expect(error.category == .dataError)
    }
}
