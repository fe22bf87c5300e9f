extension ParameterStore {
    /// The parameters by name (to serve them to another store, e.g. an inference copy).
    public var tensorsByName: [String: Tensor] {
        var result: [String: Tensor] = [:]
        for name in names { result[name] = self[name] }
        return result
    }
}
