import LatentDiffKernels

/// Reading configuration fields from JSON with errors that name the missing or wrong field.
extension JSON {
    public func required(_ key: String, in context: String) throws(LatentDiffError) -> JSON {
        guard let value = self[key] else { throw .format("\(context): missing field '\(key)'") }
        return value
    }

    public func int(_ key: String, in context: String) throws(LatentDiffError) -> Int {
        guard let value = try required(key, in: context).intValue else {
            throw .format("\(context): field '\(key)' must be an integer")
        }
        return value
    }

    public func float(_ key: String, in context: String) throws(LatentDiffError) -> Float {
        guard let value = try required(key, in: context).doubleValue, value.isFinite else {
            throw .format("\(context): field '\(key)' must be a finite number")
        }
        return Float(value)
    }

    public func bool(_ key: String, in context: String) throws(LatentDiffError) -> Bool {
        guard let value = try required(key, in: context).boolValue else {
            throw .format("\(context): field '\(key)' must be true or false")
        }
        return value
    }

    public func string(_ key: String, in context: String) throws(LatentDiffError) -> String {
        guard let value = try required(key, in: context).stringValue else {
            throw .format("\(context): field '\(key)' must be a string")
        }
        return value
    }

    public func ints(_ key: String, in context: String) throws(LatentDiffError) -> [Int] {
        guard let array = try required(key, in: context).arrayValue else {
            throw .format("\(context): field '\(key)' must be an array of integers")
        }
        var result: [Int] = []
        for element in array {
            guard let value = element.intValue else { throw .format("\(context): field '\(key)' must be an array of integers") }
            result.append(value)
        }
        return result
    }

    public func doubles(_ key: String, in context: String) throws(LatentDiffError) -> [Double] {
        guard let array = try required(key, in: context).arrayValue else {
            throw .format("\(context): field '\(key)' must be an array of finite numbers")
        }
        var result: [Double] = []
        for element in array {
            guard let value = element.doubleValue, value.isFinite else {
                throw .format("\(context): field '\(key)' must be an array of finite numbers")
            }
            result.append(value)
        }
        return result
    }

    public func enumValue<T: RawRepresentable>(_ key: String, in context: String) throws(LatentDiffError) -> T where T.RawValue == String {
        let text = try string(key, in: context)
        guard let value = T(rawValue: text) else { throw .format("\(context): unknown \(key) '\(text)'") }
        return value
    }

    public static func ints(_ values: [Int]) -> JSON { .array(values.map { .number(Double($0)) }) }
}

/// Throws `.format` with `message` unless `condition` holds (configuration range checks).
public func formatCheck(_ condition: Bool, _ message: @autoclosure () -> String) throws(LatentDiffError) {
    if !condition { throw .format(message()) }
}
