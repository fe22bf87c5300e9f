// swift-tools-version:6.0
import PackageDescription

// The optional Open MPI build: `latentdiff-mpi`, the training and sampling commands of
// `latentdiff` run data-parallel under `mpirun`. A package of its own that depends on the main one
// by path, so the default build (`swift build` at the root) never needs MPI. See README.md here.
let package = Package(
    name: "LatentDiffMPI",
    products: [
        .executable(name: "latentdiff-mpi", targets: ["latentdiff-mpi"]),
    ],
    dependencies: [
        .package(name: "LatentDiff", path: ".."),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // Open MPI's C API; its handles (MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM, ...) are macros Swift
        // cannot import, so shim.h returns them from static inline functions.
        .systemLibrary(
            name: "CMPI", pkgConfig: "ompi-c",
            providers: [.apt(["libopenmpi-dev"])]),
        // The communicator and the gradient all-reduce hook.
        .target(
            name: "LatentDiffMPI",
            dependencies: ["CMPI", .product(name: "LatentDiffCLI", package: "LatentDiff")]),
        // train, sample and bench-allreduce, with the options of `latentdiff`.
        .executableTarget(
            name: "latentdiff-mpi",
            dependencies: [
                "LatentDiffMPI",
                .product(name: "LatentDiffCLI", package: "LatentDiff"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        // Run under `mpirun -np N` (test.sh does, with N = 2); alone it is a world of one.
        .testTarget(
            name: "LatentDiffMPITests",
            dependencies: ["LatentDiffMPI", .product(name: "LatentDiffCLI", package: "LatentDiff")]),
    ]
)
