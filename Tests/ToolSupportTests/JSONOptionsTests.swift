import ArgumentParser
import JSON
import Testing

@testable import ToolSupport

/// `--json=` and `-j` as systemd's tools take them.
@Suite struct JSONOptionsTests {
    @Test func stylesAsGiven() throws {
        #expect(try JSONOptions.parse([]).requested == nil)
        #expect(try JSONOptions.parse([]).effective == .off)
        #expect(try JSONOptions.parse(["--json=off"]).requested == .off)
        #expect(try JSONOptions.parse(["--json=short"]).effective == .short)
        #expect(try JSONOptions.parse(["--json=pretty"]).effective == .pretty)
    }

    /// `-j`: pretty on a terminal, short otherwise.
    @Test func automaticStyleFollowsTheTerminal() throws {
        #expect(try JSONOptions.parse(["-j"]).requested == JSONOptions.terminalStyle)
        #expect([JSONStyle.pretty, .short].contains(JSONOptions.terminalStyle))
    }

    /// `--json=help` lists the styles on stdout and exits 0, as systemd's tools do.
    @Test func helpListsTheStyles() {
        do {
            _ = try JSONOptions.parse(["--json=help"])
            Issue.record("--json=help did not exit")
        } catch {
            #expect(JSONOptions.fullMessage(for: error) == "pretty\nshort\noff")
            #expect(JSONOptions.exitCode(for: error) == .success)
        }
        #expect(throws: (any Error).self) { try JSONOptions.parse(["--json=verbose"]) }
    }
}
