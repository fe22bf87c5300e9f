import CMPI
import LatentDiffPipeline

#if canImport(Glibc)
import Glibc
#endif

/// MPI_COMM_WORLD of this process, for the few collectives data-parallel work needs. MPI is called
/// from the main thread only (MPI_THREAD_FUNNELED); worker threads never touch it. MPI's default
/// error handler aborts the whole job on a communication error, so the calls return no status.
public final class Communicator {
    public let rank: Int
    public let size: Int

    /// Initializes MPI (once per process).
    public init() {
        var provided: Int32 = 0
        MPI_Init_thread(nil, nil, Int32(MPI_THREAD_FUNNELED), &provided)
        var rank: Int32 = 0, size: Int32 = 0
        MPI_Comm_rank(ld_mpi_comm_world(), &rank)
        MPI_Comm_size(ld_mpi_comm_world(), &size)
        self.rank = Int(rank)
        self.size = Int(size)
    }

    public var shard: Shard { Shard(rank: rank, count: size) }

    public func finalize() { MPI_Finalize() }

    /// Ends every process of the job (a rank that fails must not leave the others waiting in a
    /// collective).
    public func abort(status: Int32) -> Never {
        MPI_Abort(ld_mpi_comm_world(), status)
        exit(status)
    }

    /// Sums `count` floats across all ranks, in place; every rank gets the same sums.
    public func allReduceSum(_ values: UnsafeMutablePointer<Float>, count: Int) {
        MPI_Allreduce(ld_mpi_in_place(), values, mpiCount(count), ld_mpi_float(), ld_mpi_sum(), ld_mpi_comm_world())
    }

    /// The lead's `value`, on every rank.
    public func broadcastFromLead(_ value: Double) -> Double {
        var value = value
        MPI_Bcast(&value, 1, ld_mpi_double(), 0, ld_mpi_comm_world())
        return value
    }

    /// The concatenation of every rank's `values` (rank r sends `counts[r]` of them) on the lead;
    /// an empty array on the other ranks.
    public func gatherOnLead(_ values: [Float], counts: [Int]) -> [Float] {
        gather(values, counts: counts, type: ld_mpi_float())
    }

    public func gatherOnLead(_ values: [UInt8], counts: [Int]) -> [UInt8] {
        gather(values, counts: counts, type: ld_mpi_uint8())
    }

    private func gather<T: Numeric>(_ values: [T], counts: [Int], type: MPI_Datatype) -> [T] {
        precondition(counts.count == size && values.count == counts[rank], "gather: counts do not match the ranks")
        var displacements = [Int32](), offset = 0
        for count in counts {
            displacements.append(mpiCount(offset))
            offset += count
        }
        var result = [T](repeating: 0, count: rank == 0 ? offset : 0)
        let sizes = counts.map(mpiCount)
        values.withUnsafeBufferPointer { send in
            result.withUnsafeMutableBufferPointer { receive in
                _ = MPI_Gatherv(send.baseAddress, mpiCount(send.count), type,
                                receive.baseAddress, sizes, displacements, type, 0, ld_mpi_comm_world())
            }
        }
        return result
    }

    private func mpiCount(_ count: Int) -> Int32 {
        precondition(count <= Int(Int32.max), "MPI: \(count) elements exceed one message's count")
        return Int32(count)
    }
}
