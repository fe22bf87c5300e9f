import Foundation
import Testing
import LatentDiffIO
import LatentDiffKernels
import LatentDiffNN
@testable import LatentDiffModels

/// `--res-blocks N`: N ResBlocks per U-Net level, each wired into the forward pass, stored in the
/// model file's configuration; files without the field keep one block per level.
@Suite struct UNetDepthTests {
    /// A U-Net whose parameters are all non-zero (zero-initialized output convolutions would hide
    /// whether a block is used), and its store.
    func unet(resBlocks: Int) throws -> (UNet, ParameterStore) {
        let config = DenoiserConfig(kind: .unet, inputShape: [2, 6, 6], widths: [8, 16], resBlocks: resBlocks, classCount: 3)
        let store = ParameterStore(seed: 5)
        let net = try #require(try makeDenoiser(config, store: store) as? UNet)
        for (k, p) in store.parameters.enumerated() {
            for i in 0..<p.count { p.data[i] += 0.05 * Float(sin(Double(7 * i + k))) }
        }
        return (net, store)
    }

    func output(_ net: UNet) -> [Float] {
        let x = Tensor(shape: [2, 2, 6, 6], values: (0..<144).map { Float(sin(Double($0))) })
        return net(x, timesteps: [10, 500], labels: [1, -1], dropout: nil).values
    }

    @Test func oneBlockPerLevelKeepsTheNamesOfEarlierFiles() throws {
        let (_, store) = try unet(resBlocks: 1)
        #expect(!store.names.contains { $0.contains("_1.") }, "\(store.names)")
        #expect(store.names.contains { $0.hasPrefix("denoiser.down1.") })
        #expect(store.names.contains { $0.hasPrefix("denoiser.attention_up.") })
    }

    @Test(arguments: ["denoiser.down0_1.", "denoiser.down1_2.", "denoiser.attention_down_2.", "denoiser.up1_1.",
                      "denoiser.attention_up_1.", "denoiser.up0_2."])
    func everyExtraBlockChangesTheOutput(prefix: String) throws {
        let (net, store) = try unet(resBlocks: 3)
        let before = output(net)
        #expect(before.count == 144 && before.allSatisfy(\.isFinite))
        let block = store.names.filter { $0.hasPrefix(prefix) }
        #expect(!block.isEmpty, "no parameters named \(prefix)*")
        for name in block {
            let p = try #require(store[name])
            for i in 0..<p.count { p.data[i] += 0.1 }
        }
        #expect(output(net) != before, "\(prefix) is not on the forward path")
    }

    @Test func moreBlocksMeanMoreParameters() throws {
        let counts = try [1, 2, 3].map { try unet(resBlocks: $0).1.parameters.reduce(0) { $0 + $1.count } }
        #expect(counts[0] < counts[1] && counts[1] - counts[0] == counts[2] - counts[1], "\(counts)")
    }

    @Test func theDepthIsStoredAndOldFilesReadAsOneBlock() throws {
        let config = DenoiserConfig(kind: .unet, inputShape: [4, 8, 8], resBlocks: 2, classCount: 10)
        #expect(try DenoiserConfig(json: config.json) == config)
        guard case .object(let all) = config.json else { Issue.record("not an object"); return }
        let fields = all.filter { $0.key != "res_blocks" }
        #expect(fields.count == all.count - 1)
        #expect(try DenoiserConfig(json: .object(fields)).resBlocks == 1)
        for bad in [0, 9] {
            #expect(throws: LatentDiffError.self) { try DenoiserConfig(json: .object(fields + [("res_blocks", .number(Double(bad)))])) }
        }
    }
}
