import LatentDiffKernels

/// A JSON value (RFC 8259). Objects keep their members in the order written or parsed, so a
/// document serializes the same way every time; `==` compares objects in that order too.
public enum JSON: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSON])
    case object([(key: String, value: JSON)])

    public static func == (a: JSON, b: JSON) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case let (.bool(x), .bool(y)): return x == y
        case let (.number(x), .number(y)): return x == y
        case let (.string(x), .string(y)): return x == y
        case let (.array(x), .array(y)): return x == y
        case let (.object(x), .object(y)): return x.elementsEqual(y) { $0.key == $1.key && $0.value == $1.value }
        default: return false
        }
    }

    /// The value of member `key` of an object; nil for a missing key or a value that is not an object.
    public subscript(key: String) -> JSON? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.key == key }?.value
    }

    /// A Float as the JSON number of its shortest decimal form (0.1, not 0.10000000149011612).
    public static func shortest(_ value: Float) -> JSON {
        .number(Double(value.description) ?? Double(value))
    }

    public var boolValue: Bool? { if case .bool(let b) = self { b } else { nil } }
    public var doubleValue: Double? { if case .number(let d) = self { d } else { nil } }
    /// The number if it is an integer that fits in `Int`.
    public var intValue: Int? { doubleValue.flatMap { Int(exactly: $0) } }
    public var stringValue: String? { if case .string(let s) = self { s } else { nil } }
    public var arrayValue: [JSON]? { if case .array(let a) = self { a } else { nil } }
    public var objectValue: [(key: String, value: JSON)]? { if case .object(let o) = self { o } else { nil } }
}

extension JSON: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral,
    ExpressibleByDictionaryLiteral
{
    public init(nilLiteral: ()) { self = .null }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    public init(floatLiteral value: Double) { self = .number(value) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(arrayLiteral elements: JSON...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSON)...) {
        self = .object(elements.map { (key: $0.0, value: $0.1) })
    }
}

// MARK: - Serializing

extension JSON {
    /// Compact text: no whitespace, members in order, numbers in their shortest form that reads
    /// back to the same Double (integers without a fraction: `3`, not `3.0`). JSON has no
    /// infinities or NaN; those are written as `null`.
    public func serialized() -> String {
        var out = ""
        write(to: &out)
        return out
    }

    private func write(to out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let d): out += JSON.format(d)
        case .string(let s): JSON.quote(s, to: &out)
        case .array(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                item.write(to: &out)
            }
            out += "]"
        case .object(let members):
            out += "{"
            for (i, member) in members.enumerated() {
                if i > 0 { out += "," }
                JSON.quote(member.key, to: &out)
                out += ":"
                member.value.write(to: &out)
            }
            out += "}"
        }
    }

    private static func format(_ d: Double) -> String {
        guard d.isFinite else { return "null" }
        // Below 2^53 every integer is exact; print it as one (also turns -0 into 0).
        if d == d.rounded(), abs(d) < 9_007_199_254_740_992 { return String(Int64(d)) }
        return d.description  // shortest round-trip digits, e.g. 0.1, 1e-05, 1e+16: all valid JSON
    }

    private static func quote(_ s: String, to out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case "\u{00}"..."\u{1F}":
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}

// MARK: - Parsing

extension JSON {
    /// Arrays and objects nested deeper than this are refused (the parser recurses).
    public static let maxDepth = 128

    /// Parses exactly one JSON value (surrounding whitespace allowed). Rejects anything RFC 8259
    /// rejects, plus duplicate keys in an object, strings that are not valid UTF-8, numbers
    /// beyond Double's range and nesting beyond `maxDepth`. Errors are `.format` and name the byte offset.
    public static func parse(_ bytes: [UInt8]) throws(LatentDiffError) -> JSON {
        var parser = Parser(bytes: bytes)
        return try parser.document()
    }

    public static func parse(_ text: String) throws(LatentDiffError) -> JSON {
        try parse(Array(text.utf8))
    }
}

private struct Parser {
    let bytes: [UInt8]
    var position = 0

    mutating func document() throws(LatentDiffError) -> JSON {
        let result = try value(depth: 0)
        skipWhitespace()
        guard position == bytes.count else { throw error("unexpected data after the JSON value") }
        return result
    }

    private func error(_ what: String) -> LatentDiffError {
        .format("invalid JSON at byte \(position): \(what)")
    }

    private func byte(at offset: Int) -> UInt8? { offset < bytes.count ? bytes[offset] : nil }
    private var peek: UInt8? { byte(at: position) }

    private mutating func skipWhitespace() {
        while let b = peek, b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 { position += 1 }
    }

    private mutating func expect(_ c: Unicode.Scalar, _ what: String) throws(LatentDiffError) {
        guard peek == UInt8(ascii: c) else { throw error("expected \(what)") }
        position += 1
    }

