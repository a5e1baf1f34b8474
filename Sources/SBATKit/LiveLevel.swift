import EFIVariables

extension SBATLevel {
    /// shim's SbatLevel variables (vendor GUID 605dab50-…): `SbatLevel` (boot services only) and
    /// `SbatLevelRT`, the copy shim mirrors at every boot for the running OS.
    public static let vendor = "605dab50-e046-4300-abb6-3dd810dd8b23"

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
