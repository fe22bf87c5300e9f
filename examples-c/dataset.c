/* Checks data set directories with ld_dataset_check: the committed fixtures give their image
 * counts, and wrong directories, kinds and damaged files give status codes with a message.
 *   ./dataset [FIXTURES_DIR]   (default: the repository's Tests/Fixtures) */
#include "check.h"

#include <stdlib.h>

static void expect_count(const char *directory, const char *kind, ld_split split, int64_t expected) {
    int64_t count = -1;
    char what[256];
    snprintf(what, sizeof what, "%s split %d", kind, split);
    expect_status(ld_dataset_check(directory, kind, split, &count), LD_OK, what);
    CHECK(count == expected, "%s: %lld images, expected %lld", what, (long long)count, (long long)expected);
    printf("  %-44s -> %lld images\n", what, (long long)count);
}

int main(int argc, char **argv) {
    const char *fixtures = argc > 1 ? argv[1] : "../../Tests/Fixtures";
    char mnist[512], cifar[512];
    snprintf(mnist, sizeof mnist, "%s/mnist", fixtures);
    snprintf(cifar, sizeof cifar, "%s/cifar10", fixtures);
    expect_count(mnist, "mnist", LD_SPLIT_TRAIN, 300);
    expect_count(mnist, "mnist", LD_SPLIT_TEST, 100);
    expect_count(cifar, "cifar10", LD_SPLIT_TRAIN, 300);
    expect_count(cifar, "cifar10", LD_SPLIT_TEST, 100);

    int64_t count = -1;
    expect_status(ld_dataset_check(NULL, "mnist", 0, &count), LD_ERR_INVALID_ARGUMENT, "dataset: NULL directory");
    expect_status(ld_dataset_check(mnist, NULL, 0, &count), LD_ERR_INVALID_ARGUMENT, "dataset: NULL kind");
    expect_status(ld_dataset_check(mnist, "imagenet", 0, &count), LD_ERR_INVALID_ARGUMENT, "dataset: unknown kind");
    expect_status(ld_dataset_check(mnist, "mnist", 7, &count), LD_ERR_INVALID_ARGUMENT, "dataset: split 7");
    expect_status(ld_dataset_check("no/such/dir", "mnist", 0, &count), LD_ERR_IO, "dataset: missing directory");
    expect_status(ld_dataset_check(cifar, "mnist", 0, &count), LD_ERR_IO, "dataset: CIFAR-10 directory as MNIST");

    /* A labels file whose header announces 5 labels but holds 2. */
    FILE *file = fopen("train-labels-idx1-ubyte", "wb");
    const uint8_t labels[] = {0, 0, 8, 1, 0, 0, 0, 5, 3, 4};
    if (file) {
        fwrite(labels, 1, sizeof labels, file);
        fclose(file);
    }
    file = fopen("train-images-idx3-ubyte", "wb");
    const uint8_t images[] = {0, 0, 8, 3, 0, 0, 0, 5, 0, 0, 0, 1, 0, 0, 0, 1, 9, 9, 9, 9, 9};
    if (file) {
        fwrite(images, 1, sizeof images, file);
        fclose(file);
    }
    expect_status(ld_dataset_check(".", "mnist", LD_SPLIT_TRAIN, &count), LD_ERR_FORMAT, "dataset: truncated labels");
    CHECK(count == -1, "out_count was written on failure");
    remove("train-labels-idx1-ubyte");
    remove("train-images-idx3-ubyte");
    return finish("dataset");
}
