import Testing
import LatentDiffMPI
import LatentDiffNN

/// Every rank of the world runs this test; they meet in the hook's all-reduce.
@Suite struct GradientAverageTests {
    /// Rank r holds gradient (r + 1) g for one parameter, g for another on rank 0 only, and none
    /// for a third. After the hook every rank holds the averages (N + 1) / 2 g and g / N (exact in
    /// float32 for these values), and the third parameter still has no gradient.
    @Test func averagesGradientsAcrossRanks() {
        let world = Communicator()
        defer { world.finalize() }
        let n = Float(world.size), r = Float(world.rank)
        let everywhere = Tensor(zeros: [3], requiresGrad: true)
        let leadOnly = Tensor(zeros: [2, 2], requiresGrad: true)
        let nowhere = Tensor(zeros: [5], requiresGrad: true)
        let base: [Float] = [1, -2, 0.5, 4]
        for i in 0..<3 { everywhere.gradBuffer()[i] = (r + 1) * base[i] }
        if world.rank == 0 { for i in 0..<4 { leadOnly.gradBuffer()[i] = base[i] } }
        let average = GradientAverage(world: world)
        average([everywhere, leadOnly, nowhere])
        #expect(everywhere.gradValues == (0..<3).map { base[$0] * (n + 1) / 2 })
        #expect(leadOnly.gradValues == base.map { $0 / n })
        #expect(nowhere.gradValues == nil)
        #expect(average.summary.contains("over \(world.size) ranks"))
    }
}
