import ArgumentParser
import BootCrypto
import PEKit

extension EFIArchitecture: ExpressibleByArgument {}

extension TextOrFile: ExpressibleByArgument {
    public init?(argument: String) {
        self.init(argument)
    }
}

extension DigestAlgorithm: ExpressibleByArgument {}