    private mutating func value(depth: Int) throws(LatentDiffError) -> JSON {
        skipWhitespace()
        guard let b = peek else { throw error("unexpected end of input") }
        switch b {
        case UInt8(ascii: "{"): return try object(depth: depth + 1)
        case UInt8(ascii: "["): return try array(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        default: throw error("unexpected character \(describe(b))")
        }
    }

    private func describe(_ b: UInt8) -> String {
        (0x21...0x7E).contains(b) ? "'\(Character(Unicode.Scalar(b)))'" : "byte 0x\(String(b, radix: 16))"
    }

    private mutating func literal(_ word: String) throws(LatentDiffError) {
        for c in word.utf8 {
            guard peek == c else { throw error("expected '\(word)'") }
            position += 1
        }
    }

    private mutating func array(depth: Int) throws(LatentDiffError) -> JSON {
        guard depth <= JSON.maxDepth else { throw error("nesting deeper than \(JSON.maxDepth)") }
        position += 1  // [
        var items: [JSON] = []
        skipWhitespace()
        if peek == UInt8(ascii: "]") { position += 1; return .array(items) }
        while true {
            items.append(try value(depth: depth))
            skipWhitespace()
            if peek == UInt8(ascii: ",") { position += 1; continue }
            try expect("]", "',' or ']' in an array")
            return .array(items)
        }
    }

    private mutating func object(depth: Int) throws(LatentDiffError) -> JSON {
        guard depth <= JSON.maxDepth else { throw error("nesting deeper than \(JSON.maxDepth)") }
        position += 1  // {
        var members: [(key: String, value: JSON)] = []
        var keys = Set<String>()
        skipWhitespace()
        if peek == UInt8(ascii: "}") { position += 1; return .object(members) }
        while true {
            skipWhitespace()
            guard peek == UInt8(ascii: "\"") else { throw error("expected a string key") }
            let keyStart = position
            let key = try string()
            guard keys.insert(key).inserted else {
                position = keyStart
                throw error("duplicate key \(JSON.string(key).serialized())")
            }
            skipWhitespace()
            try expect(":", "':' after a key")
            members.append((key: key, value: try value(depth: depth)))
            skipWhitespace()
            if peek == UInt8(ascii: ",") { position += 1; continue }
            try expect("}", "',' or '}' in an object")
            return .object(members)
        }
    }

    /// A string starting at the opening quote; escapes decoded, UTF-8 checked.
    private mutating func string() throws(LatentDiffError) -> String {
        let start = position
        position += 1  // "
        var utf8: [UInt8] = []
        while true {
            guard let b = peek else { throw error("unterminated string") }
            switch b {
            case UInt8(ascii: "\""):
                position += 1
                guard let s = String(validating: utf8, as: UTF8.self) else {
                    position = start
                    throw error("string is not valid UTF-8")
                }
                return s
            case UInt8(ascii: "\\"):
                position += 1
                try escape(into: &utf8)
            case 0..<0x20: throw error("unescaped control character in a string")
            default:
                utf8.append(b)
                position += 1
            }
        }
    }

    /// The escape after a backslash: \" \\ \/ \b \f \n \r \t or \uXXXX (surrogate pairs joined).
    private mutating func escape(into utf8: inout [UInt8]) throws(LatentDiffError) {
        guard let e = peek else { throw error("unterminated string") }
        position += 1
        let simple: UInt8? = switch e {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): e
        case UInt8(ascii: "b"): 0x08
        case UInt8(ascii: "f"): 0x0C
        case UInt8(ascii: "n"): 0x0A
        case UInt8(ascii: "r"): 0x0D
        case UInt8(ascii: "t"): 0x09
        default: nil
        }
        if let simple { utf8.append(simple); return }
        guard e == UInt8(ascii: "u") else { position -= 1; throw error("invalid escape \\\(describe(e))") }
        var code = try hex4()
        if (0xD800..<0xDC00).contains(code) {
            guard peek == UInt8(ascii: "\\"), byte(at: position + 1) == UInt8(ascii: "u") else {
                throw error("high surrogate without a following low surrogate")
            }
            position += 2
            let low = try hex4()
            guard (0xDC00..<0xE000).contains(low) else { throw error("high surrogate followed by \\u\(String(low, radix: 16))") }
            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
        } else if (0xDC00..<0xE000).contains(code) {
            throw error("low surrogate without a preceding high surrogate")
        }
        guard let scalar = Unicode.Scalar(code) else { throw error("invalid code point") }
        UTF8.encode(scalar) { utf8.append($0) }
    }

    private mutating func hex4() throws(LatentDiffError) -> UInt32 {
        var code: UInt32 = 0
        for _ in 0..<4 {
            let digit: UInt32 = switch peek {
            case .some(let b) where (0x30...0x39).contains(b): UInt32(b - 0x30)
            case .some(let b) where (0x41...0x46).contains(b): UInt32(b - 0x41 + 10)
            case .some(let b) where (0x61...0x66).contains(b): UInt32(b - 0x61 + 10)
            default: throw error("expected 4 hex digits after \\u")
            }
            code = code << 4 | digit
            position += 1
        }
        return code
    }

    /// -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?, finite as a Double.
    private mutating func number() throws(LatentDiffError) -> Double {
        let start = position
        if peek == UInt8(ascii: "-") { position += 1 }
        if peek == UInt8(ascii: "0") {
            position += 1
            if isDigit(peek) { throw error("leading zero in a number") }
        } else {
            try digits("a digit")
        }
        if peek == UInt8(ascii: ".") {
            position += 1
            try digits("a digit after '.'")
        }
        if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
            position += 1
            if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { position += 1 }
            try digits("a digit in the exponent")
        }
        let text = String(decoding: bytes[start..<position], as: UTF8.self)
        guard let value = Double(text), value.isFinite else {
            position = start
            throw error("number \(text) is out of range")
        }
        return value
    }

    private func isDigit(_ b: UInt8?) -> Bool { b.map { (0x30...0x39).contains($0) } ?? false }

    private mutating func digits(_ what: String) throws(LatentDiffError) {
        guard isDigit(peek) else { throw error("expected \(what)") }
        while isDigit(peek) { position += 1 }
    }
}
