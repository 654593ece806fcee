#include "fashion_mnist.hpp"

#include <fmt/format.h>

#include "../autograd/tensor_impl.hpp"
#include "idx.hpp"

namespace wengert {

namespace {

// The file of `stem` in `dir`, compressed or not; DataError with the install hint if neither.
std::filesystem::path find_file(const std::filesystem::path& dir, const std::string& stem) {
    const std::filesystem::path gz = dir / (stem + ".gz");
    const std::filesystem::path plain = dir / stem;
    if (std::filesystem::exists(gz)) {
        return gz;
    }
    if (std::filesystem::exists(plain)) {
        return plain;
    }
    throw DataError(
        fmt::format("load_fashion_mnist: {} not found (nor {}); install the data "
                    "with `apt-get install dataset-fashion-mnist` (or `bash "
                    "scripts/install-deps`), or pass the folder that holds the files",
                    gz.string(), plain.string()));
}

}  // namespace

FashionMnist load_fashion_mnist(const std::filesystem::path& dir, Split split) {
    const std::string prefix = split == Split::train ? "train" : "t10k";
    const auto images_path = find_file(dir, prefix + "-images-idx3-ubyte");
    const auto labels_path = find_file(dir, prefix + "-labels-idx1-ubyte");

    IdxData images = read_idx(images_path, {.dtype = kFloat32, .scale = true});
    IdxData labels = read_idx(labels_path, {.dtype = kInt64});
    if (images.type != IdxType::uint8 || images.dims.size() != 3 || images.dims[1] != 28 ||
        images.dims[2] != 28) {
        throw DataError(fmt::format(
            "load_fashion_mnist: {}: expected uint8 images of shape "
            "(N, 28, 28); found {} of shape {}",
            images_path.string(), idx_type_name(images.type), shape_string(images.dims)));
    }
    if (labels.type != IdxType::uint8 || labels.dims.size() != 1 ||
        labels.dims[0] != images.dims[0]) {
        throw DataError(
            fmt::format("load_fashion_mnist: {}: expected {} uint8 labels, one per "
                        "image; found {} of shape {}",
                        labels_path.string(), images.dims[0], idx_type_name(labels.type),
                        shape_string(labels.dims)));
    }
    const std::int64_t* label = labels.values.data_ptr<std::int64_t>();
    for (std::size_t i = 0; i < labels.dims[0]; ++i) {
        if (label[i] < 0 || label[i] > 9) {
            throw DataError(
                fmt::format("load_fashion_mnist: {}: label {} at index {} is outside "
                            "0..9",
                            labels_path.string(), label[i], i));
        }
    }

    // The IDX dims are (N, 28, 28); add the channel axis that convolutions expect.
    detail::array_as<float>(images.values).reshape({images.dims[0], 1, 28, 28});
    return {images.values, labels.values};
}

}  // namespace wengert
