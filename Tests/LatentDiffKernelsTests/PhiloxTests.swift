import Testing
@testable import LatentDiffKernels

@Suite struct PhiloxTests {
    /// Known-answer vectors from the Random123 distribution (kat_vectors, philox4x32 10 rounds).
    @Test func knownAnswers() {
        let zero = Philox(seed: 0).block((0, 0, 0, 0))
        #expect([zero.0, zero.1, zero.2, zero.3] == [0x6627_e8d5, 0xe169_c58d, 0xbc57_ac4c, 0x9b00_dbd8])
        let ones = Philox(seed: 0xffff_ffff_ffff_ffff).block((0xffff_ffff, 0xffff_ffff, 0xffff_ffff, 0xffff_ffff))
        #expect([ones.0, ones.1, ones.2, ones.3] == [0x408f_276d, 0x41c8_3b0e, 0xa20b_c7c6, 0x6d54_51fd])
    }

    @Test func normalsHaveUnitMoments() {
        let count = 40_000
        var values = [Float](repeating: 0, count: count)
        values.withUnsafeMutableBufferPointer { Philox(seed: 7).fillNormals($0.baseAddress!, count: count, stream: 3) }
        let mean = values.reduce(0, +) / Float(count)
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Float(count)
        #expect(abs(mean) < 0.02)
        #expect(abs(variance - 1) < 0.03)
    }

    /// A part of the sequence, starting anywhere (not only on a block boundary), is the same
    /// values the whole sequence holds there.
    @Test func partsMatchTheWhole() {
        let p = Philox(seed: 11)
        var whole = [Float](repeating: 0, count: 23)
        whole.withUnsafeMutableBufferPointer { p.fillNormals($0.baseAddress!, count: 23, stream: 5, offset: 9) }
        for (first, count) in [(0, 23), (1, 5), (3, 9), (4, 4), (6, 17), (22, 1)] {
            var part = [Float](repeating: 0, count: count)
            part.withUnsafeMutableBufferPointer {
                p.fillNormals($0.baseAddress!, count: count, stream: 5, offset: 9, first: first)
            }
            #expect(part == Array(whole[first..<(first + count)]))
        }
    }

    @Test func streamsDiffer() {
        let p = Philox(seed: 1)
        #expect(p.normals(stream: 0, index: 0) != p.normals(stream: 1, index: 0))
    }
}
