import LatentDiffKernels
import Testing
@testable import LatentDiffNN

@Suite struct ModuleTests {
    @Test func storeNamesParametersInOrder() throws {
        let store = ParameterStore(seed: 1)
        _ = try Conv2d(store, "encoder.conv_in", inChannels: 3, outChannels: 5, kernel: 3)
        _ = try GroupNorm(store, "encoder.norm", groups: 1, channels: 5)
        #expect(store.names == ["encoder.conv_in.weight", "encoder.conv_in.bias", "encoder.norm.weight", "encoder.norm.bias"])
        #expect(store.parameters.map(\.shape) == [[5, 3, 3, 3], [5], [5], [5]])
        #expect(store["encoder.norm.weight"]?.values == [1, 1, 1, 1, 1])
        #expect(store.parameters.allSatisfy { $0.requiresGrad })
        #expect(throws: LatentDiffError.self) { try Linear(store, "encoder.conv_in", inFeatures: 2, outFeatures: 2) }
    }

    @Test func initializationDependsOnSeedAndNameOnly() throws {
        let first = ParameterStore(seed: 7), second = ParameterStore(seed: 7), other = ParameterStore(seed: 8)
        let a1 = try Linear(first, "a", inFeatures: 4, outFeatures: 3)
        _ = try Linear(first, "b", inFeatures: 4, outFeatures: 3)
        _ = try Linear(second, "b", inFeatures: 4, outFeatures: 3)
        let a2 = try Linear(second, "a", inFeatures: 4, outFeatures: 3)
        let a3 = try Linear(other, "a", inFeatures: 4, outFeatures: 3)
        #expect(a1.weight.values == a2.weight.values)
        #expect(a1.weight.values != a3.weight.values)
        #expect(first["a.weight"]?.values != first["b.weight"]?.values)
        let bound = 1 / Float(4).squareRoot()
        #expect(a1.weight.values.allSatisfy { abs($0) <= bound })
    }

    @Test func sameTreeOverOtherTensors() throws {
        let store = ParameterStore(seed: 3)
        let block = try ResBlock(store, "down.0", inChannels: 4, outChannels: 6, embeddingDim: 5, groups: 2)
        // EMA-like weights: detached copies, served as they are.
        var copies: [String: Tensor] = [:]
        for name in store.names { copies[name] = store[name]?.detached() }
        let ema = ParameterStore(tensors: copies)
        let twin = try ResBlock(ema, "down.0", inChannels: 4, outChannels: 6, embeddingDim: 5, groups: 2)
        #expect(ema.names == store.names)
        #expect(ema.parameters.allSatisfy { !$0.requiresGrad })
        #expect(ema["down.0.conv1.weight"] === copies["down.0.conv1.weight"])
        #expect(ema.unusedNames.isEmpty)
        // Both record a graph (x requires a gradient), so both sum products in the same order.
        let x = seededTensor([3, 4, 7, 7], seed: 1, requiresGrad: true), e = seededTensor([3, 5], seed: 2, requiresGrad: false)
        #expect(twin(x, embedding: e).values == block(x, embedding: e).values)
        // Over inputs that need no gradient the twin records nothing.
        let y = twin(x.detached(), embedding: e)
        #expect(!y.requiresGrad && y.node == nil)
        // A trainable store over loaded values copies them with gradients on.
        let resumed = ParameterStore(tensors: copies, requiresGrad: true)
        _ = try ResBlock(resumed, "down.0", inChannels: 4, outChannels: 6, embeddingDim: 5, groups: 2)
        #expect(resumed.parameters.allSatisfy { $0.requiresGrad })
        #expect(resumed["down.0.conv1.weight"]?.values == copies["down.0.conv1.weight"]?.values)
    }

    @Test func servedStoreRejectsMissingOrMisshapenTensors() throws {
        let store = ParameterStore(tensors: ["l.weight": Tensor(zeros: [3, 4]), "l.bias": Tensor(zeros: [2]),
                                             "extra": Tensor(zeros: [1])])
        #expect(throws: LatentDiffError.self) { try Linear(store, "l", inFeatures: 4, outFeatures: 3) }
        #expect(throws: LatentDiffError.self) { try Linear(store, "m", inFeatures: 4, outFeatures: 3) }
        let ok = ParameterStore(tensors: ["l.weight": Tensor(zeros: [3, 4]), "extra": Tensor(zeros: [1])])
        _ = try Linear(ok, "l", inFeatures: 4, outFeatures: 3, bias: false)
        #expect(ok.unusedNames == ["extra"])
    }

