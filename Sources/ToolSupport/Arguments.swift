import ArgumentParser
import PEKit

extension EFIArchitecture: ExpressibleByArgument {}

extension TextOrFile: ExpressibleByArgument {
    public init?(argument: String) {
        self.init(argument)
    }
}
