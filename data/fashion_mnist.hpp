#pragma once
// Fashion-MNIST (Xiao, Rasul and Vollgraf 2017, https://github.com/zalandoresearch/fashion-mnist)
// from Debian's package dataset-fashion-mnist: 60,000 training and 10,000 test images of
// 28 x 28 grey pixels in 10 classes.

#include <array>
#include <filesystem>

#include "../autograd/tensor.hpp"
#include "error.hpp"

namespace wengert {

/// Where dataset-fashion-mnist installs the four gzip IDX files.
inline constexpr const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";
/// Mean and standard deviation of the training pixels scaled to [0, 1].
inline constexpr double kFashionMnistMean = 0.2860;
inline constexpr double kFashionMnistStd = 0.3530;
/// Class names in label order.
inline constexpr std::array<const char*, 10> kFashionMnistClasses = {
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};

enum class Split { train, test };

struct FashionMnist {
    /// (N, 1, 28, 28) float32 pixels in [0, 1] (N = 60000 for train, 10000 for test).
    Tensor images;
    /// (N,) int64 class indices in 0..9.
    Tensor labels;
};

/// Loads one split from `dir`, which holds {train,t10k}-{images-idx3,labels-idx1}-ubyte,
/// gzip-compressed (".gz", as the package ships them) or not. A missing file throws DataError
/// saying how to install the data (`apt-get install dataset-fashion-mnist`, or
/// `bash scripts/install-deps`); a malformed one throws read_idx's DataError; images that
/// are not 28 x 28, a label count that differs from the image count, or a label outside 0..9
/// throw DataError too.
FashionMnist load_fashion_mnist(const std::filesystem::path& dir = kFashionMnistDir,
                                Split split = Split::train);
inline FashionMnist load_fashion_mnist(Split split) {
    return load_fashion_mnist(kFashionMnistDir, split);
}

}  // namespace wengert
