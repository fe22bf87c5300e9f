// swift-tools-version:6.0
import PackageDescription

// Layers, bottom to top (each depends only on the ones above it in this list):
//   COpenBLAS, CLibPNG, CZlib,  system libraries
//   CTurboJPEG
//   CFixedOrderGEMM             a matrix product whose entries' bits depend on neither its shape nor the CPU;
//                               the kernel path (AVX-512, AVX2, portable) in use
//   CSIMDLoops                  element-wise loops built for AVX-512, AVX2 and any CPU, one chosen at run time
//   LatentDiffKernels           errors, products through the fixed-order kernel, convolution scheduling,
//                               thread count, parallel loops, LAPACK (OpenBLAS) for PCA's eigenvectors
//   LatentDiffNN                tensors, autodiff ops, modules, optimizers
//   LatentDiffIO                PNG, JPEG, safetensors, data sets (MNIST, CIFAR-10, image folders)
//   LatentDiffModels            codecs and denoisers
//   LatentDiffDiffusion         schedules, training loss, samplers
//   LatentDiffPipeline          load -> sample -> decode -> PNG; training and evaluation jobs
//   LatentDiff                  the C ABI (`@c public func ld_*`), built as libLatentDiff.so
//   LatentDiffCLI               options and helpers the commands share with mpi/ (the optional
//                               Open MPI package, which depends on this one by path)
//   latentdiff                  the command-line tool

let exportsMap = "\(Context.packageDirectory)/Sources/LatentDiff/exports.map"

let package = Package(
    name: "LatentDiff",
    products: [
        .library(name: "LatentDiff", type: .dynamic, targets: ["LatentDiff"]),
        .executable(name: "latentdiff", targets: ["latentdiff"]),
        // For mpi/ (latentdiff-mpi): the command options and the layers it drives directly.
        .library(name: "LatentDiffCLI", targets: [
            "LatentDiffCLI", "LatentDiffPipeline", "LatentDiffDiffusion", "LatentDiffNN", "LatentDiffKernels",
        ]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(
            name: "COpenBLAS", pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(
            name: "CLibPNG", pkgConfig: "libpng",
            providers: [.apt(["libpng-dev"])]),
        // The public header itself, so the @c exports use its struct types (ld_sample_params, ...).
        .systemLibrary(name: "CLatentDiffABI"),
        .systemLibrary(
            name: "CTurboJPEG", pkgConfig: "libturbojpeg",
            providers: [.apt(["libturbojpeg0-dev"])]),
        .systemLibrary(
            name: "CZlib", pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]),
        // Optimized in debug builds too: the tests sample through it.
        .target(name: "CFixedOrderGEMM", cSettings: [.unsafeFlags(["-O2"], .when(configuration: .debug))]),
        .target(name: "CSIMDLoops", dependencies: ["CFixedOrderGEMM"], cSettings: [.unsafeFlags(["-O2"], .when(configuration: .debug))]),
        .target(
            name: "LatentDiffKernels", dependencies: ["COpenBLAS", "CFixedOrderGEMM"],
            linkerSettings: [.linkedLibrary("m")]),
        .target(name: "LatentDiffNN", dependencies: ["LatentDiffKernels", "CSIMDLoops"]),
        .target(name: "LatentDiffIO", dependencies: ["LatentDiffKernels", "CLibPNG", "CTurboJPEG", "CZlib"]),
        .target(name: "LatentDiffModels", dependencies: ["LatentDiffNN", "LatentDiffIO"]),
        .target(name: "LatentDiffDiffusion", dependencies: ["LatentDiffModels"]),
        .target(name: "LatentDiffPipeline", dependencies: ["LatentDiffDiffusion"]),
        .target(
            name: "LatentDiff", dependencies: ["LatentDiffDiffusion", "CLatentDiffABI"],
            exclude: ["exports.map"],
            linkerSettings: [
                .unsafeFlags([
                    "-Xlinker", "--version-script=\(exportsMap)",
                    "-Xlinker", "-soname=libLatentDiff.so.0",
                    "-use-ld=lld",
                ])
            ]),
        .target(
            name: "LatentDiffCLI",
            dependencies: [
                "LatentDiffPipeline",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(
            name: "latentdiff",
            dependencies: [
                "LatentDiffCLI",
                "LatentDiffPipeline",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .testTarget(name: "LatentDiffKernelsTests", dependencies: ["LatentDiffKernels"]),
        .testTarget(name: "LatentDiffNNTests", dependencies: ["LatentDiffNN", "CSIMDLoops"]),
        .testTarget(name: "LatentDiffIOTests", dependencies: ["LatentDiffIO"], exclude: ["Fixtures"]),
        .testTarget(name: "LatentDiffModelsTests", dependencies: ["LatentDiffModels"]),
        .testTarget(name: "LatentDiffDiffusionTests", dependencies: ["LatentDiffDiffusion"]),
        .testTarget(name: "LatentDiffPipelineTests", dependencies: ["LatentDiffPipeline"]),
        .testTarget(name: "LatentDiffTests", dependencies: ["LatentDiff"]),
    ]
)
