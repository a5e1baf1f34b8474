import EFIVariables

extension SBATLevel {
    /// The level shim applied at this boot, from its `SbatLevelRT` copy in `variables`.
    public static func live(from variables: EFIVariableDirectory) throws -> SBATLevel {
        let name = EFIVariableName("SbatLevelRT", vendor: vendor)
        guard let variable = try variables.read(name) else {
            throw SBATError(
                .missingVariable, "\(variables.path.string): no \(name) variable (shim did not boot this system?)")
        }
        return try SBATLevel(parsing: variable.data, origin: "\(variables.path.string)/\(name)")
    }
}
