import Testing
import LatentDiffKernels
@testable import LatentDiffIO

/// The error `body` throws, or nil (an error of another type becomes `.internalError`).
func caught<T>(_ body: () throws -> T) -> LatentDiffError? {
    do {
        _ = try body()
        return nil
    } catch let error as LatentDiffError {
        return error
    } catch {
        return LatentDiffError(.internalError, "not a LatentDiffError: \(error)")
    }
}

@Suite struct JSONTests {
    @Test func parsesEveryKindOfValueInOrder() throws {
        let text = #" { "z": [1, -2.5e3, true, false, null], "a": {"s": "x\ty"}, "e": {} , "n": [] } "#
        let value = try JSON.parse(text)
        #expect(value == ["z": [1, -2500, true, false, nil], "a": ["s": "x\ty"], "e": [:], "n": []])
        #expect(value.objectValue?.map(\.key) == ["z", "a", "e", "n"])
        #expect(value["z"]?.arrayValue?[1].doubleValue == -2500)
        #expect(value["a"]?["s"]?.stringValue == "x\ty")
        #expect(value["z"]?.arrayValue?[2].boolValue == true)
        #expect(value["missing"] == nil)
    }

    @Test func serializesCompactlyInInsertionOrder() {
        let value: JSON = ["b": 1, "a": [true, nil, "q\"\\\n\u{01}é"], "c": 0.5]
        #expect(value.serialized() == #"{"b":1,"a":[true,null,"q\"\\\n\u0001é"],"c":0.5}"#)
    }

    @Test(arguments: [
        (0.0, "0"), (-0.0, "0"), (3, "3"), (-42, "-42"), (0.1, "0.1"), (1e-5, "1e-05"),
        (1e16, "1e+16"), (9007199254740991, "9007199254740991"), (-1.5e300, "-1.5e+300"),
        (.infinity, "null"), (.nan, "null"),
    ])
    func formatsNumbers(value: Double, text: String) {
        #expect(JSON.number(value).serialized() == text)
    }

    @Test func numbersRoundTripExactly() throws {
        for x in [0.1, 1.0 / 3.0, 2.0 / 3.0 * 1e-300, Double.leastNonzeroMagnitude, 1.7976931348623157e308, 123456789.125, -7e22] {
            #expect(try JSON.parse(JSON.number(x).serialized()) == .number(x))
        }
    }

    @Test func decodesEscapesAndSurrogatePairs() throws {
        let value = try JSON.parse(#""\"\\\/\b\f\n\r\t\u00e9\u2603\ud83d\ude00""#)
        #expect(value == .string("\"\\/\u{08}\u{0C}\n\r\té☃😀"))
        #expect(try JSON.parse(value.serialized()) == value)
        #expect(try JSON.parse("\"\u{1F600}\"") == .string("😀"))
    }

    @Test(arguments: [
        ("", "unexpected end of input"),
        ("{\"a\":1} x", "after the JSON value"),
        ("[1,]", "unexpected character ']'"),
        ("{\"a\" 1}", "':' after a key"),
        ("{a:1}", "expected a string key"),
        ("{\"a\":1,\"a\":2}", "duplicate key \"a\""),
        ("01", "leading zero"),
        ("1.", "digit after '.'"),
        ("-", "expected a digit"),
        ("1e", "digit in the exponent"),
        ("1e400", "out of range"),
        ("tru", "expected 'true'"),
        ("\"abc", "unterminated string"),
        ("\"a\u{01}\"", "control character"),
        (#""\x""#, "invalid escape"),
        (#""\u12g4""#, "4 hex digits"),
        (#""\ud800""#, "high surrogate without"),
        (#""\ud800\u0041""#, "high surrogate followed by"),
        (#""\udc00""#, "low surrogate without"),
        ("[1] [2]", "after the JSON value"),
    ])
    func rejectsInvalidText(text: String, reason: String) {
        let error = caught { try JSON.parse(text) }
        #expect(error?.status == .format)
        #expect(error?.message.contains(reason) == true, "\(error?.message ?? "no error")")
    }

    @Test func errorNamesTheByteOffset() {
        #expect(caught { try JSON.parse("[1, 2, @]") }?.message == "invalid JSON at byte 7: unexpected character '@'")
    }

    @Test func rejectsInvalidUTF8() {
        let error = caught { try JSON.parse([0x22, 0xC3, 0x28, 0x22]) }
        #expect(error?.message.contains("not valid UTF-8") == true)
    }

    @Test func limitsNestingDepth() throws {
        let ok = String(repeating: "[", count: JSON.maxDepth) + String(repeating: "]", count: JSON.maxDepth)
        _ = try JSON.parse(ok)
        let deep = String(repeating: "[", count: 100_000)
        #expect(caught { try JSON.parse(deep) }?.message.contains("nesting deeper than") == true)
        let deepObject = String(repeating: "{\"a\":", count: JSON.maxDepth + 1)
        #expect(caught { try JSON.parse(deepObject) }?.message.contains("nesting deeper than") == true)
    }

    @Test func intValueIsExact() {
        #expect(JSON.number(3).intValue == 3)
        #expect(JSON.number(3.5).intValue == nil)
        #expect(JSON.number(1e300).intValue == nil)
        #expect(JSON.string("3").intValue == nil)
    }
}