    @Test func resBlockGradients() throws {
        let store = ParameterStore(seed: 5)
        let block = try ResBlock(store, "block", inChannels: 4, outChannels: 6, embeddingDim: 5, groups: 2, dropout: 0.2)
        let x = seededTensor([3, 4, 5, 5], seed: 1), e = seededTensor([3, 5], seed: 2)
        let noise = DropoutNoise(seed: 3, stream: 4)
        let failures = GradientCheck(epsilon: 3e-3, relative: 2e-2, absolute: 3e-3)
            .mismatches([x, e] + store.parameters) { block(x, embedding: e, noise: noise) }
        #expect(failures.isEmpty, "\(failures.count) mismatches: \(failures.prefix(5))")
        #expect(block(x, embedding: e).shape == [3, 6, 5, 5])
    }

    @Test func attentionAndNormModules() throws {
        let store = ParameterStore(seed: 6)
        let attention = try Attention(store, "mid.attn", channels: 6, heads: 3, groups: 3)
        let norm = try LayerNorm(store, "ln", features: 5)
        let table = try Embedding(store, "classes", count: 4, features: 5)
        #expect(store.names.contains("mid.attn.proj_out.weight"))
        let x = seededTensor([3, 6, 3, 3], seed: 1)
        let failures = GradientCheck(epsilon: 3e-3, relative: 2e-2, absolute: 3e-3)
            .mismatches([x] + store.parameters) { attention(x) }
        #expect(failures.isEmpty, "\(failures.count) mismatches: \(failures.prefix(5))")
        #expect(norm(table([3, 0])).shape == [2, 5])
    }

    @Test func resultsDoNotDependOnThreadCount() throws {
        // Big enough that the element-wise and normalization loops split over threads.
        let store = ParameterStore(seed: 9)
        let block = try ResBlock(store, "b", inChannels: 8, outChannels: 8, groups: 4)
        let x = seededTensor([32, 8, 16, 16], seed: 1)
        let before = Parallel.threadCount
        defer { Parallel.threadCount = before }
        /// The output and every gradient of `f` on `threads` threads.
        func run(threads: Int, _ inputs: [Tensor], _ f: () -> Tensor) -> [[Float]] {
            Parallel.threadCount = threads
            for p in inputs { p.zeroGrad() }
            let y = f()
            mean(multiply(y, y)).backward()
            return [y.values] + inputs.map { $0.gradValues ?? [] }
        }
        // Our own loops: bit for bit.
        let gamma = seededTensor([8], seed: 2), beta = seededTensor([8], seed: 3), v = seededTensor([32, 8], seed: 4)
        let ours = { softmax(silu(addChannelwise(groupNorm(x, groups: 4, gamma: gamma, beta: beta), v))) }
        #expect(run(threads: 1, [x, gamma, beta, v], ours) == run(threads: 2, [x, gamma, beta, v], ours))
        // Stride-1 convolutions (forward, dx and dW) are our own kernels too.
        let w = seededTensor([16, 8, 3, 3], seed: 5), b = seededTensor([16], seed: 6)
        let convolution = { conv2d(x, weight: w, bias: b, padding: 1) }
        #expect(run(threads: 1, [x, w, b], convolution) == run(threads: 2, [x, w, b], convolution))
        // A whole block (stride-2 and Linear products too: every product is the fixed-order kernel's).
        let blockRun = { (threads: Int) in run(threads: threads, [x] + store.parameters) { block(x) } }
        #expect(blockRun(1) == blockRun(2))
    }

    /// A residual block's output and every gradient (convolutions at strides 1 and 2, Linear
    /// layers, attention's batched products, group normalization with SiLU) are the same bits on
    /// every kernel path this CPU runs: AVX-512, AVX2 and portable.
    @Test func resultsDoNotDependOnTheKernelPath() throws {
        let store = ParameterStore(seed: 10)
        let block = try ResBlock(store, "b", inChannels: 8, outChannels: 16, embeddingDim: 12, groups: 4)
        let x = seededTensor([3, 8, 10, 10], seed: 11), w2 = seededTensor([16, 16, 3, 3], seed: 12)
        let q = seededTensor([2, 20, 24], seed: 13), k = seededTensor([2, 20, 24], seed: 14)
        let embedding = seededTensor([3, 12], seed: 15)
        let inputs = [x, w2, q, k, embedding] + store.parameters
        var results: [[[Float]]] = []
        KernelPath.forEachSupported { _ in
            for p in inputs { p.zeroGrad() }
            let h = conv2d(block(x, embedding: embedding), weight: w2, stride: 2, padding: 1)
            let scores = matmul(q, k, transposeB: true, alpha: 0.2)
            add(mean(multiply(h, h)), mean(multiply(scores, scores))).backward()
            results.append([h.values, scores.values] + inputs.map { $0.gradValues ?? [] })
        }
        #expect(!results.isEmpty)
        for (index, other) in results.enumerated().dropFirst() {
            #expect(other == results[0], "path \(KernelPath.supported[index]) vs \(KernelPath.supported[0])")
        }
    }
}
